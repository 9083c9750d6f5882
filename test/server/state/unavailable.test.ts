/**
 * What a request gets when shared state does not answer (docs/configuration.md), through
 * the whole gateway: a caller with a rate fails closed (503
 * SOURCE_UNAVAILABLE, Retry-After 1); a caller without one is served; an
 * APQ hash is answered as unknown (the client sends the query, which runs,
 * unregistered). The store here rejects as the Redis store does when Redis
 * is down or past its command timeout (stores.test.ts and the replicas
 * test show the real one doing so).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type SluiceConfig } from '../../../src/config/config.js';
import { EmbeddedEngine } from '../../../src/engine/engine.js';
import { createGateway, type Gateway } from '../../../src/server/create-gateway.js';
import { loadDeployment } from '../../../src/server/load-catalog.js';
import { documentId } from '../../../src/server/persisted-manifest.js';
import type { RegisteredOperations } from '../../../src/server/state/persisted-store.js';
import { StateUnavailable, type RateLimitStore } from '../../../src/server/state/rate-limit-store.js';

const down = () => Promise.reject(new StateUnavailable(new Error('Connection is closed.')));
const unavailable: { rateLimits: RateLimitStore; registered: RegisteredOperations } = {
  rateLimits: { take: down },
  registered: { get: down, set: down },
};

let gateway: Gateway;
beforeAll(async () => {
  const base = loadConfig('sluice.yaml');
  const config: SluiceConfig = {
    ...base,
    server: { ...base.server, limits: { ...base.server.limits, rate: { perSecond: 5, burst: 10 } } },
    // The admin key needs no rate decision.
    auth: { ...base.auth, apiKeys: base.auth.apiKeys.map((k) => (k.id === 'admin-demo' ? { ...k, rate: false as const } : k)) },
  };
  const engine = new EmbeddedEngine();
  gateway = createGateway({ config, ...(await loadDeployment(config, engine, { secrets: 'optional' })), engine, state: unavailable });
});

const post = async (body: unknown, headers: Record<string, string>) => {
  const res = await gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] },
  };
};

describe('shared state unavailable', () => {
  it('fails a rate-limited caller closed with 503 SOURCE_UNAVAILABLE and Retry-After', async () => {
    for (const headers of [{}, { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' }] as Record<string, string>[]) {
      const a = await post({ query: '{ __typename }' }, headers);
      expect(a.status).toBe(503);
      expect(a.body.errors![0]!.extensions.code).toBe('SOURCE_UNAVAILABLE');
      expect(a.headers.get('retry-after')).toBe('1');
      expect(a.body.data).toBeUndefined();
    }
  });

  it('serves a caller without a rate, answers its APQ hash as unknown, and runs the query it then sends', async () => {
    const admin = { 'x-api-key': 'demo-admin-key' };
    expect((await post({ query: '{ __typename }' }, admin)).status).toBe(200);
    const query = '{ customersV1(first: 1) { nodes { customer_id } } }';
    const apq = { persistedQuery: { version: 1, sha256Hash: documentId(query) } };
    const hashOnly = await post({ extensions: apq }, admin);
    expect(hashOnly.body.errors![0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const withQuery = await post({ query, extensions: apq }, admin);
    expect(withQuery.status).toBe(200);
    expect(withQuery.body.errors).toBeUndefined();
  });
});
