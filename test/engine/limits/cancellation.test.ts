/**
 * The pacer that lets long synchronous work notice its deadline: a deadline
 * is a timer, which fires only when the event loop turns, so the pacer must
 * yield a turn, not just read `signal.aborted`.
 */
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/engine/limits/cancellation.js';
import { SluiceError } from '../../../src/errors.js';

/** Busy work of about `ms` milliseconds, without yielding. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('Pacer', () => {
  it('lets a deadline timer fire during synchronous work, and then throws QUERY_TIMEOUT', async () => {
    const pacer = new Pacer(AbortSignal.timeout(20), 5);
    let slices = 0;
    const work = (async () => {
      for (;;) {
        spin(2);
        slices++;
        await pacer.pause();
      }
    })();
    const error = await work.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('QUERY_TIMEOUT');
    expect(slices).toBeGreaterThan(1);
  });

  it('yields to other work waiting on the event loop once its slice is used up', async () => {
    const pacer = new Pacer(undefined, 0);
    let other = false;
    setImmediate(() => (other = true));
    spin(1);
    await pacer.pause();
    expect(other).toBe(true);
  });

  it('throws at once for an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(new Pacer(controller.signal).pause()).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
  });
});
