import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

/**
 * A small load balancer on loopback, for tests and the bench: requests go
 * to the backends in turn (round robin), as a cloud load balancer or a
 * Kubernetes Service would send them, over kept-alive connections.
 *
 * What it does when a backend fails is what common proxies do by default
 * (nginx's `proxy_next_upstream error`, with POST not retried once sent):
 *
 * - connection refused — the request never reached the backend, so it is
 *   safe to send elsewhere: the backend is marked down and the request goes
 *   to the next one;
 * - the connection broke after the request was sent (the backend died while
 *   answering) — the request may have run, and a GraphQL POST is not
 *   retried blindly: the backend is marked down and the client gets 502
 *   with `x-proxy-error`, naming the backend in `x-backend`.
 *
 * A backend marked down gets no more requests until `revive(i)`. There are
 * no health checks: tests decide when a backend is down or back. Every
 * answer names its backend in `x-backend` (its index).
 */
export interface RoundRobinProxy {
  readonly url: string;
  /** Requests answered per backend, and 502s per backend. */
  stats(): { readonly answered: number[]; readonly failed: number[]; readonly down: boolean[] };
  revive(backend: number): void;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(backends: readonly string[]): Promise<RoundRobinProxy> {
  const targets = backends.map((b) => new URL(b));
  const down = targets.map(() => false);
  const answered = targets.map(() => 0);
  const failed = targets.map(() => 0);
  // With a timeout set, Node's agent closes an idle connection a second before
  // the backend's advertised keep-alive timeout (Keep-Alive: timeout=5), so a
  // request is never sent on a connection the backend is closing as idle.
  const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 60_000 });
  let next = 0;

  const pick = (): number | undefined => {
    for (let i = 0; i < targets.length; i++) {
      const candidate = (next + i) % targets.length;
      if (!down[candidate]) {
        next = candidate + 1;
        return candidate;
      }
    }
    return undefined;
  };

  const forward = (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse) => {
    const backend = pick();
    if (backend === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain', 'x-proxy-error': 'no backend' });
      return res.end('no backend is up');
    }
    const target = targets[backend]!;
    const headers = { ...req.headers, host: target.host };
    delete headers.connection;
    const upstream = httpRequest(
      { agent, host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        answered[backend]!++;
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-backend': String(backend) });
        answer.pipe(res);
        answer.once('error', () => res.destroy());
      },
    );
    upstream.once('error', (e: NodeJS.ErrnoException) => {
      down[backend] = true;
      if (res.headersSent) return void res.destroy();
      // Refused: nothing reached the backend; try the next one.
      if (e.code === 'ECONNREFUSED') return forward(req, body, res);
      failed[backend]!++;
      res.writeHead(502, { 'content-type': 'text/plain', 'x-proxy-error': e.code ?? 'error', 'x-backend': String(backend) });
      res.end(`backend ${backend} failed: ${e.code ?? e.message}`);
    });
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, Buffer.concat(chunks), res));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ answered: [...answered], failed: [...failed], down: [...down] }),
    revive: (i) => void (down[i] = false),
    close: () =>
      new Promise<void>((done) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
