/**
 * The HTTP server around the gateway: /health is live from the start,
 * /ready only while serving (not while loading, not while draining), other
 * requests are refused with 503 until ready and while draining, and a drain
 * lets the request in flight finish.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/server/http-server.js';

describe('http server', () => {
  it('is live at once, ready only once serving, and drains', async () => {
    const http = createHttpServer();
    await new Promise<void>((ok) => http.server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { connection: 'close' } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    // Loading: live, not ready, GraphQL refused.
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'live' } });
    expect(await get('/ready')).toEqual({ status: 503, body: { status: 'starting', inFlight: 0 } });
    const early = await get('/graphql');
    expect(early.status).toBe(503);
    expect(early.body).toMatchObject({ errors: [{ extensions: { code: 'SOURCE_UNAVAILABLE' } }] });

    // Serving: a gateway that answers after a while.
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    http.ready((_req, res) => void answered.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}')));
    expect(await get('/ready')).toEqual({ status: 200, body: { status: 'ready', inFlight: 0 } });
    const inFlight = fetch(`${base}/graphql`).then((r) => r.status);
    await expect.poll(() => http.inFlight()).toBe(1);

    // Draining: not ready; the request in flight finishes; then the server is closed.
    const drained = http.drain(5000);
    expect(http.readiness).toBe('draining');
    answer();
    expect(await inFlight).toBe(200);
    expect(await drained).toBe(true);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });

  it('cuts requests still open after the bound, and says so', async () => {
    const http = createHttpServer();
    await new Promise<void>((ok) => http.server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    http.ready(() => undefined); // never answers
    const hanging = fetch(`${base}/graphql`).then(
      () => 'answered',
      () => 'cut',
    );
    await expect.poll(() => http.inFlight()).toBe(1);
    expect(await http.drain(200)).toBe(false);
    expect(await hanging).toBe('cut');
  });

  it('shows a plain page at / pointing to /graphql, while starting and once serving', async () => {
    const http = createHttpServer();
    await new Promise<void>((ok) => http.server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    const home = async () => {
      const res = await fetch(`${base}/`, { headers: { connection: 'close' } });
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    };
    const starting = await home();
    expect(starting).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(starting.body).toContain('<a href="/graphql">');
    http.ready((_req, res) => res.writeHead(404).end());
    expect(await home()).toEqual(starting);
    // Only the page itself: anything else under / still goes to the gateway.
    expect((await fetch(`${base}/other`, { headers: { connection: 'close' } })).status).toBe(404);
    expect(await http.drain(1000)).toBe(true);
  });
});
