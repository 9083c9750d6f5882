/**
 * One behavioural suite per kind of shared state (STYLE: one owner per kind,
 * each behind an interface with an in-process and a Redis implementation),
 * run against both implementations: rate-limit buckets, APQ registrations,
 * change notices. The Redis implementation runs against a real
 * `redis-server` on loopback; each "replica" has its own connections, as
 * separate processes would.
 *
 * What only one implementation has is tested after the shared suites:
 * Redis's faults (stopped, silent, back), TTLs and key layout; the
 * in-process store's bound on entries.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStateConfig } from '../../../src/config/state.js';
import { inProcessNoticeBus, redisNotices, type Notice, type Notices } from '../../../src/server/state/notices.js';
import {
  inProcessRegisteredOperations,
  redisRegisteredOperations,
  type RegisteredOperations,
} from '../../../src/server/state/persisted-store.js';
import {
  inProcessRateLimitStore,
  rateKey,
  redisRateLimitStore,
  StateUnavailable,
  type RateLimitStore,
} from '../../../src/server/state/rate-limit-store.js';
import { connectRedis, whenUp, type RedisState } from '../../../src/server/state/redis.js';
import { HAVE_REDIS, startRedis, type TestRedis } from '../../support/redis-server.js';

let redis: TestRedis | undefined;
const connections: RedisState[] = [];

beforeAll(async () => {
  if (HAVE_REDIS) redis = await startRedis();
}, 60_000);

afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.stop();
});

const config = (prefix: string, overrides: Partial<RedisStateConfig> = {}): RedisStateConfig => ({
  keyPrefix: prefix,
  connectTimeoutMs: 2000,
  commandTimeoutMs: 1000,
  apqTtlSeconds: 3600,
  readiness: 'report',
  ...overrides,
});

/** A replica's connection to the test Redis, up before it is returned. */
async function replicaConnection(prefix: string, overrides: Partial<RedisStateConfig> = {}): Promise<RedisState> {
  const c = connectRedis({ url: redis!.url, describe: 'test' }, config(prefix, overrides), { maxReconnectDelayMs: 200 });
  connections.push(c);
  if (!(await whenUp(c, 10_000))) throw new Error('the test Redis did not accept a connection within 10 s');
  return c;
}

/** N stores of one kind that share state: N replicas. */
interface Implementation {
  readonly name: string;
  readonly available: boolean;
  rateLimits(n: number): Promise<RateLimitStore[]>;
  registered(n: number): Promise<RegisteredOperations[]>;
  notices(n: number): Promise<Notices[]>;
}

const inProcess: Implementation = {
  name: 'in-process',
  available: true,
  // One process: every "replica" is the same store.
  rateLimits: async (n) => Array(n).fill(inProcessRateLimitStore()),
  registered: async (n) => Array(n).fill(inProcessRegisteredOperations()),
  notices: async (n) => {
    const bus = inProcessNoticeBus();
    return Array.from({ length: n }, () => bus.join());
  },
};

const inRedis: Implementation = {
  name: 'redis',
  available: HAVE_REDIS,
  async rateLimits(n) {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    return Promise.all(Array.from({ length: n }, async () => redisRateLimitStore(await replicaConnection(prefix))));
  },
  async registered(n) {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    return Promise.all(Array.from({ length: n }, async () => redisRegisteredOperations(await replicaConnection(prefix), 3600)));
  },
  async notices(n) {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const all = await Promise.all(Array.from({ length: n }, async () => redisNotices(await replicaConnection(prefix))));
    return all;
  },
};

/** Subscribes every handle and waits until a probe published by the first reaches all the others (subscriptions are asynchronous). */
async function listening(handles: Notices[]): Promise<Notice[][]> {
  const received = handles.map(() => [] as Notice[]);
  handles.forEach((h, i) => h.subscribe((n) => received[i]!.push(n)));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = await handles[0]!.publish({ kind: 'reload', summary: { probe: true }, fingerprint: 'probe' });
    await new Promise((wait) => setTimeout(wait, 50));
    if (received.slice(1).every((r) => r.some((n) => n.id === probe.id))) break;
    if (Date.now() > deadline) throw new Error('subscriptions were not delivering within 10 s');
  }
  for (const r of received) r.length = 0;
  return received;
}

const eventually = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((wait) => setTimeout(wait, 25));
  }
};

for (const impl of [inProcess, inRedis]) {
  describe.skipIf(!impl.available)(`rate-limit store (${impl.name})`, () => {
    it('admits the burst, then refuses with the whole seconds until a token is back', async () => {
      const [store] = await impl.rateLimits(1);
      const rate = { perSecond: 0.001, burst: 5 };
      const waits: number[] = [];
      for (let i = 0; i < 7; i++) waits.push(await store!.take('api-key:a', rate));
      expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
      // (1 - tokens) / 0.001 s with tokens just above 0: 1000 s, less what refilled meanwhile.
      for (const w of waits.slice(5)) expect(w).toBeGreaterThan(990);
      for (const w of waits.slice(5)) expect(w).toBeLessThanOrEqual(1000);
    });

    it('says when a token is back at the given rate (Retry-After = ⌈(1 − tokens) / perSecond⌉)', async () => {
      const [store] = await impl.rateLimits(1);
      const rate = { perSecond: 0.25, burst: 1 };
      expect(await store!.take('k', rate)).toBe(0);
      // Empty, refilling at 0.25 a second: 4 s until a whole token, unless a second passed already.
      expect([3, 4]).toContain(await store!.take('k', rate));
    });

    it('keeps one bucket per key', async () => {
      const [store] = await impl.rateLimits(1);
      const rate = { perSecond: 0.001, burst: 2 };
      expect([await store!.take('x', rate), await store!.take('x', rate), await store!.take('x', rate)]).toEqual([
        0,
        0,
        expect.any(Number),
      ]);
      expect(await store!.take('y', rate)).toBe(0);
    });

    it('admits exactly the burst of concurrent requests spread over three replicas', async () => {
      const stores = await impl.rateLimits(3);
      const rate = { perSecond: 0.001, burst: 10 };
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => stores[i % 3]!.take('api-key:shared', rate)));
      expect(answers.filter((w) => w === 0)).toHaveLength(10);
    });

    it('refills at the rate: an empty bucket admits again once a token is back', async () => {
      const [store] = await impl.rateLimits(1);
      const rate = { perSecond: 20, burst: 1 };
      expect(await store!.take('refill', rate)).toBe(0);
      await eventually(async () => (await store!.take('refill', rate)) === 0, 'a token back at 20 a second');
    });

    it('applies a lower burst to a bucket that already exists (a reload changed the rate)', async () => {
      const [store] = await impl.rateLimits(1);
      expect(await store!.take('changed', { perSecond: 0.001, burst: 100 })).toBe(0);
      const lower = { perSecond: 0.001, burst: 2 };
      const waits = [await store!.take('changed', lower), await store!.take('changed', lower), await store!.take('changed', lower)];
      expect(waits.slice(0, 2)).toEqual([0, 0]);
      expect(waits[2]).toBeGreaterThan(0);
    });
  });

  describe.skipIf(!impl.available)(`APQ registrations (${impl.name})`, () => {
    it('finds on every replica what one registered, and nothing else', async () => {
      const [a, b, c] = await impl.registered(3);
      expect(await b!.get('ab'.repeat(32))).toBeUndefined();
      expect(await a!.set('ab'.repeat(32), '{ __typename }')).toBe(true);
      expect(await b!.get('ab'.repeat(32))).toBe('{ __typename }');
      expect(await c!.get('ab'.repeat(32))).toBe('{ __typename }');
      expect(await c!.get('cd'.repeat(32))).toBeUndefined();
    });

    it('keeps the last document registered under an id', async () => {
      const [a, b] = await impl.registered(2);
      await a!.set('ef'.repeat(32), 'first');
      await b!.set('ef'.repeat(32), 'second');
      expect(await a!.get('ef'.repeat(32))).toBe('second');
    });

    it('does not keep a document over 64 KiB', async () => {
      const [a, b] = await impl.registered(2);
      const big = `{ __typename }${' '.repeat(64 * 1024)}`;
      expect(await a!.set('01'.repeat(32), big)).toBe(false);
      expect(await b!.get('01'.repeat(32))).toBeUndefined();
      const fits = `{ __typename }${' '.repeat(64 * 1024 - 20)}`;
      expect(await a!.set('02'.repeat(32), fits)).toBe(true);
      expect(await b!.get('02'.repeat(32))).toBe(fits);
    });
  });

  describe.skipIf(!impl.available)(`change notices (${impl.name})`, () => {
    it("delivers a replica's notice to every other replica, once, and not back to it", async () => {
      const handles = await impl.notices(3);
      const received = await listening(handles);
      const sent = await handles[1]!.publish({ kind: 'reload', summary: { retired: ['orders v1'] }, fingerprint: 'sha256:1' });
      await eventually(() => received[0]!.length === 1 && received[2]!.length === 1, 'the notice at both other replicas');
      await new Promise((wait) => setTimeout(wait, 100));
      expect(received[1]).toEqual([]);
      for (const r of [received[0]!, received[2]!]) {
        expect(r).toEqual([sent]);
        expect(r[0]).toMatchObject({ kind: 'reload', origin: handles[1]!.replica, summary: { retired: ['orders v1'] } });
      }
      await Promise.all(handles.map((h) => h.close()));
    });

    it('delivers notices in the order they were published', async () => {
      const handles = await impl.notices(2);
      const received = await listening(handles);
      const sent: string[] = [];
      for (let i = 0; i < 5; i++) sent.push((await handles[0]!.publish({ kind: 'reload', summary: { i }, fingerprint: `f${i}` })).id);
      await eventually(() => received[1]!.length === 5, 'five notices');
      expect(received[1]!.map((n) => n.id)).toEqual(sent);
      await Promise.all(handles.map((h) => h.close()));
    });

    it('stops delivering to a listener that unsubscribed', async () => {
      const handles = await impl.notices(2);
      await listening(handles);
      const late: Notice[] = [];
      const stop = handles[1]!.subscribe((n) => late.push(n));
      await handles[0]!.publish({ kind: 'reload', summary: {}, fingerprint: 'a' });
      await eventually(() => late.length === 1, 'the first notice');
      stop();
      await handles[0]!.publish({ kind: 'reload', summary: {}, fingerprint: 'b' });
      await new Promise((wait) => setTimeout(wait, 200));
      expect(late).toHaveLength(1);
      await Promise.all(handles.map((h) => h.close()));
    });
  });
}

describe.skipIf(!HAVE_REDIS)('Redis: layout, expiry and faults', () => {
  it('stores a bucket under a hashed key, expiring once it would be full again', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const c = await replicaConnection(prefix);
    await redisRateLimitStore(c).take('api-key:partner-acme', { perSecond: 2, burst: 10 });
    const key = rateKey(prefix, 'api-key:partner-acme');
    expect(key).toMatch(new RegExp(`^${prefix}rate:[A-Za-z0-9_-]{22}$`));
    expect(await c.client.keys(`${prefix}*`)).toEqual([key]);
    // One token used at 2 a second: full again in 0.5 s; expires 1 s after that at most.
    const ttl = await c.client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1500);
  });

  it('keeps an APQ registration for its TTL after the last use', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const c = await replicaConnection(prefix);
    const store = redisRegisteredOperations(c, 600);
    await store.set('ab'.repeat(32), '{ __typename }');
    await c.client.expire(`${prefix}apq:${'ab'.repeat(32)}`, 5);
    expect(await store.get('ab'.repeat(32))).toBe('{ __typename }');
    // The read renewed it.
    expect(await c.client.ttl(`${prefix}apq:${'ab'.repeat(32)}`)).toBeGreaterThan(5);
  });

  it('fails a decision fast while Redis is down or silent, and decides again when it is back, without a new store', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const c = await replicaConnection(prefix, { commandTimeoutMs: 500 });
    const store = redisRateLimitStore(c);
    const registered = redisRegisteredOperations(c, 600);
    const rate = { perSecond: 100, burst: 100 };
    expect(await store.take('k', rate)).toBe(0);

    // Silent: connected, no answer. Rejected by the command timeout, not left waiting.
    redis!.pause();
    try {
      await expect(store.take('k', rate)).rejects.toBeInstanceOf(StateUnavailable);
      await expect(registered.get('ab'.repeat(32))).rejects.toBeInstanceOf(StateUnavailable);
    } finally {
      redis!.resume();
    }
    await eventually(async () => (await store.take('k', rate).catch(() => -1)) === 0, 'a decision after Redis answers again');

    // Gone: connection refused; rejected at once (no offline queue).
    await redis!.stop();
    try {
      await eventually(() => !c.up(), 'the client noticing Redis is gone');
      await expect(store.take('k', rate)).rejects.toBeInstanceOf(StateUnavailable);
      await expect(registered.set('ab'.repeat(32), 'x')).rejects.toBeInstanceOf(StateUnavailable);
    } finally {
      await redis!.start();
    }
    // Back, empty (no persistence): the script is loaded again on NOSCRIPT, the bucket starts full.
    await eventually(async () => (await store.take('k', rate).catch(() => -1)) === 0, 'a decision after Redis restarted', 20_000);
  }, 60_000);

  it('delivers a notice published while a replica was disconnected when it reconnects', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    // The listener reconnects slowly, so the notice is surely published while it is away.
    const slow = connectRedis({ url: redis!.url, describe: 'test' }, config(prefix), { maxReconnectDelayMs: 1500, name: 'cut-off' });
    connections.push(slow);
    await whenUp(slow, 10_000);
    const [publisher] = [redisNotices(await replicaConnection(prefix))];
    const listener = redisNotices(slow);
    const received = (await listening([publisher!, listener]))[1]!;

    const admin = new Redis(redis!.url);
    try {
      // Cut the listener's subscriber connection off, then publish before it is back.
      const clients = (await admin.client('LIST')) as string;
      const id = /id=(\d+) .*name=cut-off:notices/.exec(clients)?.[1];
      expect(id).toBeDefined();
      await admin.client('KILL', 'ID', id!);
      const sent = await publisher!.publish({ kind: 'reload', summary: { retired: ['orders v1'] }, fingerprint: 'x' });
      await eventually(() => received.length === 1, 'the missed notice after reconnecting', 15_000);
      expect(received[0]!.id).toBe(sent.id);
      await new Promise((wait) => setTimeout(wait, 300));
      expect(received).toHaveLength(1);
    } finally {
      admin.disconnect();
      await publisher!.close();
      await listener.close();
    }
  }, 60_000);
});

describe('in-process APQ store', () => {
  it('drops the least recently used past its bound', async () => {
    const store = inProcessRegisteredOperations(2);
    await store.set('a', '1');
    await store.set('b', '2');
    await store.get('a');
    await store.set('c', '3');
    expect([await store.get('a'), await store.get('b'), await store.get('c')]).toEqual(['1', undefined, '3']);
  });
});
