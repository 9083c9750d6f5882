import type { CORSOptions, Plugin } from 'graphql-yoga';
import type { CorsConfig } from '../config/config.js';

/**
 * Cross-origin access (docs/frontend-apps.md), through yoga's own CORS support: yoga
 * answers every preflight (OPTIONS) itself, first of all plugins — before
 * CSRF prevention, the body limit, the audit and authentication — so a
 * preflight needs no credentials and never reaches GraphQL, and yoga adds
 * the grant to every response. What it grants is decided here, per request:
 *
 * - an origin listed in `server.cors.origins` is echoed exactly, with the
 *   methods and request headers the gateway reads, the configured max age,
 *   and `Access-Control-Allow-Credentials: true` only when `credentials`;
 * - any other origin, `null` included, and every origin when `server.cors`
 *   is absent, gets no CORS header at all: the browser keeps the response
 *   from the page. (Left to itself, yoga would echo any origin.)
 *
 * Every response then says `Vary: Origin` (useVaryOrigin), so a cache
 * between browsers and the gateway never hands one origin's grant to another.
 */
const METHODS = ['GET', 'POST'];
/** Request headers the gateway reads; anything else a page sends is not granted. */
const REQUEST_HEADERS = ['Content-Type', 'Accept', 'X-Api-Key', 'Authorization', 'X-Role', 'X-Purpose'];
/** Response headers a page may read besides the safelisted ones: a rate limit's wait. */
const EXPOSED_HEADERS = ['Retry-After'];

export function corsOptionsOf(config: CorsConfig | undefined): (request: Request) => CORSOptions {
  const allowed = new Set(config?.origins ?? []);
  return (request) => {
    const origin = request.headers.get('origin');
    if (config === undefined || origin === null || !allowed.has(origin)) return false;
    return {
      origin,
      methods: METHODS,
      allowedHeaders: REQUEST_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      credentials: config.credentials,
      maxAge: config.maxAgeSeconds,
    };
  };
}

/** `Vary: Origin` on every response of a gateway that grants some origins: its CORS headers depend on the request's Origin. */
export function useVaryOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (!vary?.split(',').some((v) => v.trim().toLowerCase() === 'origin')) response.headers.append('Vary', 'Origin');
    },
  };
}
