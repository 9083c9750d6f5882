import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, maskingKey } from '../../src/config/config.js';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { maskValuesWith } from '../../src/policy/mask-value.js';
import type { AuditRecord } from '../../src/response/audit.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { createMetrics } from '../../src/server/metrics.js';
import { loadPersistedManifest } from '../../src/server/persisted-manifest.js';
import { DEMO_KEYS } from '../support/demo.js';

const records: AuditRecord[] = [];
let gateway: Gateway;
let failing: Gateway;
const logged: Record<string, unknown>[] = [];

beforeAll(async () => {
  const config = loadConfig('sluice.yaml');
  const engine = new EmbeddedEngine({ maskValues: maskValuesWith(maskingKey(config)) });
  const sink = { write: (r: AuditRecord) => void records.push(r), close: async () => undefined };
  const deployment = await loadDeployment(config, engine);
  // With metrics, as `serve` runs it: the metrics read the audit record too.
  gateway = createGateway({ config, ...deployment, engine, audit: sink, metrics: createMetrics(), today: '2026-11-21' });
  const broken = {
    write: () => {
      throw new Error('disk full');
    },
    close: async () => undefined,
  };
  failing = createGateway({
    config,
    ...deployment,
    engine,
    audit: broken,
    log: (message, fields) => void logged.push({ message, ...fields }),
    today: '2026-11-21',
  });
});

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const PARTNER_OPERATION = [...loadPersistedManifest('persisted/operations.json').operations.values()].find(
  (op) => op.name === 'PartnerOrdersByRegion',
)!;

/** Sends `body` as it is and returns the status, the body and the one record it left. */
async function send(body: unknown, headers: Record<string, string>, target: Gateway = gateway) {
  const before = records.length;
  const res = await target.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  await new Promise((r) => setImmediate(r));
  if (target === gateway) expect(records.length, text).toBe(before + 1);
  return { status: res.status, text, record: records[records.length - 1]! };
}

async function ask(query: string, headers: Record<string, string>, operationName?: string) {
  const before = records.length;
  const res = await gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, operationName }),
  });
  const body = (await res.json()) as { extensions?: { lineage?: { queryId: string; decisionId: string } } };
  // the record is written when the response is; give the stream a tick
  await new Promise((r) => setImmediate(r));
  expect(records.length).toBe(before + 1);
  return { status: res.status, body, record: records[records.length - 1]! };
}

describe('audit trail', () => {
  it('records an allowed request: who, what, which policies and masks, rows, with the lineage ids', async () => {
    const { body, record } = await ask(
      'query EuOrders { ordersV2(first: 7, orderBy: [{ total_amount: DESC }]) { nodes { order_id email region } totalCount } }',
      { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' },
      'EuOrders',
    );
    expect(record).toMatchObject({
      subject: 'ana',
      tenant: 'acme',
      role: 'analyst',
      purpose: 'reporting',
      credential: 'api-key',
      keyId: 'analyst-demo',
      operationName: 'EuOrders',
      decision: 'allow',
      status: 200,
      errors: [],
      rowsReturned: 7,
      queryId: body.extensions!.lineage!.queryId,
      decisionId: body.extensions!.lineage!.decisionId,
    });
    expect(record.documentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const [orders] = record.products;
    expect(orders).toMatchObject({
      product: 'orders',
      version: '2.1.0',
      path: 'ordersV2',
      policies: [{ id: 'orders-analyst', version: 3 }],
      rowFilter: true,
      fieldsDenied: [],
    });
    expect(orders!.fieldsRequested.sort()).toEqual(['email', 'order_id', 'region', 'total_amount']);
    expect(orders!.fieldsMasked).toEqual(['email']);
    expect(orders!.fieldsGranted).toContain('notes');
    expect(JSON.stringify(record)).not.toMatch(/demo-analyst-key|@example\.com/);
  });

  it('records a field the policy does not grant as denied', async () => {
    // Not in the caller's schema (docs/frontend-apps.md): the caller gets the validation
    // error of a field that does not exist; the audit names what it reached for.
    const { record } = await ask('{ ordersV2(first: 1, where: { notes: { isNull: true } }) { nodes { order_id email } } }', {});
    expect(record).toMatchObject({
      subject: 'anonymous',
      role: 'public',
      purpose: 'unspecified',
      credential: 'anonymous',
      decision: 'deny',
      errors: ['GRAPHQL_VALIDATION_FAILED'],
      rowsReturned: 0,
      products: [],
    });
    expect(record.refusal).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: "asks for what the caller's policies do not grant: OrdersV2Where.notes, OrdersV2.email",
    });
    // A field that exists for nobody is an ordinary validation failure.
    const { record: typo } = await ask('{ ordersV2(first: 1) { nodes { order_id emial } } }', {});
    expect(typo).toMatchObject({ subject: 'anonymous', decision: 'allow', errors: ['GRAPHQL_VALIDATION_FAILED'] });
    expect(typo.refusal!.reason).toBe("the document is not valid against the caller's schema");
  });

  it('records refused credentials, with no session and without the key', async () => {
    const { status, record } = await ask('{ ordersV2(first: 1) { nodes { order_id } } }', { 'x-api-key': 'stolen-guess' });
    expect(status).toBe(401);
    expect(record).toMatchObject({ decision: 'deny', status: 401, subject: null, queryId: null, errors: ['UNAUTHENTICATED'] });
    expect(JSON.stringify(record)).not.toContain('stolen-guess');
  });

  it('records a role the caller does not hold as denied', async () => {
    const { status, record } = await ask('{ ordersV2(first: 1) { nodes { order_id } } }', {
      'x-api-key': DEMO_KEYS.analyst,
      'x-role': 'admin',
    });
    expect(status).toBe(403);
    expect(record).toMatchObject({ decision: 'deny', status: 403, errors: ['FORBIDDEN'] });
  });

  it('does not audit the GraphiQL page', async () => {
    const before = records.length;
    await gateway.fetch('http://sluice.test/graphql', { headers: { accept: 'text/html' } });
    await new Promise((r) => setImmediate(r));
    expect(records.length).toBe(before);
  });
});

describe('the audit records what ran, not what the request claimed', () => {
  it('names a persisted operation by the id that ran, whatever APQ hash came with it', async () => {
    const claimed = 'c'.repeat(64);
    const { status, record } = await send(
      {
        documentId: PARTNER_OPERATION.id,
        variables: { region: 'EU' },
        extensions: { persistedQuery: { version: 1, sha256Hash: claimed } },
      },
      { 'x-api-key': DEMO_KEYS.partner },
    );
    expect(status).toBe(200);
    expect(record.documentHash).toBe(`sha256:${PARTNER_OPERATION.id}`);
    expect(record.documentHash).toBe(sha256(PARTNER_OPERATION.document));
    expect(record.operationName).toBe('PartnerOrdersByRegion');
    expect(record.refusal).toBeNull();
    expect(JSON.stringify(record)).not.toContain(claimed);
  });

  it('hashes the query that ran when an APQ hash of another protocol version comes with it', async () => {
    const query = 'query Mine { ordersV2(first: 1) { nodes { order_id } } }';
    const { record } = await send(
      { query, extensions: { persistedQuery: { version: 2, sha256Hash: 'd'.repeat(64) } } },
      { 'x-api-key': DEMO_KEYS.admin },
    );
    expect(record).toMatchObject({ status: 200, documentHash: sha256(query), operationName: 'Mine', refusal: null });
  });

  it('names the operation that ran, not an operationName that matches none', async () => {
    const query = 'query A { ordersV2(first: 1) { totalCount } } query B { customersV1(first: 1) { totalCount } }';
    const { record } = await send({ query, operationName: 'B' }, { 'x-api-key': DEMO_KEYS.admin });
    expect(record).toMatchObject({ status: 200, operationName: 'B', documentHash: sha256(query) });
    expect(record.products.map((p) => p.product)).toEqual(['customers']);
  });

  it('records an unknown persisted id as what was refused, never as the document that ran', async () => {
    const id = 'e'.repeat(64);
    const { status, record } = await send({ documentId: `sha256:${id}` }, { 'x-api-key': DEMO_KEYS.partner });
    expect(status).toBe(404);
    expect(record).toMatchObject({
      documentHash: null,
      refusal: { code: 'PERSISTED_QUERY_NOT_FOUND', reason: 'no persisted operation has the requested id', requested: `sha256:${id}` },
    });
  });

  it('records a refused query by the hash of its text, with the reason in the gateway’s words', async () => {
    const query = '{ ordersV2(first: 1) { nodes { order_id } } }';
    const refused = await send({ query }, { 'x-api-key': DEMO_KEYS.partner });
    expect(refused.record).toMatchObject({
      status: 400,
      documentHash: null,
      refusal: { code: 'PERSISTED_QUERY_REQUIRED', requested: sha256(query) },
    });
    const variables = await send(
      { query: 'query($n: Int!) { ordersV2(first: $n) { totalCount } }', variables: { n: 'zz-secret-value' } },
      { 'x-api-key': DEMO_KEYS.admin },
    );
    expect(variables.text).toContain('zz-secret-value'); // graphql-js quotes the value to its sender …
    expect(variables.record.refusal).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'malformed request parameters, variables or arguments',
    });
    expect(JSON.stringify(variables.record)).not.toContain('zz-secret-value'); // … the audit never holds it
  });

  it.each([
    ['an object', { toString: 'Q' }, 'operationName is an object'],
    ['a number', 1e308, 'operationName is a number'],
    ['a list', ['Q'], 'operationName is an array'],
  ])(
    'refuses an operationName that is %s with 400 BAD_USER_INPUT, before authentication, and records why',
    async (_what, operationName, reason) => {
      for (const key of [DEMO_KEYS.admin, 'not-a-key']) {
        const { status, text, record } = await send({ query: '{ __typename }', operationName }, { 'x-api-key': key });
        expect(status, text).toBe(400);
        expect(JSON.parse(text)).toEqual({
          errors: [{ message: expect.stringMatching(/^"operationName" must be a string, not /), extensions: { code: 'BAD_USER_INPUT' } }],
        });
        expect(record).toMatchObject({
          status: 400,
          operationName: null,
          documentHash: null,
          errors: ['BAD_USER_INPUT'],
          refusal: { code: 'BAD_USER_INPUT', reason },
        });
      }
    },
  );

  it('a failing audit sink is logged, never the response', async () => {
    const { status, text } = await send(
      { query: '{ ordersV2(first: 1) { nodes { order_id } } }' },
      { 'x-api-key': DEMO_KEYS.admin },
      failing,
    );
    expect(status).toBe(200);
    expect(JSON.parse(text).errors).toBeUndefined();
    expect(logged).toEqual([expect.objectContaining({ message: 'audit record not written', error: 'disk full' })]);
  });
});
