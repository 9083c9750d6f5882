/**
 * What the HTTP server adds for replicas: `/ready` reports shared state
 * (and is 503 while it is down only when the state is required), and
 * `POST /admin/reload` runs a reload for a request bearing the admin token
 * only. A gateway swapped in by `ready()` takes new requests while one in
 * flight finishes on the old one.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServerOptions } from '../../src/server/http-server.js';

async function serve(options: HttpServerOptions) {
  const http = createHttpServer(options);
  await new Promise<void>((ok) => http.server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { connection: 'close', ...(init.headers as Record<string, string>) } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { http, call, close: () => http.drain(1000) };
}

const answer = (name: string) => (_req: unknown, res: import('node:http').ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ gateway: name }));

describe('/ready with shared state', () => {
  it.each([
    ['report', false, 200],
    ['require', true, 503],
  ])('readiness %s: Redis down gives %s', async (_, requiredForReady, downStatus) => {
    let redis: 'up' | 'down' = 'up';
    const { http, call, close } = await serve({ state: { health: () => ({ redis }), requiredForReady } });
    http.ready(answer('a'));
    expect(await call('/ready')).toEqual({ status: 200, body: { status: 'ready', inFlight: 0, state: { redis: 'up' } } });
    redis = 'down';
    expect(await call('/ready')).toEqual({ status: downStatus, body: { status: 'ready', inFlight: 0, state: { redis: 'down' } } });
    redis = 'up';
    expect((await call('/ready')).status).toBe(200);
    await close();
  });
});

describe('POST /admin/reload', () => {
  it('reloads only for a POST bearing the token, and answers the outcome', async () => {
    const asked: number[] = [];
    let outcome: 'applied' | 'refused' = 'refused';
    const { http, call, close } = await serve({
      admin: { token: 'the-admin-token-0123', reload: async () => (asked.push(1), { outcome, problems: ['p'] }) },
    });
    http.ready(answer('a'));
    expect((await call('/admin/reload', { method: 'POST' })).status).toBe(401);
    expect((await call('/admin/reload', { method: 'POST', headers: { authorization: 'Bearer the-admin-token-012' } })).status).toBe(401);
    expect((await call('/admin/reload', { headers: { authorization: 'Bearer the-admin-token-0123' } })).status).toBe(405);
    expect(asked).toEqual([]);
    const bearer = { method: 'POST', headers: { authorization: 'Bearer the-admin-token-0123' } };
    expect(await call('/admin/reload', bearer)).toEqual({ status: 409, body: { outcome: 'refused', problems: ['p'] } });
    outcome = 'applied';
    expect((await call('/admin/reload', bearer)).status).toBe(200);
    expect(asked).toHaveLength(2);
    await close();
  });

  it('is not served without an admin token configured: the request goes to the gateway', async () => {
    const { http, call, close } = await serve({});
    http.ready(answer('gateway'));
    expect(await call('/admin/reload', { method: 'POST' })).toEqual({ status: 200, body: { gateway: 'gateway' } });
    await close();
  });
});

describe('swapping the gateway', () => {
  it('sends new requests to the new gateway while one in flight finishes on the old one, and stays draining when draining', async () => {
    const { http, call } = await serve({});
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    http.ready((_req, res) => void held.then(() => answer('old')(_req, res)));
    const inFlight = call('/graphql');
    await expect.poll(() => http.inFlight()).toBe(1);
    http.ready(answer('new'));
    expect((await call('/graphql')).body).toEqual({ gateway: 'new' });
    release();
    expect((await inFlight).body).toEqual({ gateway: 'old' });

    const drained = http.drain(2000);
    http.ready(answer('newer'));
    expect(http.readiness).toBe('draining');
    await drained;
  });
});
