/**
 * Whatever the shape of a request, no response carries a stack trace or a
 * file path, and none is a 5xx other than a masked INTERNAL_SERVER_ERROR with
 * a query id (issue 12). Generated requests put wrong types in every
 * GraphQL-over-HTTP parameter (query, variables, operationName, extensions,
 * documentId): strings, huge and non-finite numbers, booleans, nulls, lists,
 * objects with prototype keys (`__proto__`, `constructor`, `prototype`),
 * duplicate keys, unknown parameters, bodies that are not JSON objects, over
 * POST and GET, with and without a valid API key. In-process, and over real
 * HTTP against `sluice serve` (where a throwing hook became a text/plain 500
 * with a stack naming src/ and node_modules).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { createMetrics } from '../../src/server/metrics.js';
import { startServer, type RunningServer } from '../e2e/start-server.js';
import { DEMO_KEYS } from '../support/demo.js';

const PARAMETERS = ['query', 'variables', 'operationName', 'extensions', 'documentId'];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** A JSON value as text, so that numbers JSON.stringify cannot write (1e999, 30-digit integers, -0) are sent too. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('null', 'true', 'false', '0', '-0', '1e999', '-1e999', '1e308', '123456789012345678901234567890', '0.1', '-1'),
    fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
    fc.constantFrom(
      '"{ __typename }"',
      '"{ ordersV2(first: 1) { nodes { order_id } } }"',
      '"query Q { __typename }"',
      '"Q"',
      `"${'a'.repeat(64)}"`,
      '"sha256:"',
      '"{"',
    ),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(
        fc.tuple(
          // Mostly keys an object inherits: `{"toString": false}` is what made `String(x)` throw.
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
            fc.constantFrom('persistedQuery', 'sha256Hash', 'version', 'n'),
            fc.string({ maxLength: 8 }),
          ),
          tie('value'),
        ),
        { maxLength: 4 },
      )
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

/** A POST body: mostly an object of parameters (known, prototype and unknown keys, duplicates allowed), sometimes anything. */
const postBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...PARAMETERS) },
            fc.constantFrom(...PROTOTYPE_KEYS),
            fc.string({ maxLength: 6 }),
          ),
          jsonText,
        ),
        { maxLength: 5 },
      )
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  },
  jsonText,
  fc.string({ maxLength: 30 }),
);

/** A GET query string: parameters with JSON texts or plain strings as values. */
const getSearch: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PARAMETERS) }, fc.constantFrom(...PROTOTYPE_KEYS)),
      fc.oneof(jsonText, fc.string({ maxLength: 12 })),
    ),
    { maxLength: 5 },
  )
  .map((entries) => new URLSearchParams(entries).toString());

const request: fc.Arbitrary<Shape> = fc.record({
  method: fc.constantFrom('POST', 'GET'),
  body: postBody,
  search: getSearch,
  key: fc.constantFrom(DEMO_KEYS.admin, DEMO_KEYS.partner, 'not-a-key', ''),
});
interface Shape {
  readonly method: 'POST' | 'GET';
  readonly body: string;
  readonly search: string;
  readonly key: string;
}

function init(shape: Shape): { path: string; init: RequestInit } {
  const headers: Record<string, string> = { accept: 'application/graphql-response+json, application/json' };
  if (shape.key) headers['x-api-key'] = shape.key;
  if (shape.method === 'GET') return { path: `/graphql?${shape.search}`, init: { headers } };
  return { path: '/graphql', init: { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: shape.body } };
}

/** What every answer must satisfy, whatever was sent. */
function expectSafe(shape: Shape, status: number, contentType: string, text: string): void {
  const sent = JSON.stringify(shape);
  expect(text, sent).not.toMatch(/node_modules/);
  expect(text, sent).not.toMatch(/\/src\//);
  expect(text, sent).not.toMatch(/\n\s*at |\bat [^\s]+ \(/);
  expect(text, sent).not.toMatch(/\/work\/|\.ts:\d+/);
  expect(contentType, sent).toMatch(/json/);
  const body = JSON.parse(text) as { errors?: { message: string; extensions?: { code?: string } }[] };
  if (status >= 500) {
    expect(body.errors?.[0]?.extensions?.code, sent).toBe('INTERNAL_SERVER_ERROR');
    expect(body.errors?.[0]?.message, sent).toMatch(/query id [0-9a-f-]{36}/);
  }
  for (const e of body.errors ?? []) expect(typeof e.extensions?.code, `${sent} ${text}`).toBe('string');
}

describe('malformed request shapes, in-process', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    const config = loadConfig('sluice.yaml');
    const engine = createEngine(config);
    // With metrics and a logger-less audit, as serve wires them (the metrics read every audit record).
    gateway = createGateway({
      config,
      ...(await loadDeployment(config, engine)),
      engine,
      metrics: createMetrics(),
      log: () => undefined,
      today: '2026-11-21',
    });
  });

  it('never answer with a stack, a path or an unmasked 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (shape) => {
        const { path, init: i } = init(shape);
        const res = await gateway.fetch(`http://sluice.test${path}`, i);
        expectSafe(shape, res.status, res.headers.get('content-type') ?? '', await res.text());
      }),
      { numRuns: Number(process.env['SHAPE_RUNS'] ?? 400) },
    );
  });

  it.each([
    ['operationName an object', '{"query":"{ __typename }","operationName":{"toString":"Q"}}'],
    ['operationName a huge number', '{"query":"{ __typename }","operationName":1e999}'],
    ['documentId a list', '{"documentId":["a"]}'],
    ['extensions a string', '{"query":"{ __typename }","extensions":"x"}'],
    ['a __proto__ parameter', '{"__proto__":{"query":"{ __typename }"},"query":"{ __typename }"}'],
    [
      'variables with a __proto__ key',
      '{"query":"query($n: Int) { ordersV2(first: $n) { totalCount } }","variables":{"__proto__":{"n":1}}}',
    ],
  ])('%s: refused with 400 BAD_USER_INPUT or answered, never a 5xx', async (_what, body) => {
    const res = await gateway.fetch('http://sluice.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
      body,
    });
    const text = await res.text();
    expect(res.status, text).toBeLessThan(500);
    expectSafe({ method: 'POST', body, search: '', key: DEMO_KEYS.admin }, res.status, res.headers.get('content-type') ?? '', text);
  });
});

describe('malformed request shapes, over HTTP', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('never answer with a stack, a path or an unmasked 5xx', { timeout: 240_000 }, async () => {
    const base = server.url.replace(/\/graphql$/, '');
    await fc.assert(
      fc.asyncProperty(request, async (shape) => {
        const { path, init: i } = init(shape);
        const res = await fetch(`${base}${path}`, i);
        expectSafe(shape, res.status, res.headers.get('content-type') ?? '', await res.text());
      }),
      { numRuns: Number(process.env['SHAPE_RUNS'] ?? 400) },
    );
    // Nothing the process logged is a crash of a hook.
    expect(server.output().stderr).not.toMatch(/Unexpected error while handling request/);
  });
});
