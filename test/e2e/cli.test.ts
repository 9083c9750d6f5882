/**
 * The `sluice` command as users run it (docs/cli.md): `node bin/sluice.js …` in
 * a child process, checking exit codes and what it prints.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedConfig, REPO, runCli, startServer } from './start-server.js';

/**
 * A copy of the demo deployment in a temporary directory: every contract,
 * with its source pointing at the repository's Parquet files by an absolute
 * location, and orders v2's `total_amount` mapped to a column the files do
 * not have.
 */
const MISSING_COLUMN = 'amount_eur';
let broken: { dir: string; config: string; ordersV2: string };

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'));
  for (const product of readdirSync(join(REPO, 'products'))) {
    mkdirSync(join(dir, 'products', product), { recursive: true });
    for (const file of readdirSync(join(REPO, 'products', product)).filter((f) => f.endsWith('.yaml'))) {
      let text = readFileSync(join(REPO, 'products', product, file), 'utf8');
      // The demo's one Iceberg product reads a table folder; the others a glob of Parquet files.
      const iceberg = /^(\s*location:\s*)\.\/table\s*$/m;
      const location = /^(\s*location:\s*)\.\/data\/\*\.parquet\s*$/m;
      if (product === 'order_events') {
        expect(text).toMatch(iceberg);
        text = text.replace(iceberg, `$1${join(REPO, 'products', product, 'table')}`);
      } else {
        expect(text).toMatch(location);
        text = text.replace(location, `$1${join(REPO, 'products', product, 'data')}/*.parquet`);
      }
      if (product === 'orders' && file === 'v2.yaml') {
        const renamed = /^(\s*column:\s*)amount\s*$/m;
        expect(text).toMatch(renamed);
        text = text.replace(renamed, `$1${MISSING_COLUMN}`);
      }
      writeFileSync(join(dir, 'products', product, file), text);
    }
  }
  const config = join(dir, 'sluice.yaml');
  writeFileSync(config, 'server:\n  port: 0\n  host: 127.0.0.1\nproducts: ./products\npolicies: ./policies\n');
  broken = { dir, config, ordersV2: join(dir, 'products/orders/v2.yaml') };
});

afterAll(() => {
  if (broken) rmSync(broken.dir, { recursive: true, force: true });
});

/** The lines that name a problem in the broken copy: file, field and column. */
function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.includes(MISSING_COLUMN));
}

// One command at a time (each costs seconds of CPU to start; start-server.ts
// bounds how many run at once), with room for a busy machine.
describe('sluice CLI', { timeout: 240_000 }, () => {
  it('contract validate passes on the repository and lists the contracts', async () => {
    const r = await runCli(['contract', 'validate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: 4 contract\(s\) valid: /);
    for (const c of [
      'customers v1 (1.0.0, active)',
      'order_events v1 (1.0.0, active)',
      'orders v1 (1.4.0, deprecated)',
      'orders v2 (2.1.0, active)',
    ]) {
      expect(r.stdout).toContain(c);
    }
  });

  it('contract validate fails on a field whose column is missing, naming file, field and column', async () => {
    const r = await runCli(['contract', 'validate', '--config', broken.config]);
    expect(r.code).not.toBe(0);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = problemLines(r.stderr);
    // One line per Parquet file of orders v2.
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) {
      expect(line).toContain(broken.ordersV2);
      expect(line).toContain('field total_amount');
      expect(line).toContain(`column "${MISSING_COLUMN}" is missing`);
    }
    expect(r.stderr).toMatch(/^sluice: \d+ problem\(s\) found:/);
    // Only orders v2 is broken.
    expect(r.stderr).not.toMatch(/customers|orders\/v1\.yaml/);
  });

  it('serve refuses a broken config with the same message, before listening', async () => {
    const validate = await runCli(['contract', 'validate', '--config', broken.config]);
    const serve = await runCli(['serve', '--config', broken.config, '--port', '0']);
    expect(serve.code).toBe(1);
    expect(serve.stdout).not.toMatch(/serving/);
    expect(problemLines(serve.stderr)).toEqual(problemLines(validate.stderr));
    expect(problemLines(serve.stderr).length).toBeGreaterThanOrEqual(1);
    // The e2e helper reports such a start with the server's own words.
    await expect(startServer({ config: broken.config })).rejects.toThrow(/exited \(code 1, signal null\) before listening;[^]*amount_eur/);
  });

  it('schema check passes on the repository', async () => {
    const r = await runCli(['schema', 'check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: schema\/schema\.graphql is up to date/);
  });

  it("schema print --role prints one caller's schema: the committed golden of that caller, header aside", async () => {
    const body = (file: string) =>
      readFileSync(join(REPO, 'schema/callers', file), 'utf8')
        .split('\n')
        .slice(3)
        .join('\n');
    const anonymous = await runCli(['schema', 'print', '--role', 'public']);
    expect(anonymous.stderr).toBe('');
    expect(anonymous.code).toBe(0);
    expect(anonymous.stdout).toBe(body('anonymous.graphql'));
    const analyst = await runCli([
      'schema',
      'print',
      '--role',
      'analyst',
      '--purpose',
      'reporting',
      '--tenant',
      'acme',
      '--attr',
      'regions=EU,US',
    ]);
    expect(analyst.code).toBe(0);
    expect(analyst.stdout).toBe(body('analyst-demo.graphql'));
    // Not the same schema: the analyst reads e-mails and aggregates, anonymous callers do not.
    expect(analyst.stdout).toMatch(/^\s+email: String$/m);
    expect(anonymous.stdout).not.toMatch(/^\s+email: String$/m);
    expect(anonymous.stdout).not.toContain('ordersV2Aggregate');
  });

  it('schema check fails on a stale, a missing or a left-over caller schema, and --write puts them right', async () => {
    const { dir } = isolatedConfig('sluice.yaml');
    cpSync(join(REPO, 'schema'), join(dir, 'schema'), { recursive: true });
    const callers = join(dir, 'schema/callers');
    writeFileSync(join(callers, 'anonymous.graphql'), `${readFileSync(join(callers, 'anonymous.graphql'), 'utf8')}\nscalar Hidden\n`);
    rmSync(join(callers, 'partner-acme.graphql'));
    writeFileSync(join(callers, 'ghost.graphql'), 'type Query { x: Int }\n');
    try {
      const failed = await runCli(['schema', 'check', '--config', join(dir, 'sluice.yaml')]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/anonymous\.graphql is stale; run `sluice schema check --write`/);
      expect(failed.stderr).toMatch(/partner-acme\.graphql does not exist; run `sluice schema check --write`/);
      expect(failed.stderr).toMatch(/ghost\.graphql is no caller of /);
      expect(failed.stderr).not.toMatch(/schema\.graphql is stale/);
      const written = await runCli(['schema', 'check', '--write', '--config', join(dir, 'sluice.yaml')]);
      expect(written.code).toBe(0);
      const again = await runCli(['schema', 'check', '--config', join(dir, 'sluice.yaml')]);
      expect([again.code, again.stderr]).toEqual([0, '']);
      expect(readdirSync(callers).sort()).toEqual(readdirSync(join(REPO, 'schema/callers')).sort());
      for (const f of readdirSync(callers))
        expect(readFileSync(join(callers, f), 'utf8')).toBe(readFileSync(join(REPO, 'schema/callers', f), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explain prints the plan as compiled, after the analyzer, and optimized', async () => {
    const r = await runCli(['explain', 'examples/order-range.graphql']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sections = ['-- session: ', '== ordersV2 (page)', '-- logical plan', '-- after analyzer (policy)', '-- optimized'];
    let at = -1;
    for (const s of sections) {
      const i = r.stdout.indexOf(s, at + 1);
      expect(i, `"${s}" after position ${at} in:\n${r.stdout}`).toBeGreaterThan(at);
      at = i;
    }
    // The optimized plan pushes the key range into the scan.
    const optimized = r.stdout.slice(r.stdout.indexOf('-- optimized'));
    expect(optimized).toMatch(/Scan: orders v2 .*filters=\[order_id >= 30100, order_id < 30150\]/);
  });

  it('an unknown command exits 2 with the usage', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sluice: unknown command "frobnicate"\n/);
    expect(r.stderr).toContain('usage: sluice <command>');
    expect(r.stdout).toBe('');
  });

  it('a missing --config file exits 1 with a one-line reason', async () => {
    const r = await runCli(['contract', 'validate', '--config', 'no-such-config.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sluice: no-such-config\.yaml: cannot be read$/m);
  });
});
