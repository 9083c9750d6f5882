import type { Readable } from 'node:stream';

/**
 * One S3 request, the way the store makes every request: each attempt under
 * its own deadline (an AbortSignal that also bounds reading the body, which
 * nothing in the SDK does), failures sorted into what to do about them, and
 * bounded retries with jittered exponential backoff for the transient ones.
 * The SDK's own retries are off (`maxAttempts: 1` on the client) so that
 * body failures are retried like any other and attempts are counted here.
 *
 * Reasons are built from HTTP statuses, S3 error codes and network error
 * codes only, never from SDK messages, so they can reach a caller: no key,
 * bucket, endpoint or credential ends up in one.
 */

export interface RetryPolicy {
  /** Attempts per request, first included. */
  readonly maxAttempts: number;
  /** The first retry waits between half this and this; each next one twice as long, at most 2 s. */
  readonly baseDelayMs: number;
  /** Deadline of one attempt, from sending the request to the last byte of the body. */
  readonly attemptTimeoutMs: number;
}

/**
 * - `transient`: worth another attempt (5xx, throttling, resets, a truncated or stalled body, a deadline).
 * - `denied`:    403/401; retrying does not help.
 * - `missing`:   404 (NoSuchKey, NoSuchBucket, NotFound).
 * - `changed`:   the object is no longer the version listed (412 on If-Match, another ETag, another size, 416).
 * - `failed`:    anything else (another 4xx, an unparsable answer, no credentials or region).
 */
export type FailureKind = 'transient' | 'denied' | 'missing' | 'changed' | 'failed';

export class S3RequestFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    /** Caller-safe: a status and S3 code, or a network condition. */
    readonly reason: string,
    readonly attempts = 1,
  ) {
    super(reason);
    this.name = 'S3RequestFailure';
  }
}

/** The S3 error codes that mean "slow down" or "try again". */
const TRANSIENT_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'TooManyRequestsException',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** Sorts whatever an attempt threw; `timedOut` says the attempt's own deadline fired. */
export function classify(e: unknown, timedOut: boolean): S3RequestFailure {
  if (e instanceof S3RequestFailure) return e;
  if (timedOut) return new S3RequestFailure('transient', 'no answer within the request deadline');
  const err = e as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number }; message?: unknown } | null;
  const status = err?.$metadata?.httpStatusCode;
  const name = typeof err?.name === 'string' ? err.name : '';
  const code = typeof err?.code === 'string' ? err.code : '';
  if (typeof status === 'number' && status >= 300) {
    const s3Code = /^[A-Za-z]{2,64}$/.test(name) && name !== 'UnknownError' && name !== 'Error' ? ` ${name}` : '';
    const reason = `HTTP ${status}${s3Code}`;
    if (status === 412 || status === 416 || name === 'PreconditionFailed' || name === 'InvalidRange')
      return new S3RequestFailure('changed', reason);
    if (status === 401 || status === 403) return new S3RequestFailure('denied', reason);
    if (status === 404) return new S3RequestFailure('missing', reason);
    if (status >= 500 || status === 429 || TRANSIENT_CODES.has(name)) return new S3RequestFailure('transient', reason);
    return new S3RequestFailure('failed', reason);
  }
  if (NETWORK_CODES.has(code)) return new S3RequestFailure('transient', `connection failed (${code})`);
  const message = typeof err?.message === 'string' ? err.message : '';
  // Node's HTTP client reports a connection closed mid-answer without a code.
  if (/socket hang up|aborted|premature close|ECONNRESET/i.test(message))
    return new S3RequestFailure('transient', 'connection closed before the answer was complete');
  if (name === 'TimeoutError') return new S3RequestFailure('transient', 'connection timed out');
  if (name === 'CredentialsProviderError') return new S3RequestFailure('failed', 'no storage credentials could be loaded');
  return new S3RequestFailure('failed', 'the storage request failed');
}

/**
 * Runs `attempt` until it succeeds, fails for a reason retrying cannot fix,
 * or runs out of attempts. `onAttempt` is called once per request sent.
 * Throws an S3RequestFailure carrying the number of attempts made.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (signal: AbortSignal) => Promise<T>,
  onAttempt: (n: number) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    const signal = AbortSignal.timeout(policy.attemptTimeoutMs);
    onAttempt(n);
    let failure: S3RequestFailure;
    try {
      return await attempt(signal);
    } catch (e) {
      failure = classify(e, signal.aborted);
    }
    if (failure.kind !== 'transient' || n >= policy.maxAttempts) throw new S3RequestFailure(failure.kind, failure.reason, n);
    await sleep(backoff(policy.baseDelayMs, n));
  }
}

/** Full-jitter-ish exponential backoff: in [d/2, d] for d = base·2^(n-1), capped at 2 s. */
export function backoff(baseDelayMs: number, n: number): number {
  const d = Math.min(2000, baseDelayMs * 2 ** (n - 1));
  return d / 2 + Math.random() * (d / 2);
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Reads a response body of exactly `expected` bytes. `signal` (the attempt's
 * deadline) destroys the stream, which releases its socket; so does any
 * early exit. `onBytes` sees every chunk received, counted or not.
 */
export async function readBody(body: Readable, expected: number, signal: AbortSignal, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  const out = new Uint8Array(expected);
  let at = 0;
  const abort = () => body.destroy(new S3RequestFailure('transient', 'the answer stalled past the request deadline'));
  if (signal.aborted) abort();
  signal.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      onBytes(chunk.byteLength);
      if (at + chunk.byteLength > expected) throw new S3RequestFailure('failed', 'the answer was longer than the range asked for');
      out.set(chunk, at);
      at += chunk.byteLength;
    }
  } finally {
    signal.removeEventListener('abort', abort);
    if (!body.readableEnded) body.destroy();
  }
  if (at !== expected) throw new S3RequestFailure('transient', `the answer was cut short (${at} of ${expected} bytes)`);
  return out.buffer;
}
