/**
 * OpenLineage's HTTP transport (issue 7), against a real loopback consumer
 * (node:http): RunEvents arrive at {url}/api/v1/lineage as JSON with the
 * bearer key from the environment, valid against the OpenLineage schema, run
 * id = extensions.lineage.queryId; a consumer that refuses, fails or hangs
 * changes nothing in the response, is logged without the key, and costs a
 * bounded queue; shutdown drains what is queued — in-process and through
 * `sluice serve` and SIGTERM.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type OpenLineageConfig } from '../../src/config/config.js';
import { httpOpenLineageSink } from '../../src/response/openlineage-http.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { createLogger } from '../../src/server/logger.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { openLineageSinksOf } from '../../src/server/openlineage-sinks.js';
import { REPO, startServer } from '../e2e/start-server.js';
import { DEMO_KEYS, type GraphQLResponse } from '../support/demo.js';

const schema = JSON.parse(readFileSync(new URL('./fixtures/openlineage-run-event.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

const KEY_ENV = 'SLUICE_TEST_OPENLINEAGE_KEY';
const KEY = 'ol-key-never-logged-7f3a';
const QUERY = '{ ordersV2(where: { order_id: { lt: "20" } }, first: 3) { nodes { order_id total_amount } } }';

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly event: { run: { runId: string }; eventType: string };
}

/** A loopback OpenLineage consumer; `answer` decides each response (status, or 'hang' to never answer). */
async function consumer(answer: () => number | 'hang' = () => 201, delayMs = 0) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c));
    req.on('end', () => {
      received.push({ method: req.method!, path: req.url!, headers: req.headers, event: JSON.parse(text) as Received['event'] });
      const status = answer();
      if (status === 'hang') return;
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'), delayMs);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received };
}
const servers: Server[] = [];

/** A port nothing listens on: connections are refused. */
async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as { port: number };
  await new Promise((ok) => s.close(ok));
  return `http://127.0.0.1:${port}`;
}

afterEach(() => {
  delete process.env[KEY_ENV];
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/** The demo gateway with `openlineage.http` set, and what its logger wrote. */
async function gatewayWith(http: NonNullable<OpenLineageConfig['http']>) {
  process.env[KEY_ENV] = KEY;
  const loaded = loadConfig('sluice.yaml');
  const config = { ...loaded, raw: { ...loaded.raw, openlineage: { namespace: 'sluice-test', http } } };
  const logs: string[] = [];
  const logger = createLogger({ write: (line: string) => void logs.push(line) });
  const sink = openLineageSinksOf(config, logger)!;
  const engine = createEngine(config);
  const gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine, openLineage: sink });
  const ask = async () => {
    const res = await gateway.fetch('http://sluice.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
      body: JSON.stringify({ query: QUERY }),
    });
    return { status: res.status, body: (await res.json()) as GraphQLResponse & { extensions: { lineage: { queryId: string } } } };
  };
  return { ask, sink, logs };
}

const options = (url: string) => ({ url, apiKeyEnv: KEY_ENV, timeoutMs: 1000, maxQueue: 100 });

describe('OpenLineage HTTP sink', () => {
  it('POSTs each RunEvent to {url}/api/v1/lineage as JSON with the bearer key; run id = extensions.lineage.queryId', async () => {
    const { url, received } = await consumer();
    const { ask, sink, logs } = await gatewayWith(options(`${url}/`));
    const res = await ask();
    expect(res.body.errors).toBeUndefined();
    await expect.poll(() => received.length).toBe(1);
    const [got] = received;
    expect(got).toMatchObject({ method: 'POST', path: '/api/v1/lineage' });
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(validate(got!.event), JSON.stringify(validate.errors)).toBe(true);
    expect(got!.event.eventType).toBe('COMPLETE');
    expect(got!.event.run.runId).toBe(res.body.extensions.lineage.queryId);
    await sink.close();
    expect(logs).toEqual([]);
  });

  it.each([
    ['refuses connections', async () => ({ url: await closedPort(), log: /"reason":"ECONNREFUSED"/ })],
    ['answers 500', async () => ({ url: (await consumer(() => 500)).url, log: /"status":500.*not accepted/ })],
    ['never answers', async () => ({ url: (await consumer(() => 'hang')).url, log: /no answer within 1500 ms/ })],
  ])('a consumer that %s changes nothing in the response; the failure is logged without the key', async (_what, setup) => {
    const { url, log } = await setup();
    const { ask: healthy } = await gatewayWith(options((await consumer()).url));
    const expected = await healthy();
    const { ask, sink, logs } = await gatewayWith({ ...options(url), timeoutMs: 1500 });
    const res = await ask();
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual(expected.body.data);
    await expect.poll(() => logs.join('')).toMatch(log);
    await sink.close();
    expect(logs.join('')).not.toContain(KEY);
    expect(logs.join('')).toContain('"level":"warn"');
  });

  it('a response never waits for its event to be delivered', { timeout: 30_000 }, async () => {
    // The consumer never answers and the POST's own deadline (60 s) is past
    // this test's: a response that waited for delivery would time the test out.
    const { url, received } = await consumer(() => 'hang');
    const { ask: healthy } = await gatewayWith(options((await consumer()).url));
    const expected = await healthy();
    const { ask } = await gatewayWith({ ...options(url), timeoutMs: 60_000 });
    const res = await ask();
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(expected.body.data);
    // The event was sent, and is still unanswered.
    await expect.poll(() => received.length).toBe(1);
  });

  it('keeps at most maxQueue events while the consumer is stuck, and logs the drops', { timeout: 30_000 }, async () => {
    const { url, received } = await consumer(() => 'hang');
    const logs: string[] = [];
    // A POST deadline (60 s) past the test's: close() must give up after drainTimeoutMs, not wait for it.
    const sink = httpOpenLineageSink({
      url,
      timeoutMs: 60_000,
      maxQueue: 2,
      drainTimeoutMs: 100,
      log: (f, m) => void logs.push(`${m} ${JSON.stringify(f)}`),
    });
    for (let i = 0; i < 6; i++) sink.write({ i });
    await expect.poll(() => received.length).toBe(1);
    // One in flight, two queued, three dropped — logged once.
    expect(logs).toEqual([expect.stringMatching(/queue full.*"maxQueue":2/)]);
    await sink.close();
    expect(logs.at(-1)).toMatch(/undelivered at shutdown.*"undelivered":3/);
    expect(received).toHaveLength(1);
  });

  it('close() drains what is queued, in order', async () => {
    const { url, received } = await consumer(() => 200, 30);
    const logs: string[] = [];
    const sink = httpOpenLineageSink({ url, timeoutMs: 1000, maxQueue: 10, drainTimeoutMs: 5000, log: (f, m) => void logs.push(m) });
    for (let i = 0; i < 4; i++) sink.write({ i });
    await sink.close();
    expect(received.map((r) => (r.event as unknown as { i: number }).i)).toEqual([0, 1, 2, 3]);
    expect(logs).toEqual([]);
  });

  it('refuses a key variable that is not set, and credentials in the URL', () => {
    const loaded = loadConfig('sluice.yaml');
    const config = { ...loaded, raw: { ...loaded.raw, openlineage: { namespace: 'x', http: options('http://127.0.0.1:9') } } };
    expect(() => openLineageSinksOf(config, createLogger({ write: () => undefined }))).toThrow(
      /openlineage\.http\.apiKeyEnv names SLUICE_TEST_OPENLINEAGE_KEY, which is not set/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ol-'));
    writeFileSync(join(dir, 'bad.yaml'), 'openlineage:\n  http: { url: "http://user:secret@marquez:5000" }\n');
    expect(() => loadConfig(join(dir, 'bad.yaml'))).toThrow(/openlineage\.http\.url: must not hold credentials/);
  });

  it('sluice serve sends the events of its requests, and delivers them before exiting on SIGTERM', async () => {
    // A slow consumer: events are still queued when SIGTERM comes.
    const { url, received } = await consumer(() => 200, 1000);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ol-serve-'));
    const demo = readFileSync(join(REPO, 'sluice.yaml'), 'utf8')
      .replace(/^products: .*$/m, `products: ${join(REPO, 'products')}`)
      .replace(/^policies: .*$/m, `policies: ${join(REPO, 'policies')}`)
      .replace(/^persisted: .*$/m, `persisted: ${join(REPO, 'persisted/operations.json')}`)
      .replace(/^audit:\n.*$/m, '');
    writeFileSync(join(dir, 'sluice.yaml'), `${demo}\nopenlineage:\n  http: { url: "${url}", apiKeyEnv: ${KEY_ENV} }\n`);
    const server = await startServer({ config: join(dir, 'sluice.yaml'), env: { [KEY_ENV]: KEY, SLUICE_HASH_KEY: 'test-hash-key' } });
    const queryIds: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
          body: JSON.stringify({ query: QUERY }),
        });
        const body = (await res.json()) as { errors?: unknown; extensions: { lineage: { queryId: string } } };
        expect(body.errors).toBeUndefined();
        queryIds.push(body.extensions.lineage.queryId);
      }
      // The first event is being answered, the others wait their turn.
      expect(received.length).toBeLessThan(3);
    } finally {
      await server.stop();
    }
    expect(received.map((r) => r.event.run.runId)).toEqual(queryIds);
    for (const r of received) expect(validate(r.event), JSON.stringify(validate.errors)).toBe(true);
    const { stdout, stderr } = server.output();
    expect(stdout + stderr).not.toContain(KEY);
  }, 60_000);
});
