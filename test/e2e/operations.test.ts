/**
 * Operating the gateway over real HTTP (issue 7): /health and /ready, a
 * scrape of /metrics, a client that disconnects (cancelled, still audited),
 * a graceful shutdown with requests in flight (all complete, new connections
 * refused, exit 0; test/e2e/shutdown.test.ts: requests on open connections), and structured JSON logs that carry the query id and nothing a
 * caller sent.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startServer } from './start-server.js';

const ADMIN_KEY = 'demo-admin-key';
/** Full scans of orders (a filter statistics cannot prune, a sort, a count): each takes a while. */
const SLOW_QUERY = `query Slow($x: String!) { ordersV2(where: { status: { contains: $x } }, orderBy: [{ total_amount: DESC }], first: 500) { nodes { order_id total_amount } totalCount } }`;
const SECRET_VARIABLE = 'zz-never-logged-value';
/** sluice.yaml's server.metrics.tokenEnv, set for every test (vitest.config.ts). */
const METRICS_TOKEN = process.env['SLUICE_METRICS_TOKEN']!;

function post(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  agent = false,
): Promise<{ status: number; body: string; at: number }> {
  return new Promise((ok, fail) => {
    const body = JSON.stringify({ query, variables });
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => ok({ status: res.statusCode!, body: text, at: Date.now() }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

describe('operations over HTTP', () => {
  it(
    'is live and ready once serving; on SIGTERM it finishes requests in flight, refuses new connections, and exits 0',
    { timeout: 240_000 },
    async () => {
      // No decoded-column cache: the slow query must stay slow enough to be in flight when SIGTERM comes.
      const server = await startServer({ env: { SLUICE_COLUMN_CACHE_BYTES: '0' } });
      const base = server.url.replace(/\/graphql$/, '');
      try {
        const health = await fetch(`${base}/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'live' });
        const ready = await fetch(`${base}/ready`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toEqual({ status: 'ready', inFlight: 0 });

        // A logged request, to read the log line back.
        const logged = (await (
          await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
            body: JSON.stringify({
              query: 'query Logged($x: String!) { ordersV2(where: { status: { eq: $x } }, first: 1) { totalCount } }',
              variables: { x: SECRET_VARIABLE },
              operationName: 'Logged',
            }),
          })
        ).json()) as { extensions: { lineage: { queryId: string } } };
        const queryId = logged.extensions.lineage.queryId;

        // Metrics: refused requests (one naming its operation, which gets no series of its own), then a scrape of /metrics.
        const refused = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': 'not-a-key' },
          body: '{"query":"{ __typename }"}',
        });
        expect(refused.status).toBe(401);
        const named = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': 'not-a-key' },
          body: '{"query":"query Squatter { __typename }","operationName":"Squatter"}',
        });
        expect(named.status).toBe(401);
        // Only a scraper bearing the configured token (server.metrics.tokenEnv) gets them.
        for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${METRICS_TOKEN}x`, METRICS_TOKEN]) {
          const denied = await fetch(`${base}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
          expect(denied.status, String(authorization)).toBe(401);
          expect(await denied.text()).not.toMatch(/sluice_/);
        }
        const scrape = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        expect(scrape.status).toBe(200);
        expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        const metrics = await scrape.text();
        const value = (series: string) => {
          const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
          return line === undefined ? undefined : Number(line.slice(series.length + 1));
        };
        expect(value('sluice_requests_total{operation="Logged",code="OK"}')).toBe(1);
        expect(value('sluice_requests_total{operation="anonymous",code="UNAUTHENTICATED"}')).toBe(1);
        expect(value('sluice_requests_total{operation="other",code="UNAUTHENTICATED"}')).toBe(1);
        expect(metrics).not.toContain('Squatter');
        expect(value('sluice_policy_denials_total{code="UNAUTHENTICATED"}')).toBe(2);
        expect(value('sluice_request_duration_seconds_count{operation="Logged"}')).toBe(1);
        expect(value('sluice_request_duration_seconds_bucket{le="30",operation="Logged"}')).toBe(1);
        // The Logged filter matches no row: statistics prune what they can, the rest is read.
        const scanned = value('sluice_row_groups_scanned_total{product="orders@v2"}')!;
        const pruned = value('sluice_row_groups_pruned_total{product="orders@v2"}')!;
        expect(scanned + pruned).toBeGreaterThanOrEqual(10); // the orders files hold 10+ row groups
        expect(value('sluice_rows_scanned_total{product="orders@v2"}')).toBeGreaterThanOrEqual(scanned > 0 ? 1 : 0);
        expect(metrics).toMatch(/^sluice_column_cache_hit_ratio \d/m);
        expect(metrics).toMatch(/^sluice_process_resident_memory_bytes \d/m);
        expect(metrics).not.toContain(SECRET_VARIABLE);

        // A client that disconnects mid-request: its request is cancelled, and still audited, logged and counted (499).
        const abandoned = httpRequest(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
        });
        abandoned.on('error', () => undefined);
        abandoned.end(JSON.stringify({ query: SLOW_QUERY.replace('query Slow', 'query Abandoned'), variables: { x: 'e' } }));
        // Bounded by the test's timeout, not by a guess at how fast the machine is.
        for (;;) {
          const { inFlight: running } = (await (await fetch(`${base}/ready`)).json()) as { inFlight: number };
          if (running > 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        abandoned.destroy();
        await expect
          .poll(
            async () =>
              (await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()).includes(
                'sluice_requests_total{operation="Abandoned",code="QUERY_TIMEOUT"} 1',
              ),
            { timeout: 120_000 },
          )
          .toBe(true);

        // Requests in flight when SIGTERM comes: each on its own connection.
        let answered = 0;
        const inFlight = Array.from({ length: 8 }, (_, i) => post(server.url, SLOW_QUERY, { x: `e${i % 2}` }).finally(() => answered++));
        // Wait until the gateway has every one of them (in flight or answered), bounded.
        for (;;) {
          const { inFlight: running } = (await (await fetch(`${base}/ready`)).json()) as { inFlight: number };
          if (running + answered >= 8) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const sigtermAt = Date.now();
        const stopped = server.stop(); // SIGTERM; throws unless the exit code is 0
        // Once draining (it says so), new connections are refused.
        while (!/SIGTERM, finishing/.test(server.output().stdout)) await new Promise((r) => setTimeout(r, 20));
        const late = await post(server.url, '{ __typename }', {}).then(
          (r) => r.status,
          (e: NodeJS.ErrnoException) => e.code,
        );
        expect(['ECONNREFUSED', 'ECONNRESET']).toContain(late);

        const answers = await Promise.all(inFlight);
        for (const a of answers) {
          expect(a.status, a.body.slice(0, 300)).toBe(200);
          expect(JSON.parse(a.body).errors).toBeUndefined();
        }
        // At least one of them was still running when the signal came.
        expect(Math.max(...answers.map((a) => a.at))).toBeGreaterThan(sigtermAt);
        await stopped;

        const { stdout, stderr } = server.output();
        expect(stdout).toMatch(/SIGTERM, finishing \d+ open request/);
        // Structured logs: one JSON object a line on stderr.
        const lines = stderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        const line = lines.find((l) => l['queryId'] === queryId);
        expect(line).toMatchObject({
          level: 'info',
          message: 'request',
          service: 'sluice',
          operationName: 'Logged',
          status: 200,
          keyId: 'admin-demo',
          codes: [],
        });
        expect(line!['documentHash']).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(lines.map((l) => l['message'])).toEqual(expect.arrayContaining(['ready', 'draining', 'stopped']));
        // 499 when the disconnect came first; 200 with the cancelled plans' errors when yoga had its result ready.
        const abandonedLine = lines.find((l) => l['operationName'] === 'Abandoned')!;
        expect([499, 200]).toContain(abandonedLine['status']);
        expect(abandonedLine['codes']).toContain('QUERY_TIMEOUT');
        // Nothing a caller sent: no variable values, no keys, no documents.
        expect(stderr).not.toContain(SECRET_VARIABLE);
        expect(stderr).not.toContain(ADMIN_KEY);
        expect(stderr).not.toContain('ordersV2(where');
      } finally {
        await server.stop().catch(() => undefined);
      }
    },
  );
});
