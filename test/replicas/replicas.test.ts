/**
 * Three replicas and Redis (docs/configuration.md), as operators run them: a real
 * `redis-server` on a free loopback port with persistence off, three
 * `sluice serve` processes started from one config (deploy/sluice.yaml, the
 * file compose.yaml mounts), and a round-robin proxy in front
 * (test/support/round-robin-proxy.ts) standing for the load balancer.
 *
 * The test's config differs from the deployed one in three places only: the
 * listening host (loopback), the products folder (a copy, so a version can
 * be retired during the test) and the default rate, whose refill is made
 * negligible (0.001 a second) so that "exactly the burst" does not depend
 * on how long the machine takes to send the requests.
 *
 * Callers used, by what they need from Redis:
 * - analyst (the default rate, burst 20): the exactness test only;
 * - partner (its own rate: 50/s, burst 100): load that needs a rate decision;
 * - admin (`rate: false`): load that needs none, and APQ registration.
 *
 * Processes start one after another (tsx makes each start cost seconds of
 * CPU); no assertion is about speed.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentId, loadPersistedManifest } from '../../src/server/persisted-manifest.js';
import { REPO, startServer, type RunningServer } from '../e2e/start-server.js';
import { HAVE_REDIS, startRedis, type TestRedis } from '../support/redis-server.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../support/round-robin-proxy.js';
import { ADMIN_TOKEN, deployConfig, REPLICA_ENV, REPLICAS_CONFIG } from './support.js';

const KEYS = {
  analyst: { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' },
  partner: { 'x-api-key': 'demo-partner-key' },
  admin: { 'x-api-key': 'demo-admin-key' },
};
const STATUS_OP = [...loadPersistedManifest(join(REPO, 'persisted/operations.json')).operations.values()].find(
  (op) => op.name === 'PartnerOrderStatus',
)!.id;
const PAGE =
  'query($after: String) { ordersV2(first: 3, orderBy: [{ order_id: ASC }], after: $after) { nodes { order_id } pageInfo { endCursor } } }';
const V1 = '{ ordersV1(first: 1) { nodes { order_id } } }';

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  } | null;
  text: string;
}

/** POST a GraphQL body; the client gives up after 25 s (the request deadline is 30 s): an answer must come before. */
async function post(base: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(25_000),
  });
  const text = await res.text();
  let parsed: Answer['body'] = null;
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch {
    // a proxy's 502 is plain text
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
const code = (a: Answer) => a.body?.errors?.[0]?.extensions?.code;
const origin = (s: RunningServer) => new URL(s.url).origin;

const eventually = async <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((wait) => setTimeout(wait, 200));
  }
};

const auditEvents = (s: RunningServer) =>
  readFileSync(s.auditFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"event"'))
    .flatMap((l) => {
      // The last line may be half written while the replica appends it.
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });

describe.skipIf(!HAVE_REDIS)('three replicas sharing state in Redis', { timeout: 300_000 }, () => {
  let redis: TestRedis;
  let products: string;
  const replicas: RunningServer[] = [];
  let proxy: RoundRobinProxy;
  let killed: number | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    products = join(mkdtempSync(join(tmpdir(), 'sluice-replicas-')), 'products');
    cpSync(join(REPO, 'products'), products, { recursive: true });
    const deployed = deployConfig();
    const configSections = {
      products,
      server: { ...deployed.server, host: '127.0.0.1', limits: { ...deployed.server.limits, rate: { perSecond: 0.001, burst: 20 } } },
    };
    const env = { ...REPLICA_ENV, SLUICE_REDIS_URL: redis.url };
    for (let i = 0; i < 3; i++) replicas.push(await startServer({ config: REPLICAS_CONFIG, configSections, env, startTimeoutMs: 280_000 }));
    proxy = await startRoundRobinProxy(replicas.map(origin));
  }, 900_000);

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(replicas.filter((_, i) => i !== killed).map((r) => r.stop()));
    await redis?.stop();
  }, 120_000);

  it("admits exactly the burst of one caller's concurrent requests spread over the three replicas", async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => post(proxy.url, { query: '{ __typename }' }, KEYS.analyst)));
    const admitted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    // On a machine busy enough that a rate decision outlasts state.redis.commandTimeoutMs, the
    // request is answered 503 (its token may still have been taken by the script): never more
    // than the burst admitted, and every token accounted for.
    const unavailable = answers.filter((a) => a.status === 503);
    for (const a of unavailable) expect(code(a)).toBe('SOURCE_UNAVAILABLE');
    expect(admitted.length + refused.length + unavailable.length).toBe(60);
    expect(admitted.length).toBeLessThanOrEqual(20);
    expect(admitted.length + unavailable.length).toBeGreaterThanOrEqual(20);
    expect(refused.length).toBeGreaterThanOrEqual(40 - unavailable.length);
    expect(unavailable.length, 'most decisions were made in time').toBeLessThan(10);
    for (const a of refused) {
      expect(code(a)).toBe('RESOURCE_LIMIT');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(900);
    }
    // Round robin: every replica took its share, so no single one decided alone.
    expect(new Set(answers.map((a) => a.headers.get('x-backend')))).toEqual(new Set(['0', '1', '2']));
  });

  it('serves on B an operation registered through APQ on A', async () => {
    const [a, b, c] = replicas.map(origin) as [string, string, string];
    const query = `{ customersV1(first: 2, orderBy: [{ customer_id: DESC }]) { nodes { customer_id } } } # ${Date.now()}`;
    const apq = { persistedQuery: { version: 1, sha256Hash: documentId(query) } };
    expect(code(await post(b, { extensions: apq }, KEYS.admin))).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(a, { query, extensions: apq }, KEYS.admin);
    expect(registered.status).toBe(200);
    for (const other of [b, c]) {
      const found = await post(other, { extensions: apq }, KEYS.admin);
      expect(found.status).toBe(200);
      expect(found.body!.data).toEqual(registered.body!.data);
    }
    // Still invisible to a persisted-only key, as with one replica.
    expect(code(await post(b, { extensions: apq }, KEYS.partner))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('continues on B a cursor from A (cursors.secretEnv shared)', async () => {
    const [a, b] = replicas.map(origin) as [string, string];
    type Page = { ordersV2: { nodes: { order_id: string }[]; pageInfo: { endCursor: string } } };
    const first = (await post(a, { query: PAGE }, KEYS.admin)).body!.data as Page;
    const next = await post(b, { query: PAGE, variables: { after: first.ordersV2.pageInfo.endCursor } }, KEYS.admin);
    expect(next.body!.errors).toBeUndefined();
    // The oracle: A's own next page.
    const own = (await post(a, { query: PAGE, variables: { after: first.ordersV2.pageInfo.endCursor } }, KEYS.admin)).body!.data as Page;
    expect((next.body!.data as Page).ordersV2.nodes).toEqual(own.ordersV2.nodes);
    expect(own.ordersV2.nodes).toHaveLength(3);
  });

  it('retires a version on A (SIGHUP after the contract changed) and B and C retire it too', async () => {
    const [a, b, c] = replicas as [RunningServer, RunningServer, RunningServer];
    for (const r of replicas) expect((await post(origin(r), { query: V1 }, KEYS.admin)).body!.errors).toBeUndefined();
    const file = join(products, 'orders/v1.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^status: deprecated$/m, 'status: retired'));
    process.kill(a.pid, 'SIGHUP');
    for (const r of [a, b, c]) {
      const answer = await eventually(
        () => post(origin(r), { query: V1 }, KEYS.admin),
        (x) => code(x) === 'GRAPHQL_VALIDATION_FAILED',
        `orders v1 retired on replica ${replicas.indexOf(r)}`,
      );
      expect(answer.body!.errors![0]!.message).toMatch(/orders v1 was retired on 2027-06-30; use ordersV2/);
    }
    // Audited: who asked, where, and what changed.
    const onA = (await eventually(
      async () => auditEvents(a).find((e) => e['trigger'] === 'SIGHUP'),
      (x) => x !== undefined,
      'the audit line of the reload on SIGHUP',
    ))!;
    expect(onA).toMatchObject({ event: 'reload', outcome: 'applied', actor: 'signal', announced: true });
    expect(onA['changes']).toMatchObject({ status: ['orders v1: deprecated → retired'], retired: ['orders v1'] });
    for (const r of [b, c]) {
      const e = await eventually(
        async () => auditEvents(r).find((x) => x['trigger'] === 'notice'),
        (x) => x !== undefined,
        'the audit line of the reload on notice',
      );
      expect(e).toMatchObject({ event: 'reload', outcome: 'applied', actor: onA['replica'], matchesOrigin: true });
    }
  });

  it('refuses a reload that does not validate, keeps serving, and reloads once fixed (POST /admin/reload)', async () => {
    const b = origin(replicas[1]!);
    const reload = (token?: string) =>
      fetch(`${b}/admin/reload`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await reload()).status).toBe(401);
    expect((await reload('not-the-admin-token')).status).toBe(401);

    const file = join(products, 'orders/v2.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace(/^primaryKey: \[order_id\]$/m, 'primaryKey: [no_such_field]'));
    const refused = await reload(ADMIN_TOKEN);
    expect(refused.status).toBe(409);
    const outcome = (await refused.json()) as { outcome: string; problems: string[] };
    expect(outcome.outcome).toBe('refused');
    expect(outcome.problems.join('\n')).toMatch(/no_such_field/);
    // The old state stays.
    const page = await post(b, { query: PAGE }, KEYS.admin);
    expect(page.body!.errors).toBeUndefined();

    writeFileSync(file, good);
    const applied = await reload(ADMIN_TOKEN);
    expect(applied.status).toBe(200);
    expect(await applied.json()).toMatchObject({ outcome: 'applied', trigger: 'admin', announced: true });
    expect(
      auditEvents(replicas[1]!)
        .filter((e) => e['trigger'] === 'admin')
        .map((e) => e['outcome']),
    ).toEqual(['refused', 'applied']);
  });

  it('a replica killed under load: the others answer everything; only requests in flight on the killed one fail', async () => {
    const reference = await post(proxy.url, { query: PAGE }, KEYS.admin);
    const statusRef = await post(proxy.url, { documentId: STATUS_OP, variables: { orderId: '3' } }, KEYS.partner);
    expect(reference.status).toBe(200);
    expect(statusRef.status).toBe(200);
    const TOTAL = 160;
    const CONCURRENCY = 4;
    const answers: { answer: Answer; kind: 'admin' | 'partner'; afterKill: boolean }[] = [];
    let sent = 0;
    const victim = 2;
    const worker = async () => {
      while (sent < TOTAL) {
        const n = sent++;
        if (n === 40) {
          killed = victim;
          process.kill(replicas[victim]!.pid, 'SIGKILL');
        }
        const afterKill = killed !== undefined;
        const kind = n % 2 === 0 ? 'admin' : 'partner';
        const answer =
          kind === 'admin'
            ? await post(proxy.url, { query: PAGE }, KEYS.admin)
            : await post(proxy.url, { documentId: STATUS_OP, variables: { orderId: '3' } }, KEYS.partner);
        answers.push({ answer, kind, afterKill });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(answers).toHaveLength(TOTAL);

    const failed = answers.filter((x) => x.answer.status !== 200);
    // Zero errors from the surviving replicas, before and after the kill.
    for (const x of answers.filter((y) => y.answer.headers.get('x-backend') !== String(victim))) {
      expect(x.answer.status, x.answer.text).toBe(200);
      expect(x.answer.body!.data).toEqual((x.kind === 'admin' ? reference : statusRef).body!.data);
    }
    // What failed was in flight on the killed replica (a proxy 502, the connection cut), at most one per client.
    for (const x of failed) {
      expect(x.answer.status).toBe(502);
      expect(x.answer.headers.get('x-backend')).toBe(String(victim));
    }
    expect(failed.length).toBeLessThanOrEqual(CONCURRENCY);
    expect(proxy.stats().down).toEqual([false, false, true]);
    // The load went on after the kill, on the survivors.
    expect(answers.filter((x) => x.afterKill && x.answer.status === 200).length).toBeGreaterThanOrEqual(TOTAL - 41 - CONCURRENCY);
  });

  it('Redis silent, then stopped, then back: rate-limited callers get 503 SOURCE_UNAVAILABLE, others are served, and service resumes', async () => {
    const survivors = replicas.filter((_, i) => i !== killed).map(origin);
    const partner = () => post(proxy.url, { documentId: STATUS_OP, variables: { orderId: '3' } }, KEYS.partner);
    const admin = () => post(proxy.url, { query: PAGE }, KEYS.admin);
    const ready = (base: string) =>
      fetch(`${base}/ready`).then(async (r) => ({ status: r.status, body: (await r.json()) as { state?: { redis?: string } } }));
    expect((await partner()).status).toBe(200);
    for (const s of survivors) expect((await ready(s)).body.state).toEqual({ redis: 'up' });

    const outage = async (what: string) => {
      // Answered (not held to the deadline) with 503 SOURCE_UNAVAILABLE and Retry-After, on every replica.
      const limited = await Promise.all(Array.from({ length: 6 }, partner));
      for (const a of limited) {
        expect(a.status, `${what}: ${a.text}`).toBe(503);
        expect(code(a)).toBe('SOURCE_UNAVAILABLE');
        expect(a.headers.get('retry-after')).toBe('1');
      }
      expect(new Set(limited.map((a) => a.headers.get('x-backend'))).size).toBe(2);
      // Callers that need no rate decision are served all along.
      const free = await Promise.all(Array.from({ length: 6 }, admin));
      for (const a of free) expect(a.status, `${what}: ${a.text}`).toBe(200);
    };

    // Silent: connected but not answering (SIGSTOP), past the command timeout.
    redis.pause();
    try {
      await outage('Redis silent');
    } finally {
      redis.resume();
    }
    await eventually(partner, (a) => a.status === 200, 'partner served again once Redis answers');

    // Gone: stopped, connections refused.
    await redis.stop();
    try {
      await eventually(partner, (a) => a.status === 503, 'the first 503 once Redis is gone');
      await outage('Redis stopped');
      // readiness: report — /ready stays 200 and says Redis is down.
      for (const s of survivors)
        expect(await ready(s)).toEqual({ status: 200, body: expect.objectContaining({ state: { redis: 'down' } }) });
    } finally {
      await redis.start();
    }
    // Back (empty: no persistence), with no replica restarted.
    await eventually(partner, (a) => a.status === 200, 'partner served again once Redis is back');
    for (const s of survivors)
      await eventually(
        () => ready(s),
        (r) => r.body.state?.redis === 'up',
        '/ready reporting Redis up',
      );
    const after = await Promise.all(Array.from({ length: 6 }, partner));
    expect(after.map((a) => a.status)).toEqual(Array(6).fill(200));
  });
});
