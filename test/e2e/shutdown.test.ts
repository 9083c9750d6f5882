/**
 * Graceful shutdown loses nothing (issue 12): on SIGTERM `sluice serve` stops
 * accepting connections but answers every request on a connection it had
 * already accepted — in flight, queued behind a slow one on the same
 * connection (pipelined), or sent after the signal on a busy or an idle
 * keep-alive connection — the last on each connection with
 * `Connection: close`, then exits 0.
 * Before, a request that reached an accepted connection after the signal
 * was answered 503 "shutting down", and idle keep-alive connections were
 * closed at once. Raw sockets, so the test decides which request goes on
 * which connection and when.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './start-server.js';

const ADMIN_KEY = 'demo-admin-key';
/** Full scans of orders (a filter statistics cannot prune, a sort, a count), eight times: a slow request to queue others behind. */
const SLOW = `query Slow { ${Array.from({ length: 8 }, (_, i) => `a${i}: ordersV2(where: { status: { contains: "e${i % 3}" } }, orderBy: [{ total_amount: DESC }], first: 50) { nodes { order_id } totalCount }`).join(' ')} }`;
const QUICK = 'query Quick { ordersV2(first: 1, orderBy: [{ order_id: ASC }]) { nodes { order_id } } }';

function requestText(host: string, query: string): string {
  const body = JSON.stringify({ query });
  return [
    'POST /graphql HTTP/1.1',
    `Host: ${host}`,
    'Content-Type: application/json',
    `X-Api-Key: ${ADMIN_KEY}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Whether the test had seen the server start draining when this answer was complete. */
  readonly afterSignal: boolean;
}

/**
 * One client connection: writes requests as given (several at once are
 * pipelined) and parses the HTTP/1.1 answers in order (Content-Length or
 * chunked bodies).
 */
class Connection {
  readonly answers: Answer[] = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private readonly waiters: (() => void)[] = [];

  private constructor(
    readonly socket: Socket,
    private readonly draining: () => boolean,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, draining: () => boolean): Promise<Connection> {
    return new Promise((ok, fail) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => ok(new Connection(socket, draining)));
      socket.once('error', fail);
    });
  }

  send(...texts: string[]): void {
    this.socket.write(texts.join(''));
  }

  /** Waits until `n` answers came (or the connection closed first). */
  async answered(n: number): Promise<Answer[]> {
    while (this.answers.length < n && !this.closed) await new Promise<void>((ok) => this.waiters.push(ok));
    return this.answers;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      let at = end + 4;
      let body: Buffer;
      if (headers['transfer-encoding'] === 'chunked') {
        const parts: Buffer[] = [];
        for (;;) {
          const lineEnd = this.buffer.indexOf('\r\n', at);
          if (lineEnd < 0) return;
          const size = parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
          if (this.buffer.length < lineEnd + 2 + size + 2) return;
          parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
          at = lineEnd + 2 + size + 2;
          if (size === 0) break;
        }
        body = Buffer.concat(parts);
      } else {
        const length = Number(headers['content-length'] ?? 0);
        if (this.buffer.length < at + length) return;
        body = this.buffer.subarray(at, at + length);
        at += length;
      }
      this.buffer = this.buffer.subarray(at);
      this.answers.push({ status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8'), afterSignal: this.draining() });
      this.wake();
    }
  }
}

async function until(what: string, condition: () => boolean | Promise<boolean>, server: RunningServer): Promise<void> {
  // Bounded by the test's timeout; no claim about how fast anything is.
  while (!(await condition())) {
    if (server.output().stderr.includes('"level":"fatal"')) throw new Error(`the server failed while waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('graceful shutdown', () => {
  it(
    'answers every request on an accepted connection after SIGTERM, with Connection: close, and refuses new connections',
    { timeout: 240_000 },
    async () => {
      // No decoded-column cache: the slow query stays slow.
      const server = await startServer({ env: { SLUICE_COLUMN_CACHE_BYTES: '0' } });
      const { hostname, port: portText } = new URL(server.url);
      const port = Number(portText);
      const host = `${hostname}:${port}`;
      const draining = () => /SIGTERM, finishing/.test(server.output().stdout);
      let stopped: Promise<void> | undefined;
      try {
        // Two connections, each a slow request with a quick one queued behind it (pipelined).
        const queued = await Promise.all([Connection.open(port, draining), Connection.open(port, draining)]);
        for (const c of queued) c.send(requestText(host, SLOW), requestText(host, QUICK));
        // A connection busy with a request that cannot finish before the signal:
        // its head and half its body are sent now, the rest after SIGTERM.
        const busy = await Connection.open(port, draining);
        const held = requestText(host, QUICK);
        const split = held.length - 10;
        busy.send(held.slice(0, split));
        // And one idle after a quick request (keep-alive).
        const idle = await Connection.open(port, draining);
        // The two slow requests and the held one are in the gateway.
        await until(
          'three requests in flight',
          async () =>
            ((await (await fetch(`http://${host}/ready`, { headers: { connection: 'close' } })).json()) as { inFlight: number }).inFlight >=
            3,
          server,
        );
        idle.send(requestText(host, QUICK));
        expect((await idle.answered(1))[0]!.status).toBe(200);

        stopped = server.stop(); // SIGTERM; throws unless the process exits 0
        await until('the server to start draining', draining, server);

        // After the signal, requests arrive on accepted connections: on the busy
        // one (with the end of the held request), and on the idle one.
        expect(busy.answers).toEqual([]);
        busy.send(held.slice(split), requestText(host, QUICK));
        idle.send(requestText(host, QUICK));
        // A new connection is not accepted.
        const fresh = await Connection.open(port, draining).then(
          (c) => (c.socket.destroy(), 'accepted'),
          (e: NodeJS.ErrnoException) => e.code,
        );
        expect(fresh).toBe('ECONNREFUSED');

        const answers = await Promise.all([...queued, busy, idle].map((c) => c.answered(2)));
        for (const [i, a] of answers.entries()) {
          expect(
            a.map((x) => x.status),
            `connection ${i}: ${a.map((x) => x.body.slice(0, 200)).join(' | ')}`,
          ).toEqual([200, 200]);
          for (const x of a) expect(JSON.parse(x.body).errors, x.body.slice(0, 300)).toBeUndefined();
        }
        // The last answer on each connection that got a request after the signal closes it; the held
        // request's answer does not, as another request was queued behind it.
        expect(busy.answers.map((a) => a.headers['connection'])).toEqual(['keep-alive', 'close']);
        expect(idle.answers[1]!.headers['connection']).toBe('close');
        expect(busy.answers.every((a) => a.afterSignal)).toBe(true);
        // Every connection ends: closed after its last answer, or once idle past its keep-alive timeout.
        await Promise.all([...queued, busy, idle].map((c) => until('the server to close the connection', () => c.closed, server)));
      } finally {
        await (stopped ?? server.stop());
      }
      const { stdout, stderr } = server.output();
      expect(stdout).toMatch(/SIGTERM, finishing \d+ open request/);
      expect(stderr).toMatch(/"message":"stopped"/);
    },
  );
});
