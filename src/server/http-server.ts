import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * The HTTP server around the gateway, with what operators and orchestrators
 * need from it:
 *
 * - `GET /` — a plain page saying where the GraphQL endpoint is (a first
 *   visit in a browser otherwise meets a 404);
 * - `GET /health` — live: 200 as long as the process answers;
 * - `GET /ready`  — 200 only while serving; 503 while contracts, policies
 *   and sources are still being loaded, and while draining; its body says
 *   which, and how many requests are in flight (a drain's progress). With
 *   shared state (`state`), the body says whether Redis is reachable, and
 *   the status is 503 while it is not only when the state says it is
 *   required (`state.redis.readiness: require`);
 * - `POST /admin/reload` — reloads the deployment (reload.ts), only when
 *   given with its token, and only for a request bearing it; answers the
 *   outcome (200 applied, 409 refused with its problems);
 * - `GET /metrics` — Prometheus metrics (metrics.ts), only when given with
 *   their token, and only to a request bearing it (`Authorization: Bearer
 *   <token>`; else 401): what was read per product depends on rows that
 *   policies hide from callers, so it is for operators alone;
 * - every other request goes to the gateway once it is ready, and gets 503
 *   (SOURCE_UNAVAILABLE, Retry-After) before that; `ready(gateway)` again
 *   swaps the gateway: requests in flight finish on the one they started on;
 * - `drain(timeoutMs)` — graceful shutdown: stops accepting connections, and
 *   answers every request on a connection it had already accepted — in
 *   flight, queued behind another (pipelined), or sent later on an idle
 *   keep-alive connection — the last answer on each connection with
 *   `Connection: close`, so the client moves on. Idle connections are not closed early: a client may send
 *   on one until its advertised keep-alive timeout (`Keep-Alive: timeout=5`),
 *   and a request already on its way would be lost. Resolves `true` once every
 *   connection has ended, or, at the bound, closes what is left and resolves
 *   `false` if a request was still being answered (cut), else `true`.
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
  /** Shared state's health, reported by `/ready` (state/shared-state.ts). */
  readonly state?: { health(): Readonly<Record<string, string>>; readonly requiredForReady: boolean };
  /** `POST /admin/reload`, for requests bearing `token`. */
  readonly admin?: { readonly token: string; reload(): Promise<{ readonly outcome: 'applied' | 'refused' }> };
}

export function createHttpServer(options: HttpServerOptions = {}): HttpServer {
  let readiness: Readiness = 'starting';
  let gateway: RequestListener | undefined;
  const active = new Set<ServerResponse>();

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };

  // Per connection, the number of its latest request: only the latest may close it.
  const latest = new WeakMap<Socket, number>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const seq = (latest.get(req.socket) ?? 0) + 1;
    latest.set(req.socket, seq);
    // Draining: every answer is sent, and the connection's last one closes it
    // (`Connection: close`). Decided when the head is written, not earlier: an
    // answer with answers queued behind it on its connection (pipelined) must
    // not close it, or Node would drop them with the socket.
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      if (readiness === 'draining' && latest.get(req.socket) === seq) res.setHeader('connection', 'close');
      return writeHead(...args);
    }) as ServerResponse['writeHead'];
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      return res.end(req.method === 'HEAD' ? undefined : HOME_PAGE);
    }
    if (path === '/health') return json(res, 200, { status: 'live' });
    if (path === '/metrics' && options.metrics) {
      const { registry, token } = options.metrics;
      if (!bears(req, token))
        return json(
          res,
          401,
          { status: 'metrics need Authorization: Bearer <server.metrics token>' },
          { 'www-authenticate': 'Bearer realm="metrics"' },
        );
      void registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        () => json(res, 500, { status: 'metrics unavailable' }),
      );
      return;
    }
    if (path === '/ready') {
      const state = options.state?.health();
      const stateDown = state !== undefined && Object.values(state).some((s) => s === 'down');
      const serving = readiness === 'ready' && !(stateDown && options.state?.requiredForReady);
      return json(res, serving ? 200 : 503, {
        status: readiness,
        inFlight: active.size,
        ...(state !== undefined && Object.keys(state).length > 0 && { state }),
      });
    }
    if (path === '/admin/reload' && options.admin) {
      const { token, reload } = options.admin;
      if (!bears(req, token))
        return json(
          res,
          401,
          { status: 'reload needs Authorization: Bearer <server.admin token>' },
          { 'www-authenticate': 'Bearer realm="admin"' },
        );
      if (req.method !== 'POST') return json(res, 405, { status: 'POST to reload' }, { allow: 'POST' });
      req.resume();
      void reload().then(
        (outcome) => json(res, outcome.outcome === 'applied' ? 200 : 409, outcome),
        () => json(res, 500, { status: 'reload failed' }),
      );
      return;
    }
    if (readiness === 'starting' || !gateway) {
      const message = 'The gateway is starting; retry shortly.';
      return json(res, 503, { errors: [{ message, extensions: { code: 'SOURCE_UNAVAILABLE' } }] }, { 'retry-after': '1' });
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
      // A reload while draining swaps the gateway, and the drain goes on.
      if (readiness === 'starting') readiness = 'ready';
    },
    inFlight: () => active.size,
    drain(timeoutMs) {
      readiness = 'draining';
      return new Promise<boolean>((done) => {
        const timer = setTimeout(() => {
          const cut = active.size > 0;
          server.closeAllConnections();
          done(!cut);
        }, timeoutMs);
        timer.unref();
        // net.Server's close: stop listening, call back once every connection
        // has ended. Not http.Server's, which also closes idle keep-alive
        // connections at once (Node ≥ 19), losing a request already sent on one.
        NetServer.prototype.close.call(server, () => {
          clearTimeout(timer);
          done(true);
        });
      });
    },
  };
}

/** What `GET /` shows: where to send queries, nothing about what is served (that is for callers the gateway lets in). */
const HOME_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sluice</title></head>
<body>
<h1>Sluice</h1>
<p>This is a GraphQL gateway. Send queries to <a href="/graphql"><code>/graphql</code></a>
(POST with a JSON body, or GET with <code>?query=</code>); open it in a browser for GraphiQL when the server enables it.</p>
<p>Liveness: <a href="/health"><code>/health</code></a>, readiness: <a href="/ready"><code>/ready</code></a>.</p>
</body>
</html>
`;

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
