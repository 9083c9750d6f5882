/**
 * The cursor key (docs/graphql.md): without `cursors.secretEnv`, every process signs
 * with a random key of its own — nothing in the repository (config text
 * included) lets anyone mint a cursor — and says at start-up that its cursors
 * end with it; replicas sharing `cursors.secretEnv` accept each other's
 * cursors. Real server processes, two at a time.
 */
import { describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './start-server.js';

const ADMIN = { 'content-type': 'application/json', 'x-api-key': 'demo-admin-key' };
const PAGE =
  'query($after: String) { ordersV2(first: 3, orderBy: [{ order_id: ASC }], after: $after) { nodes { order_id } pageInfo { endCursor } } }';
const WARNING =
  /cursors\.secretEnv is not set: cursors are signed with a random key of this process, so they will not survive a restart or work on another replica/;

interface Page {
  data?: { ordersV2: { nodes: { order_id: string }[]; pageInfo: { endCursor: string } } };
  errors?: { message: string; extensions: { code: string } }[];
}

async function page(server: RunningServer, after?: string): Promise<Page> {
  const res = await fetch(server.url, { method: 'POST', headers: ADMIN, body: JSON.stringify({ query: PAGE, variables: { after } }) });
  return (await res.json()) as Page;
}

async function pair(options: Parameters<typeof startServer>[0] = {}): Promise<[RunningServer, RunningServer]> {
  const a = await startServer(options);
  try {
    return [a, await startServer(options)];
  } catch (e) {
    await a.stop();
    throw e;
  }
}

describe('cursor key', { timeout: 240_000 }, () => {
  it('without cursors.secretEnv: each process has its own key, refuses the other’s cursors, and says so at start-up', async () => {
    const [a, b] = await pair();
    try {
      const first = await page(a);
      const cursor = first.data!.ordersV2.pageInfo.endCursor;
      const next = await page(a, cursor);
      expect(next.errors).toBeUndefined();
      expect(next.data!.ordersV2.nodes.map((n) => n.order_id)).toEqual(['4', '5', '6']);
      // The same config file (copied), the same data: the other process refuses it.
      const elsewhere = await page(b, cursor);
      expect(elsewhere.data?.ordersV2 ?? null).toBeNull();
      expect(elsewhere.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
      expect(elsewhere.errors![0]!.message).toMatch(/after: this cursor is not valid here/);
      // And the other way round.
      const theirs = (await page(b)).data!.ordersV2.pageInfo.endCursor;
      expect(theirs).not.toBe(cursor);
      expect((await page(a, theirs)).errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (const s of [a, b]) expect(s.output().stderr).toMatch(WARNING);
  });

  it('with the same cursors.secretEnv: replicas accept each other’s cursors, and say nothing about it', async () => {
    const [c, d] = await pair({
      configSections: { cursors: { secretEnv: 'SLUICE_TEST_CURSOR_SECRET' } },
      env: { SLUICE_TEST_CURSOR_SECRET: 'shared-by-both-replicas' },
    });
    try {
      const cursor = (await page(c)).data!.ordersV2.pageInfo.endCursor;
      // Deterministic: the same first page mints the same cursor on both.
      expect((await page(d)).data!.ordersV2.pageInfo.endCursor).toBe(cursor);
      const here = await page(c, cursor);
      const there = await page(d, cursor);
      expect(there.errors).toBeUndefined();
      expect(there.data).toEqual(here.data);
      expect(there.data!.ordersV2.nodes.map((n) => n.order_id)).toEqual(['4', '5', '6']);
    } finally {
      await Promise.all([c.stop(), d.stop()]);
    }
    for (const s of [c, d]) expect(s.output().stderr).not.toMatch(/cursors\.secretEnv/);
  });
});
