import { setImmediate as nextTurn } from 'node:timers/promises';
import { SluiceError } from '../../errors.js';

/** A query whose signal aborted: cancelled by the caller or past its time limit (docs/errors.md). */
export const queryTimeout = () => new SluiceError('QUERY_TIMEOUT', 'user', 'the query was cancelled or ran out of time');

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw queryTimeout();
}

/**
 * Paces an execution's synchronous work (filling a top-K heap, sorting,
 * aggregating) so it notices its deadline and lets other requests run. A
 * request's deadline is a timer (AbortSignal.timeout) and a client's
 * disconnect an I/O event: neither can abort the signal while a loop holds
 * the event loop, so checking `signal.aborted` without yielding sees
 * nothing, and `/health` waits as long as the loop runs. `pause` is called
 * between slices of work (a few thousand rows); it throws QUERY_TIMEOUT once
 * the signal aborted, and once `sliceMs` of work went by since the last turn
 * it yields one turn of the event loop, where timers, sockets and other
 * requests run.
 */
export class Pacer {
  private lastTurn = performance.now();

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly sliceMs = 10,
  ) {}

  readonly pause = async (): Promise<void> => {
    throwIfAborted(this.signal);
    if (performance.now() - this.lastTurn < this.sliceMs) return;
    await nextTurn();
    this.lastTurn = performance.now();
    throwIfAborted(this.signal);
  };
}
