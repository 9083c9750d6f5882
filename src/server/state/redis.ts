import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConnection, RedisStateConfig } from '../../config/state.js';
import type { Logger } from '../logger.js';

/**
 * The connections to Redis of one replica, set so that Redis being down or
 * slow never holds a request longer than `commandTimeoutMs`:
 *
 * - no offline queue: while disconnected, a command fails at once instead of
 *   waiting for a reconnection (ioredis queues by default, which would hold
 *   a rate-limited request until the request deadline);
 * - a command timeout, for a Redis that is connected but does not answer
 *   (stopped, overloaded, a network partition the kernel has not noticed);
 * - reconnection forever, backing off to one attempt a second, so service
 *   resumes by itself when Redis returns.
 *
 * Subscriptions get their own connection (Redis serves nothing else on a
 * subscribed connection); it keeps its offline queue, since nothing waits
 * on it, and ioredis subscribes it again after each reconnection.
 */
export interface RedisState {
  /** For commands: rate limits, APQ registrations, publishing notices. */
  readonly client: Redis;
  /** The subscriber connection, made on first use. */
  subscriber(): Redis;
  /** Whether the command connection is up now (ioredis status `ready`). */
  up(): boolean;
  readonly keyPrefix: string;
  readonly config: RedisStateConfig;
  close(): Promise<void>;
}

export interface RedisStateOptions {
  /** Logs when Redis becomes unreachable and reachable again (once per change, never the URL). */
  readonly logger?: Logger;
  /** Name shown in Redis's CLIENT LIST (the replica's id). */
  readonly name?: string;
  /** Longest wait between reconnection attempts; default 1000 ms. */
  readonly maxReconnectDelayMs?: number;
}

export function connectRedis(connection: RedisConnection, config: RedisStateConfig, options: RedisStateOptions = {}): RedisState {
  const maxDelay = options.maxReconnectDelayMs ?? 1000;
  const common: RedisOptions = {
    ...(connection.password !== undefined && { password: connection.password }),
    connectTimeout: config.connectTimeoutMs,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
    // Redis answers LOADING while it reads a snapshot back: a reconnection, not an error.
    reconnectOnError: (e) => (e.message.startsWith('LOADING') ? 2 : false),
    ...(options.name !== undefined && { connectionName: options.name.replace(/[^\x21-\x7e]/g, '_') }),
  };
  const client = new Redis(connection.url, {
    ...common,
    enableOfflineQueue: false,
    commandTimeout: config.commandTimeoutMs,
    maxRetriesPerRequest: 0,
  });
  let subscriber: Redis | undefined;

  // Log changes, not every failed attempt: a Redis that is down for a minute
  // makes sixty 'error' events.
  let reported: 'up' | 'down' | undefined;
  const report = (now: 'up' | 'down', error?: Error) => {
    if (reported === now) return;
    const first = reported === undefined;
    reported = now;
    if (now === 'up') options.logger?.info({ redis: connection.describe }, first ? 'redis connected' : 'redis reachable again');
    else options.logger?.warn({ redis: connection.describe, error: error?.message }, 'redis unreachable: rate-limited requests get 503');
  };
  client.on('ready', () => report('up'));
  client.on('error', (e: Error) => {
    if (client.status !== 'ready') report('down', e);
  });
  client.on('close', () => report('down'));

  return {
    client,
    subscriber() {
      if (!subscriber) {
        subscriber = new Redis(connection.url, {
          ...common,
          ...(options.name !== undefined && { connectionName: `${options.name}:notices` }),
        });
        // Errors are the command connection's to report; without a listener ioredis prints them.
        subscriber.on('error', () => undefined);
      }
      return subscriber;
    },
    up: () => client.status === 'ready',
    keyPrefix: config.keyPrefix,
    config,
    async close() {
      const quit = (r: Redis) => r.quit().catch(() => r.disconnect());
      await Promise.all([quit(client), ...(subscriber ? [quit(subscriber)] : [])]);
    },
  };
}

/** Resolves once the connection is up, or after `timeoutMs` (false): start-up does not wait longer for Redis. */
export function whenUp(redis: RedisState, timeoutMs: number): Promise<boolean> {
  if (redis.up()) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => {
      redis.client.off('ready', ready);
      done(false);
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      done(true);
    };
    redis.client.once('ready', ready);
  });
}
