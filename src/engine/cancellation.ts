import { SluiceError } from '../errors.js';

/** A query whose signal aborted: cancelled by the caller or past its time limit (SPEC §6). */
export const queryTimeout = () => new SluiceError('QUERY_TIMEOUT', 'user', 'the query was cancelled or ran out of time');

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw queryTimeout();
}
