/**
 * Who may read /metrics, and what callers can put in it. Its figures (rows,
 * row groups and bytes read per product) depend on rows that policies hide,
 * so they are served only to a scraper bearing the configured token
 * (server.metrics.tokenEnv), never by default; and only authenticated
 * callers' operation names get series of their own, so anonymous traffic
 * cannot use up the bounded set of operation labels.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, metricsToken } from '../../src/config/config.js';
import type { AuditRecord } from '../../src/response/audit.js';
import { createHttpServer, type HttpServerOptions } from '../../src/server/http-server.js';
import { createMetrics } from '../../src/server/metrics.js';

const TOKEN = 'metrics-access-test-token';
const dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-access-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serving(options: HttpServerOptions): Promise<{
  get: (path: string, headers?: Record<string, string>) => Promise<{ status: number; text: string }>;
  close: () => Promise<void>;
}> {
  const http = createHttpServer(options);
  http.ready((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"message":"not found"}]}'));
  await new Promise<void>((ok) => http.server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  return {
    get: async (path, headers = {}) => {
      const res = await fetch(`${base}${path}`, { headers: { connection: 'close', ...headers } });
      return { status: res.status, text: await res.text() };
    },
    close: () => new Promise((done) => http.server.close(() => done())),
  };
}

const record = (operationName: string | null, credential: AuditRecord['credential'], code?: string): AuditRecord => ({
  time: new Date(0).toISOString(),
  queryId: null,
  decisionId: null,
  subject: null,
  tenant: null,
  role: null,
  purpose: null,
  credential,
  keyId: null,
  operationName,
  documentHash: null,
  decision: code === undefined ? 'allow' : 'deny',
  status: code === undefined ? 200 : 401,
  errors: code === undefined ? [] : [code],
  products: [],
  deniedProducts: [],
  rowsReturned: 0,
  refusal: null,
  durationMs: 1,
});

describe('/metrics access', () => {
  it('is served only to a request bearing the token, compared whole', async () => {
    const metrics = createMetrics();
    metrics.requestEnded(record('Known', 'api-key'));
    const server = await serving({ metrics: { registry: metrics.registry, token: TOKEN } });
    try {
      for (const authorization of [
        undefined,
        '',
        'Bearer',
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Bearer ${TOKEN}x`,
        TOKEN,
        `Basic ${TOKEN}`,
        `Bearer ${TOKEN} ${TOKEN}`,
      ]) {
        const denied = await server.get('/metrics', authorization === undefined ? {} : { authorization });
        expect(denied.status, String(authorization)).toBe(401);
        expect(denied.text).not.toContain('sluice_');
      }
      const ok = await server.get('/metrics', { authorization: `Bearer ${TOKEN}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('sluice_requests_total{operation="Known",code="OK"} 1');
    } finally {
      await server.close();
    }
  });

  it("is not served at all without a configured token: the path is the gateway's like any other", async () => {
    const server = await serving({});
    try {
      const res = await server.get('/metrics', { authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('sluice_');
    } finally {
      await server.close();
    }
  });

  it('reads its token from server.metrics.tokenEnv, and refuses to start with it unset or short', () => {
    const configWith = (name: string, server: Record<string, unknown>) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, JSON.stringify({ server }));
      return loadConfig(file);
    };
    expect(metricsToken(configWith('none', {}))).toBeUndefined();
    const env = 'SLUICE_METRICS_ACCESS_TEST_TOKEN';
    const config = configWith('env', { metrics: { tokenEnv: env } });
    delete process.env[env];
    expect(() => metricsToken(config)).toThrow(
      /server\.metrics\.tokenEnv names SLUICE_METRICS_ACCESS_TEST_TOKEN, which is not set in the environment/,
    );
    process.env[env] = 'short';
    expect(() => metricsToken(config)).toThrow(/holds 5 characters; use a random token of at least 16/);
    expect(() => metricsToken(config)).not.toThrow(/short/);
    process.env[env] = TOKEN;
    expect(metricsToken(config)).toBe(TOKEN);
    delete process.env[env];
  });
});

describe('operation labels', () => {
  it('only authenticated callers name series; unauthenticated names share one, however many', async () => {
    const metrics = createMetrics();
    for (let i = 0; i < 300; i++) metrics.requestEnded(record(`Squat${i}`, null, 'UNAUTHENTICATED'));
    for (let i = 0; i < 10; i++) metrics.requestEnded(record(`Open${i}`, 'anonymous'));
    metrics.requestEnded(record('Report', 'api-key'));
    metrics.requestEnded(record('Token', 'jwt'));
    const text = await metrics.registry.getSingleMetricAsString('sluice_requests_total');
    expect(text).not.toMatch(/Squat|Open/);
    expect(text).toContain('sluice_requests_total{operation="other",code="UNAUTHENTICATED"} 300');
    expect(text).toContain('sluice_requests_total{operation="other",code="OK"} 10');
    expect(text).toContain('sluice_requests_total{operation="Report",code="OK"} 1');
    expect(text).toContain('sluice_requests_total{operation="Token",code="OK"} 1');
  });
});
