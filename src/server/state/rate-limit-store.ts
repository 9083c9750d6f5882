import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisState } from './redis.js';

/**
 * Where per-caller token buckets live (docs/configuration.md). One bucket per key, refilled
 * at `perSecond` up to `burst`; `take` removes one token and resolves 0, or,
 * when the bucket holds less than one, leaves it and resolves the whole
 * seconds until one is back (the Retry-After).
 *
 * The rate is passed on every call, not fixed per store, so a reload that
 * changes a caller's rate applies to the bucket it already has.
 *
 * A store that cannot decide rejects with StateUnavailable, within its
 * bound (the Redis store's `commandTimeoutMs`); the caller fails the request
 * closed.
 */
export interface RateLimitStore {
  take(key: string, rate: Rate): Promise<number>;
}

export interface Rate {
  readonly perSecond: number;
  readonly burst: number;
}

/** The shared store did not answer (unreachable, or not within its command timeout). */
export class StateUnavailable extends Error {
  constructor(cause: unknown) {
    super('the shared state store did not answer', { cause });
    this.name = 'StateUnavailable';
  }
}

/** Buckets kept at most; past it, full ones are dropped (they are the same as a new bucket). */
const MAX_BUCKETS = 10_000;

/**
 * Buckets in this process: behind N replicas a caller gets up to N times the
 * rate, which is what a per-replica limit is for (protecting the replica).
 */
export function inProcessRateLimitStore(options: { now?: () => number } = {}): RateLimitStore {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number; full: number }>();
  const prune = (t: number, perSecond: number) => {
    for (const [key, b] of buckets) {
      if (b.tokens + ((t - b.at) / 1000) * perSecond >= b.full) buckets.delete(key);
    }
  };
  return {
    take(key, { perSecond, burst }) {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= MAX_BUCKETS) prune(t, perSecond);
        b = { tokens: burst, at: t, full: burst };
        buckets.set(key, b);
      }
      b.full = burst;
      b.tokens = Math.min(burst, b.tokens + (Math.max(0, t - b.at) / 1000) * perSecond);
      b.at = Math.max(b.at, t);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return Promise.resolve(0);
      }
      return Promise.resolve(Math.max(1, Math.ceil((1 - b.tokens) / perSecond)));
    },
  };
}

/**
 * The same bucket as one Lua script, run atomically by Redis: read, refill,
 * take and write in one step, so concurrent requests on any number of
 * replicas admit exactly `burst` (a read-then-write store lets a burst of
 * concurrent requests all read the same full bucket). The clock is Redis's
 * own (`TIME`), so replicas' clocks do not matter. The bucket expires once
 * it would be full again: an idle caller costs no memory.
 *
 * Stored as a hash `{ t: tokens, a: last update in ms }` under
 * `<prefix>rate:<base64url of SHA-256(key) truncated to 128 bits>`: keys
 * hold no caller names and have a fixed length, whatever a subject says.
 */
const TAKE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local perSecond = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) / 1000 * perSecond)
  at = now
end
tokens = math.min(burst, tokens)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) / perSecond))
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'a', string.format('%.17g', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / perSecond * 1000) + 1000)
return wait
`;

type WithTake = Redis & { sluiceTake(key: string, perSecond: string, burst: string): Promise<number> };

export function redisRateLimitStore(redis: RedisState): RateLimitStore {
  const client = redis.client as WithTake;
  // defineCommand sends EVALSHA, and the script itself once on NOSCRIPT (a
  // Redis restarted since): one round trip per request in the steady state.
  if (typeof client.sluiceTake !== 'function') client.defineCommand('sluiceTake', { numberOfKeys: 1, lua: TAKE });
  return {
    async take(key, { perSecond, burst }) {
      try {
        return await client.sluiceTake(rateKey(redis.keyPrefix, key), String(perSecond), String(burst));
      } catch (e) {
        throw new StateUnavailable(e);
      }
    },
  };
}

export function rateKey(prefix: string, key: string): string {
  return `${prefix}rate:${createHash('sha256').update(key).digest().subarray(0, 16).toString('base64url')}`;
}
