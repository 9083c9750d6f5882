import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSession, endSession, ANONYMOUS } from '../../src/session/session.js';
import { loadConfig } from '../../src/config/config.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { DEMO_KEYS } from '../support/demo.js';

const limits = { timeoutMs: 1_000, maxRowsScanned: 1e9, maxBytesRead: 1e12, maxMemoryBytes: 1e12 };
const access = { granted: new Map(), denied: [] };

describe('a session’s signal', () => {
  afterEach(() => vi.useRealTimers());

  it('aborts at the deadline with a TimeoutError, as AbortSignal.timeout would', () => {
    vi.useFakeTimers();
    const s = createSession({ caller: ANONYMOUS, access, limits });
    vi.advanceTimersByTime(999);
    expect(s.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(s.signal.aborted).toBe(true);
    expect((s.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('aborts with the request’s reason when the request’s signal aborts, and not again at the deadline', () => {
    vi.useFakeTimers();
    const request = new AbortController();
    const s = createSession({ caller: ANONYMOUS, access, limits, signal: request.signal });
    const reason = new Error('client went away');
    request.abort(reason);
    expect(s.signal.reason).toBe(reason);
    vi.advanceTimersByTime(5_000);
    expect(s.signal.reason).toBe(reason);
  });

  it('starts aborted when the request already was', () => {
    const request = new AbortController();
    request.abort(new Error('gone'));
    expect(createSession({ caller: ANONYMOUS, access, limits, signal: request.signal }).signal.aborted).toBe(true);
  });

  it('once ended, holds no timer and no listener: neither the deadline nor the request aborts it', () => {
    vi.useFakeTimers();
    const request = new AbortController();
    const s = createSession({ caller: ANONYMOUS, access, limits, signal: request.signal });
    expect(vi.getTimerCount()).toBe(1);
    endSession(s);
    expect(vi.getTimerCount()).toBe(0);
    request.abort(new Error('late'));
    vi.advanceTimersByTime(5_000);
    expect(s.signal.aborted).toBe(false);
  });
});

describe('the gateway ends each request’s session when it answers', () => {
  it('an answered request’s signal is not aborted when its deadline passes later', async () => {
    const loaded = loadConfig('sluice.yaml');
    const config = { ...loaded, server: { ...loaded.server, timeoutMs: 2_500 } };
    const engine = createEngine(config);
    const signals: AbortSignal[] = [];
    const execute = engine.execute.bind(engine);
    engine.execute = (plan, options) => {
      if (options?.signal) signals.push(options.signal);
      return execute(plan, options);
    };
    const gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine, today: '2026-11-21' });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await gateway.fetch('http://sluice.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
          body: JSON.stringify({ query: '{ ordersV2(first: 1) { nodes { order_id } } }' }),
        });
        expect(JSON.stringify(((await res.json()) as { errors?: unknown }).errors ?? null)).toBe('null');
      }
      expect(signals.length).toBe(3);
      await new Promise((r) => setTimeout(r, 3_000));
      // Ended: the deadline timer was cleared, so nothing still holds (or aborts) the answered requests' signals.
      expect(signals.map((s) => s.aborted)).toEqual([false, false, false]);
    } finally {
      await engine.close();
    }
  });
});
