import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

/**
 * The HTTP server around the gateway, with what operators and orchestrators
 * need from it:
 *
 * - `GET /health` — live: 200 as long as the process answers;
 * - `GET /ready`  — 200 only while serving; 503 while contracts, policies
 *   and sources are still being loaded, and while draining; its body says
 *   which, and how many requests are in flight (a drain's progress);
 * - `GET /metrics` — Prometheus metrics (metrics.ts), only when given with
 *   their token, and only to a request bearing it (`Authorization: Bearer
 *   <token>`; else 401): what was read per product depends on rows that
 *   policies hide from callers, so it is for operators alone;
 * - every other request goes to the gateway once it is ready, and gets 503
 *   (SOURCE_UNAVAILABLE, Retry-After) before that and while draining;
 * - `drain(timeoutMs)` — graceful shutdown: stops accepting connections,
 *   refuses new requests on open ones, lets every request in flight finish
 *   (their connections closed after the response), and resolves `true` once
 *   all have, or `false` when the bound passed and the rest were cut.
 */
export type Readiness = 'starting' | 'ready' | 'draining';

export interface HttpServer {
  readonly server: Server;
  readonly readiness: Readiness;
  /** Starts serving requests through the gateway. */
  ready(gateway: RequestListener): void;
  drain(timeoutMs: number): Promise<boolean>;
  /** Requests being answered now. */
  inFlight(): number;
}

export interface HttpServerOptions {
  /** Served at `GET /metrics` in the Prometheus text format, to requests bearing `token`. */
  readonly metrics?: { readonly registry: Registry; readonly token: string };
}

export function createHttpServer(options: HttpServerOptions = {}): HttpServer {
  let readiness: Readiness = 'starting';
  let gateway: RequestListener | undefined;
  const active = new Set<ServerResponse>();

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return json(res, 200, { status: 'live' });
    if (path === '/metrics' && options.metrics) {
      const { registry, token } = options.metrics;
      if (!bears(req, token)) return json(res, 401, { status: 'metrics need Authorization: Bearer <server.metrics token>' }, { 'www-authenticate': 'Bearer realm="metrics"' });
      void registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        () => json(res, 500, { status: 'metrics unavailable' }),
      );
      return;
    }
    if (path === '/ready') return json(res, readiness === 'ready' ? 200 : 503, { status: readiness, inFlight: active.size });
    if (readiness !== 'ready' || !gateway) {
      const message = readiness === 'draining' ? 'The gateway is shutting down; retry on another replica.' : 'The gateway is starting; retry shortly.';
      return json(
        res,
        503,
        { errors: [{ message, extensions: { code: 'SOURCE_UNAVAILABLE' } }] },
        { 'retry-after': '1', ...(readiness === 'draining' && { connection: 'close' }) },
      );
    }
    active.add(res);
    res.once('close', () => active.delete(res));
    gateway(req, res);
  });

  return {
    server,
    get readiness() {
      return readiness;
    },
    ready(g) {
      gateway = g;
      readiness = 'ready';
    },
    inFlight: () => active.size,
    drain(timeoutMs) {
      readiness = 'draining';
      // Responses not yet started close their connection when they end.
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      return new Promise<boolean>((done) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          done(false);
        }, timeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          done(true);
        });
        server.closeIdleConnections();
        // Keep-alive connections that go idle after their last response.
        const idle = setInterval(() => (active.size === 0 ? server.closeIdleConnections() : undefined), 50);
        idle.unref();
        server.once('close', () => clearInterval(idle));
      });
    },
  };
}

/**
 * Whether the request carries `Authorization: Bearer <token>`. Both sides
 * are hashed first, so the comparison takes the same time whatever the
 * length or content of what was sent.
 */
function bears(req: IncomingMessage, token: string): boolean {
  const sent = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(sent), digest(token)) && sent !== '';
}
