import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Authenticated } from './authenticate.js';
import { inProcessRateLimitStore, StateUnavailable, type Rate, type RateLimitStore } from './state/rate-limit-store.js';

/**
 * Limits how often each caller may send requests: one token bucket per API
 * key, per token subject, and per client address for anonymous callers, refilled at
 * `perSecond` up to `burst`. A request finding its bucket empty gets HTTP
 * 429, RESOURCE_LIMIT, and a Retry-After (whole seconds until a token is
 * back). Runs after authentication, which names the caller; refused
 * credentials are not counted (they cost a hash, not a scan).
 *
 * An API key may have its own rate (`auth.apiKeys[].rate`), or none
 * (`rate: false`: its requests need no decision at all).
 *
 * The buckets live in `store` (state/rate-limit-store.ts): in this process
 * by default, where behind N replicas a caller gets up to N times the rate;
 * in Redis with `state.redis`, exact across replicas. A store that cannot
 * decide fails the request closed: HTTP 503, SOURCE_UNAVAILABLE, Retry-After
 * 1, within the store's bound (never the request deadline).
 */
export interface RateLimitPluginOptions {
  /** The rate of every caller without one of its own; absent: only keys with their own rate are limited. */
  readonly rate?: Rate;
  /** Rates of API keys by id (`auth.apiKeys[].id`): their own, or false for none. */
  readonly keyRates?: ReadonlyMap<string, Rate | false>;
  readonly authenticated: (request: Request) => Promise<Authenticated>;
  /** Default: in this process. */
  readonly store?: RateLimitStore;
  /** Told when the store could not decide (the request got 503). */
  readonly onUnavailable?: (error: unknown) => void;
}

export function useRateLimit(options: RateLimitPluginOptions): Plugin {
  const store = options.store ?? inProcessRateLimitStore();

  // Anonymous callers are told apart by their address (behind a proxy: the proxy's).
  const addresses = new WeakMap<Request, string>();
  return {
    onRequest({ request, serverContext }) {
      const address = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress;
      if (address) addresses.set(request, address);
    },
    async onParams({ request }) {
      const { caller } = await options.authenticated(request);
      const rate = caller.keyId !== undefined ? (options.keyRates?.get(caller.keyId) ?? options.rate) : options.rate;
      if (!rate) return;
      const key =
        caller.keyId !== undefined
          ? `api-key:${caller.keyId}`
          : caller.credential === 'anonymous'
            ? `anonymous:${addresses.get(request) ?? 'unknown'}`
            : `${caller.credential}:${caller.subject}`;
      let retryAfter: number;
      try {
        retryAfter = await store.take(key, rate);
      } catch (e) {
        if (!(e instanceof StateUnavailable)) throw e;
        options.onUnavailable?.(e);
        throw new GraphQLError('The rate-limit store is unreachable, so this request cannot be admitted; retry shortly.', {
          extensions: { code: 'SOURCE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '1' } } },
        });
      }
      if (retryAfter === 0) return;
      throw new GraphQLError(`Too many requests from this caller; retry in ${retryAfter} s.`, {
        extensions: { code: 'RESOURCE_LIMIT', http: { status: 429, headers: { 'Retry-After': String(retryAfter) } } },
      });
    },
  };
}
