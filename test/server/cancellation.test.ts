/**
 * A client that goes away cancels its request: the request's signal aborts
 * the session's, the engine sees it between row groups (and storage requests
 * take it), and the scan stops with QUERY_TIMEOUT instead of reading on.
 * In-process, with an engine that holds each execution at its start until
 * the test has aborted the client's request.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, maskingKey } from '../../src/config/config.js';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { maskValuesWith } from '../../src/policy/mask-value.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { DEMO_KEYS } from '../support/demo.js';

class HeldEngine extends EmbeddedEngine {
  readonly started: (() => void)[] = [];
  readonly outcomes: { signalAborted: boolean; error?: { code?: string }; rows?: number }[] = [];
  release: Promise<void> = Promise.resolve();

  override async execute(...args: Parameters<EmbeddedEngine['execute']>): ReturnType<EmbeddedEngine['execute']> {
    const signal = args[1]?.signal;
    for (const f of this.started.splice(0)) f();
    await this.release;
    try {
      const result = await super.execute(...args);
      this.outcomes.push({ signalAborted: signal?.aborted ?? false, rows: result.rows.length });
      return result;
    } catch (e) {
      this.outcomes.push({ signalAborted: signal?.aborted ?? false, error: e as { code?: string } });
      throw e;
    }
  }
}

describe('client disconnect', () => {
  it('aborts the session: the scan stops with QUERY_TIMEOUT', async () => {
    const config = loadConfig('sluice.yaml');
    const engine = new HeldEngine({ maskValues: maskValuesWith(maskingKey(config)) });
    const gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine, log: () => undefined });

    const client = new AbortController();
    let release!: () => void;
    engine.release = new Promise((r) => (release = r));
    const executing = new Promise<void>((r) => engine.started.push(r));
    const response = Promise.resolve(
      gateway.fetch('http://sluice.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
        body: JSON.stringify({ query: '{ ordersV2(where: { status: { contains: "e" } }, first: 500) { totalCount nodes { order_id } } }' }),
        signal: client.signal,
      }),
    ).then(
      (r) => r.status,
      (e: Error) => e.name,
    );
    await executing;
    client.abort();
    release();
    await response;
    await expect.poll(() => engine.outcomes.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(engine.outcomes[0]!.signalAborted).toBe(true);
    expect(engine.outcomes[0]!.error?.code).toBe('QUERY_TIMEOUT');
    expect(engine.outcomes[0]!.rows).toBeUndefined();

    // The same request, not cancelled, is answered.
    engine.outcomes.length = 0;
    const res = await gateway.fetch('http://sluice.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
      body: JSON.stringify({ query: '{ ordersV2(where: { status: { contains: "e" } }, first: 5) { nodes { order_id } } }' }),
    });
    expect(res.status).toBe(200);
    expect(engine.outcomes.every((o) => !o.signalAborted && o.error === undefined)).toBe(true);
  });
});
