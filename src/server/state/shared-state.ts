import { displayPath } from '../../contract/yaml-file.js';
import type { SluiceConfig } from '../../config/config.js';
import { redisConnectionOf } from '../../config/state.js';
import type { Logger } from '../logger.js';
import { inProcessNoticeBus, newReplicaId, redisNotices, type Notices } from './notices.js';
import { inProcessRegisteredOperations, redisRegisteredOperations, type RegisteredOperations } from './persisted-store.js';
import { inProcessRateLimitStore, redisRateLimitStore, type RateLimitStore } from './rate-limit-store.js';
import { connectRedis, whenUp, type RedisState } from './redis.js';

/**
 * The state a replica shares with the others (docs/configuration.md), one owner per
 * kind: rate-limit buckets, APQ registrations, change notices. With
 * `state.redis` configured, all three live in Redis; without, in this
 * process, as with a single replica. Made once per process by `serve` and
 * kept across reloads (a reload must not refill every bucket).
 */
export interface SharedState {
  readonly rateLimits: RateLimitStore;
  readonly registered: RegisteredOperations;
  readonly notices: Notices;
  /** What `/ready` reports: `{ redis: 'up' | 'down' }` with Redis, `{}` without. */
  health(): { readonly redis?: 'up' | 'down' };
  /** Whether `/ready` answers 503 while Redis is down (`state.redis.readiness: require`). */
  readonly requiredForReady: boolean;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  readonly logger?: Logger;
  readonly replica?: string;
}

export function inProcessSharedState(replica = newReplicaId()): SharedState {
  const notices = inProcessNoticeBus().join(replica);
  return {
    rateLimits: inProcessRateLimitStore(),
    registered: inProcessRegisteredOperations(),
    notices,
    health: () => ({}),
    requiredForReady: false,
    close: () => notices.close(),
  };
}

export function redisSharedState(redis: RedisState, replica = newReplicaId()): SharedState {
  const notices = redisNotices(redis, replica);
  return {
    rateLimits: redisRateLimitStore(redis),
    registered: redisRegisteredOperations(redis, redis.config.apqTtlSeconds),
    notices,
    health: () => ({ redis: redis.up() ? 'up' : 'down' }),
    requiredForReady: redis.config.readiness === 'require',
    async close() {
      await notices.close();
      await redis.close();
    },
  };
}

/**
 * The shared state the config asks for. With Redis, the connection is
 * started; `connected` resolves once it is up or `connectTimeoutMs` has
 * passed. A replica starts without Redis (rate-limited requests get 503
 * until it is reachable): Redis may well be starting beside it.
 */
export function openSharedState(config: SluiceConfig, options: SharedStateOptions = {}): SharedState & { connected: Promise<boolean> } {
  const replica = options.replica ?? newReplicaId();
  const redisConfig = config.raw.state?.redis;
  if (!redisConfig) return { ...inProcessSharedState(replica), connected: Promise.resolve(true) };
  const connection = redisConnectionOf(redisConfig, displayPath(config.file));
  const redis = connectRedis(connection, redisConfig, { name: `sluice:${replica}`, ...(options.logger && { logger: options.logger }) });
  return { ...redisSharedState(redis, replica), connected: whenUp(redis, redisConfig.connectTimeoutMs) };
}

/**
 * A warning when shared state did not answer a request, at most one per
 * `everyMs` with the number of such requests since the last one: a slow
 * Redis (connected, but past its command timeout) shows in the logs without
 * a line per request.
 */
export function unavailableReporter(logger: Logger | undefined, what: string, everyMs = 10_000): (error: unknown) => void {
  let last = -Infinity;
  let missed = 0;
  return (error) => {
    missed++;
    const now = performance.now();
    if (!logger || now - last < everyMs) return;
    last = now;
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
    logger.warn({ requests: missed, error: cause }, `shared state did not answer: ${what}`);
    missed = 0;
  };
}
