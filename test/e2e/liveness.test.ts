/**
 * The worst requests of issue 12 against a real server process, with the
 * caps on inputs lifted (in-list length, conditions, aliases, cost, offset)
 * so that what keeps the process alive is the planner and the engine
 * themselves: planning linear in what was sent, sorts charged to the memory
 * budget (64 MiB here) and pausing between slices of rows.
 *
 * - Liveness, not speed: `/health` answers within 5 s, every time, while
 *   two overlapping `in` lists of 20,000 values (the issue measured a 22.6 s
 *   freeze), thousands of conditions, a `where` nested 100,000 deep and
 *   fifty aliases of `offset: 2147483000` run.
 * - Memory: fifty aliases of a huge offset grow the server's peak RSS
 *   (VmHWM, Linux) by a bounded amount (measured: about 70 MiB; without the
 *   budget's charge, about 650 MiB); they end in RESOURCE_LIMIT. The issue
 *   saw 4 GiB for fifteen of them over 1M rows.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHash } from '../../src/server/authenticate.js';
import { DEMO_KEYS, type GraphQLResponse } from '../support/demo.js';
import { REPO, startServer, type RunningServer } from './start-server.js';

const MIB = 2 ** 20;
let server: RunningServer;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-liveness-'));
  writeFileSync(
    join(dir, 'sluice.yaml'),
    [
      'server:',
      '  maxBodyBytes: 4194304',
      '  timeoutMs: 60000',
      '  limits:',
      '    maxAliases: 50',
      '    maxCost: 1000000000000',
      '    maxOffset: 2147483647',
      '    maxInListLength: 100000',
      '    maxWhereConditions: 100000',
      `    maxMemoryBytes: ${64 * MIB}`,
      `products: ${join(REPO, 'products')}`,
      `policies: ${join(REPO, 'policies')}`,
      'masking: { hashKeyEnv: SLUICE_HASH_KEY }',
      'auth:',
      '  apiKeys:',
      `    - { id: admin, sha256: ${apiKeyHash(DEMO_KEYS.admin)}, subject: root, roles: [admin] }`,
      '',
    ].join('\n'),
  );
  server = await startServer({ config: join(dir, 'sluice.yaml') });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const post = async (body: string): Promise<GraphQLResponse> => {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
    body,
  });
  return (await res.json()) as GraphQLResponse;
};
const ask = (query: string, variables?: Record<string, unknown>) => post(JSON.stringify({ query, variables }));

const ids = (n: number, step: number) => Array.from({ length: n }, (_, i) => String(i * step));
const offsetAttack = (aliases: number) =>
  ask(
    `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: ordersV2(orderBy: [{ total_amount: DESC }], offset: 2147483000, first: 1) { nodes { order_id } }`).join(' ')} }`,
  );

/** The server's peak resident memory so far, from /proc (Linux). */
const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) * 1024;

describe('a server under the worst requests of issue 12', () => {
  it.skipIf(process.platform !== 'linux')(
    'bounds the memory fifty aliases of a huge offset take: RESOURCE_LIMIT, peak RSS up by less than 256 MiB',
    async () => {
      // Warm up: the decoder threads, the column cache and the code paths the attack takes.
      expect(
        (await ask('{ ordersV2(orderBy: [{ total_amount: DESC }], offset: 1000, first: 1) { nodes { order_id } } }')).errors,
      ).toBeUndefined();
      const before = peakRss();
      // Fifty aliases over the demo's 60,000 orders hold as many rows as the fifteen over 200,000: held, about 650 MiB.
      const r = await offsetAttack(50);
      expect(r.errors?.length).toBeGreaterThan(0);
      for (const e of r.errors!) expect(e.extensions).toMatchObject({ code: 'RESOURCE_LIMIT', limit: 'maxMemoryBytes' });
      const grown = peakRss() - before;
      expect(grown, `peak RSS grew by ${Math.round(grown / MIB)} MiB`).toBeLessThan(256 * MIB);
    },
  );

  it('answers /health within 5 s, every time, while the heaviest requests run', async () => {
    let running = true;
    const heavy = Promise.all([
      ask(
        'query($a: [BigInt!], $b: [BigInt!]) { ordersV2(where: { order_id: { in: $a }, AND: [{ order_id: { in: $b } }] }, orderBy: [{ total_amount: DESC }], first: 5) { nodes { order_id } totalCount } }',
        {
          a: ids(20_000, 2),
          b: ids(20_000, 3),
        },
      ),
      ask('query($w: OrdersV2Where) { ordersV2(where: $w, first: 5) { nodes { order_id } totalCount } }', {
        w: { AND: Array.from({ length: 3000 }, (_, i) => ({ total_amount: { gt: i % 1500 } })) },
      }),
      post(
        `{"query":"query($w: OrdersV2Where) { ordersV2(where: $w) { totalCount } }","variables":{"w":${'{"OR":['.repeat(100_000)}{}${']}'.repeat(100_000)}}}`,
      ),
      offsetAttack(50),
      offsetAttack(50),
    ]).finally(() => (running = false));

    const waits: number[] = [];
    while (running) {
      const sent = performance.now();
      const res = await fetch(server.url.replace(/\/graphql$/, '/health'), { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      await res.text();
      waits.push(performance.now() - sent);
      await new Promise((ok) => setTimeout(ok, 50));
    }
    const [lists, conditions, deep, offsets] = await heavy;
    // Each answered as it should: the lists and conditions planned and run, the rest refused.
    const same = await ask(
      'query($c: [BigInt!]) { ordersV2(where: { order_id: { in: $c } }, orderBy: [{ total_amount: DESC }], first: 5) { nodes { order_id } totalCount } }',
      { c: ids(6667, 6) },
    );
    expect(lists.errors).toBeUndefined();
    expect(same.errors).toBeUndefined();
    expect(lists.data).toEqual(same.data);
    expect(conditions.errors).toBeUndefined();
    expect(deep.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxWhereDepth' });
    expect(offsets.errors?.[0]?.extensions).toMatchObject({ code: 'RESOURCE_LIMIT' });
    // The probes overlapped the heavy requests.
    expect(waits.length, `health waits (ms): ${waits.map(Math.round).join(', ')}`).toBeGreaterThanOrEqual(2);
  });
});
