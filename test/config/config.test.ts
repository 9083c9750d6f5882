import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { configFiles } from './config-files.js';

const { dir, write, problem } = configFiles('sluice-config-');

afterEach(() => {
  delete process.env['SLUICE_TEST_CURSOR'];
});

describe('sluice.yaml', () => {
  it('loads the demo config, resolving paths against the file', () => {
    const c = loadConfig('sluice.yaml');
    expect(c.server).toMatchObject({ port: 4000, graphiql: true, introspection: true, maxBodyBytes: 1048576 });
    expect(c.productsDir).toBe(join(process.cwd(), 'products'));
  });

  it('defaults to a closed production profile: no GraphiQL, no introspection', () => {
    const c = loadConfig(write('min.yaml', 'products: ./p\n'));
    expect(c.server).toMatchObject({ graphiql: false, introspection: false, port: 4000 });
    expect(c.productsDir).toBe(join(dir, 'p'));
  });

  it('bounds every request by default (server.limits), with no rate limit unless configured', () => {
    const c = loadConfig(write('min.yaml', 'products: ./p\n'));
    expect(c.server.limits).toEqual({
      maxDepth: 10,
      maxAliases: 15,
      maxDirectives: 10,
      maxTokens: 2000,
      maxCost: 50_000,
      maxOffset: 10_000,
      maxInListLength: 1000,
      maxWhereConditions: 100,
      maxWhereDepth: 10,
      maxRowsScanned: 100_000_000,
      maxBytesRead: 2 * 2 ** 30,
      maxMemoryBytes: 4 * 2 ** 30,
      maxBatch: 0,
    });
    const limited = loadConfig(write('rate.yaml', 'server:\n  limits:\n    maxCost: 1000\n    rate: { perSecond: 2, burst: 5 }\n'));
    expect(limited.server.limits).toMatchObject({ maxCost: 1000, maxDepth: 10, rate: { perSecond: 2, burst: 5 } });
  });

  it.each([
    [
      'an unknown limit, with its line',
      'server:\n  limits:\n    maxDepht: 3\n',
      /bad\.yaml:3: server\.limits\.maxDepht: unknown key "maxDepht"/,
    ],
    ['a rate limit without a burst', 'server:\n  limits:\n    rate: { perSecond: 2 }\n', /server\.limits\.rate\.burst/],
    [
      'an OTLP endpoint that is not a URL',
      'telemetry:\n  otlp: { endpoint: collector:4318 }\n',
      /telemetry\.otlp\.endpoint: must be an http/,
    ],
    ['an OpenLineage sink without a file', 'openlineage:\n  namespace: prod\n', /openlineage\.file/],
    ['a batch limit past 100', 'server:\n  limits:\n    maxBatch: 1000\n', /server\.limits\.maxBatch/],
    ['a scan limit of zero', 'server:\n  limits:\n    maxRowsScanned: 0\n', /bad\.yaml:3: server\.limits\.maxRowsScanned/],
    ['an unknown key, with its line', 'server:\n  port: 4000\n  prot: 1\n', /bad\.yaml:3: server\.prot: unknown key "prot"/],
    ['a wrong type', 'server:\n  port: "four"\n', /bad\.yaml:2: server\.port: /],
    ['malformed YAML', 'server: [\n', /bad\.yaml:\d+: malformed YAML/],
    ['a duplicate key', 'products: a\nproducts: b\n', /bad\.yaml:\d+: malformed YAML: .*unique/i],
    ['a missing secret', 'cursors:\n  secretEnv: SLUICE_TEST_CURSOR\n', /secretEnv names SLUICE_TEST_CURSOR, which is not set/],
  ])('rejects %s', (_what, text, message) => {
    expect(problem(text)).toMatch(message);
  });

  it('takes the cursor key from the environment when named, else a random key of this process, never from the files', () => {
    process.env['SLUICE_TEST_CURSOR'] = 's3cret';
    // Different files, one variable: the same key (the text plays no part).
    const a = loadConfig(write('a.yaml', 'cursors:\n  secretEnv: SLUICE_TEST_CURSOR\n'));
    const b = loadConfig(write('b.yaml', 'products: ./other\ncursors:\n  secretEnv: SLUICE_TEST_CURSOR\n'));
    expect(a.cursorSecret.equals(b.cursorSecret)).toBe(true);
    process.env['SLUICE_TEST_CURSOR'] = 'another';
    expect(loadConfig(write('a2.yaml', 'cursors:\n  secretEnv: SLUICE_TEST_CURSOR\n')).cursorSecret.equals(a.cursorSecret)).toBe(false);
    // Without secretEnv: one key for the process, whatever the file says; the old derivation from the text is gone.
    const text = 'products: ./x\n';
    const c = loadConfig(write('c.yaml', text));
    const d = loadConfig(write('d.yaml', 'products: ./y\n'));
    expect(c.cursorSecret.equals(d.cursorSecret)).toBe(true);
    expect(c.cursorSecret.equals(createHash('sha256').update(`sluice-cursor:${text}`).digest())).toBe(false);
    expect(c.cursorSecret.equals(a.cursorSecret)).toBe(false);
    expect(c.cursorSecret).toHaveLength(32);
    // (That each process draws its own: test/e2e/cursor-secret.test.ts, two servers.)
  });
});
