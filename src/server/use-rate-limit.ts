import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Authenticated } from './authenticate.js';

/**
 * Limits how often each caller may send requests: one token bucket per API
 * key, per token subject, and per client address for anonymous callers, refilled at
 * `perSecond` up to `burst`. A request finding its bucket empty gets HTTP
 * 429, RESOURCE_LIMIT, and a Retry-After (whole seconds until a token is
 * back). Runs after authentication, which names the caller; refused
 * credentials are not counted (they cost a hash, not a scan).
 *
 * Buckets live in this process: behind N replicas a caller gets up to N times
 * the rate, which is what a per-replica limit is for (protecting the replica).
 */
export interface RateLimitPluginOptions {
  readonly perSecond: number;
  readonly burst: number;
  readonly authenticated: (request: Request) => Promise<Authenticated>;
  /** For tests; default Date.now. */
  readonly now?: () => number;
}

/** Buckets kept at most; past it, full ones are dropped (they are the same as a new bucket). */
const MAX_BUCKETS = 10_000;

export function useRateLimit(options: RateLimitPluginOptions): Plugin {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const take = (key: string): number => {
    const t = now();
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size >= MAX_BUCKETS) prune(t);
      b = { tokens: options.burst, at: t };
      buckets.set(key, b);
    }
    b.tokens = Math.min(options.burst, b.tokens + ((t - b.at) / 1000) * options.perSecond);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / options.perSecond));
  };

  const prune = (t: number) => {
    for (const [key, b] of buckets) {
      if (b.tokens + ((t - b.at) / 1000) * options.perSecond >= options.burst) buckets.delete(key);
    }
  };

  // Anonymous callers are told apart by their address (behind a proxy: the proxy's).
  const addresses = new WeakMap<Request, string>();
  return {
    onRequest({ request, serverContext }) {
      const address = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress;
      if (address) addresses.set(request, address);
    },
    async onParams({ request }) {
      const { caller } = await options.authenticated(request);
      const key =
        caller.keyId !== undefined
          ? `api-key:${caller.keyId}`
          : caller.credential === 'anonymous'
            ? `anonymous:${addresses.get(request) ?? 'unknown'}`
            : `${caller.credential}:${caller.subject}`;
      const retryAfter = take(key);
      if (retryAfter === 0) return;
      throw new GraphQLError(`Too many requests from this caller; retry in ${retryAfter} s.`, {
        extensions: { code: 'RESOURCE_LIMIT', http: { status: 429, headers: { 'Retry-After': String(retryAfter) } } },
      });
    },
  };
}
