import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, maskingKey } from '../../src/config/config.js';
import { Engine } from '../../src/engine/engine.js';
import { maskValuesWith } from '../../src/policy/mask-value.js';
import type { AuditRecord } from '../../src/response/audit.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { DEMO_KEYS } from '../support/demo.js';

const records: AuditRecord[] = [];
let gateway: Gateway;

beforeAll(async () => {
  const config = loadConfig('sluice.yaml');
  const engine = new Engine({ maskValues: maskValuesWith(maskingKey(config)) });
  const sink = { write: (r: AuditRecord) => void records.push(r), close: async () => undefined };
  gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine, audit: sink, today: '2026-11-21' });
});

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
    expect(orders).toMatchObject({ product: 'orders', version: '2.1.0', path: 'ordersV2', policies: [{ id: 'orders-analyst', version: 3 }], rowFilter: true, fieldsDenied: [] });
    expect(orders!.fieldsRequested.sort()).toEqual(['email', 'order_id', 'region', 'total_amount']);
    expect(orders!.fieldsMasked).toEqual(['email']);
    expect(orders!.fieldsGranted).toContain('notes');
    expect(JSON.stringify(record)).not.toMatch(/demo-analyst-key|@example\.com/);
  });

  it('records a field the policy does not grant as denied', async () => {
    const { record } = await ask('{ ordersV2(first: 1) { nodes { order_id email } } }', {});
    expect(record).toMatchObject({ subject: 'anonymous', role: 'public', decision: 'deny', errors: ['FORBIDDEN'], rowsReturned: 0 });
    expect(record.products[0]).toMatchObject({ product: 'orders', fieldsDenied: ['email'], policies: [{ id: 'orders-public', version: 1 }] });
  });

  it('records refused credentials, with no session and without the key', async () => {
    const { status, record } = await ask('{ ordersV2(first: 1) { nodes { order_id } } }', { 'x-api-key': 'stolen-guess' });
    expect(status).toBe(401);
    expect(record).toMatchObject({ decision: 'deny', status: 401, subject: null, queryId: null, errors: ['UNAUTHENTICATED'] });
    expect(JSON.stringify(record)).not.toContain('stolen-guess');
  });

  it('records a role the caller does not hold as denied', async () => {
    const { status, record } = await ask('{ ordersV2(first: 1) { nodes { order_id } } }', { 'x-api-key': DEMO_KEYS.analyst, 'x-role': 'admin' });
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
