/**
 * Persisted operations through the gateway (docs/persisted-operations.md): manifest ids, Apollo
 * APQ with registration for the keys allowed to register, persisted-only
 * partner keys, ids that name nothing the caller may run, and variables.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { documentId, loadPersistedManifest, parsePersistedManifest } from '../../src/server/persisted-manifest.js';
import type { Gateway } from '../../src/server/create-gateway.js';
import { codes, demoGateway, KEYS, post } from './support.js';

const manifest = loadPersistedManifest('persisted/operations.json');
const idOf = (name: string) => [...manifest.operations.values()].find((op) => op.name === name)!.id;
const BY_REGION = idOf('PartnerOrdersByRegion');
const STATUS = idOf('PartnerOrderStatus');

let gateway: Gateway;
beforeAll(async () => {
  gateway = await demoGateway();
});

const apq = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

describe('persisted operations', () => {
  it('runs a manifest operation by documentId for the persisted-only partner key, under its policy', async () => {
    const a = await post(gateway, { documentId: BY_REGION, variables: { region: 'EU' } }, KEYS.partner);
    expect(a.body.errors).toBeUndefined();
    const page = (a.body.data!['ordersV2'] as { nodes: Record<string, unknown>[]; pageInfo: { hasNextPage: boolean } });
    expect(page.nodes).toHaveLength(100);
    expect(Object.keys(page.nodes[0]!).sort()).toEqual(['currency', 'order_date', 'order_id', 'status', 'total_amount']);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('accepts the id with a sha256: prefix, and by GET', async () => {
    const a = await post(gateway, { documentId: `sha256:${STATUS}`, variables: { orderId: '3' } }, KEYS.partner);
    expect(a.body.data).toEqual({ ordersV2: { nodes: [expect.objectContaining({ order_id: '3' })] } });
    const url = `http://sluice.test/graphql?documentId=${STATUS}&variables=${encodeURIComponent(JSON.stringify({ orderId: '3' }))}`;
    const res = await gateway.fetch(url, { headers: { 'x-api-key': KEYS.partner, accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown }).data).toEqual(a.body.data);
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    for (const key of [KEYS.partner, KEYS.admin]) {
      const a = await post(gateway, { documentId: 'ab'.repeat(32) }, key);
      expect(codes(a)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect(a.status).toBe(404);
      expect(a.body.data).toBeUndefined();
    }
    const malformed = await post(gateway, { documentId: 'not-a-hash' }, KEYS.partner);
    expect(codes(malformed)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('refuses a raw document from a persisted-only key (PERSISTED_QUERY_REQUIRED), even one naming a manifest id', async () => {
    const query = manifest.operations.get(STATUS)!.document;
    for (const body of [
      { query: '{ ordersV2(first: 1) { nodes { order_id } } }' },
      { query, variables: { orderId: '3' } },
      { query, documentId: STATUS, variables: { orderId: '3' } },
      { query, variables: { orderId: '3' }, extensions: apq(STATUS) },
    ]) {
      const a = await post(gateway, body, KEYS.partner);
      expect(codes(a)).toEqual(['PERSISTED_QUERY_REQUIRED']);
      expect(a.status).toBe(400);
      expect(a.body.data).toBeUndefined();
    }
  });

  it('completes the APQ round trip: not found, then registered with the query by a key allowed to, then found by hash', async () => {
    const query = '{ customersV1(first: 2) { nodes { customer_id } } }';
    const hash = documentId(query);
    expect(codes(await post(gateway, { extensions: apq(hash) }, KEYS.admin))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const registered = await post(gateway, { query, extensions: apq(hash) }, KEYS.admin);
    expect(registered.body.errors).toBeUndefined();
    const again = await post(gateway, { extensions: apq(hash) }, KEYS.admin);
    expect(again.body).toEqual({ ...registered.body, extensions: expect.anything() });
    expect(again.body.data).toEqual(registered.body.data);
  });

  it('runs but does not register the APQ query of a key without allowPersistRegistration', async () => {
    const query = '{ ordersV2(first: 1) { nodes { order_id region } } }';
    const hash = documentId(query);
    const headers = { 'x-purpose': 'reporting' };
    const sent = await post(gateway, { query, extensions: apq(hash) }, KEYS.analyst, headers);
    expect(sent.body.errors).toBeUndefined();
    expect(codes(await post(gateway, { extensions: apq(hash) }, KEYS.analyst, headers))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('refuses an APQ query whose hash is not its SHA-256', async () => {
    const a = await post(gateway, { query: '{ customersV1(first: 1) { nodes { customer_id } } }', extensions: apq('cd'.repeat(32)) }, KEYS.admin);
    expect(codes(a)).toEqual(['BAD_USER_INPUT']);
    expect(a.status).toBe(400);
  });

  it('does not let a forged id reach an operation the caller may not run: APQ registrations are not the manifest', async () => {
    // The admin registers a document through APQ; the partner then names it.
    const query = '{ ordersV2(first: 3) { nodes { order_id email } } }';
    const hash = documentId(query);
    expect((await post(gateway, { query, extensions: apq(hash) }, KEYS.admin)).body.errors).toBeUndefined();
    expect((await post(gateway, { extensions: apq(hash) }, KEYS.admin)).body.errors).toBeUndefined();
    for (const body of [{ documentId: hash }, { extensions: apq(hash) }]) {
      // No client header chooses the store: the caller does.
      const a = await post(gateway, body, KEYS.partner, { 'x-persisted-store': 'apq', 'x-role': 'partner' });
      expect(codes(a)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect(JSON.stringify(a.body)).not.toContain('email');
    }
  });

  it('refuses a manifest whose id is not the SHA-256 of its document', () => {
    const [op] = manifest.operations.values();
    const forged = JSON.stringify({ [op!.id]: '{ ordersV2(first: 100) { nodes { order_id email } } }' });
    expect(() => parsePersistedManifest(forged, 'operations.json')).toThrow(/operation "[0-9a-f]{64}": the id is not the SHA-256 of its document/);
    expect(() => parsePersistedManifest(JSON.stringify({ abc: '{ x }' }), 'operations.json')).toThrow(/64 lowercase hex digits/);
    expect(() => parsePersistedManifest('[]', 'operations.json')).toThrow(/JSON object/);
  });

  it('reports variable coercion errors of persisted operations as BAD_USER_INPUT', async () => {
    const missing = await post(gateway, { documentId: BY_REGION, variables: {} }, KEYS.partner);
    expect(codes(missing)).toEqual(['BAD_USER_INPUT']);
    expect(missing.body.errors![0]!.message).toMatch(/\$region.*was not provided/);
    const wrongType = await post(gateway, { documentId: STATUS, variables: { orderId: 'not-a-number' } }, KEYS.partner);
    expect(codes(wrongType)).toEqual(['BAD_USER_INPUT']);
    expect(wrongType.body.errors![0]!.message).toMatch(/\$orderId/);
    const wrongShape = await post(gateway, { documentId: BY_REGION, variables: { region: ['EU'] } }, KEYS.partner);
    expect(codes(wrongShape)).toEqual(['BAD_USER_INPUT']);
    for (const a of [missing, wrongType, wrongShape]) expect(a.body.data ?? undefined).toBeUndefined();
  });

  it('asks for a query or an id when the request has neither', async () => {
    const a = await post(gateway, { variables: {} }, KEYS.admin);
    expect(codes(a)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('auth config', () => {
  it('refuses a persistedOnly key that may also register operations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-persisted-'));
    const file = join(dir, 'sluice.yaml');
    writeFileSync(
      file,
      [
        'auth:',
        '  apiKeys:',
        `    - { id: partner, sha256: "${'a'.repeat(64)}", subject: p, roles: [partner], persistedOnly: true, allowPersistRegistration: true }`,
        '',
      ].join('\n'),
    );
    expect(() => loadConfig(file)).toThrow(/sluice\.yaml:3: auth\.apiKeys\.0\.allowPersistRegistration: key "partner" is persistedOnly/);
  });
});
