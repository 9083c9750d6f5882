import { backoff } from '../../storage/s3-requests.js';

/**
 * One HTTP request to a catalog, the way the client makes every request:
 * each attempt under its own deadline (the body included), bounded retries
 * with jittered exponential backoff for what another attempt may fix (5xx,
 * 429, resets, deadlines), and a cap on the size of an answer. Statuses a
 * retry cannot change (2xx, 304, 4xx) come back to the caller, which knows
 * what they mean for its route.
 *
 * Redirects are refused: a catalog API does not redirect, and following one
 * would carry the Authorization header to wherever it pointed.
 */
export interface CatalogRequestPolicy {
  /** Attempts per request, the first included. */
  readonly maxAttempts: number;
  /** First backoff; doubles per retry, at most 2 s. */
  readonly baseDelayMs: number;
  /** Deadline of one attempt, from sending to the last byte of the answer. */
  readonly attemptTimeoutMs: number;
  /** Answers longer than this are refused (table metadata of a long-lived table runs to megabytes). */
  readonly maxResponseBytes: number;
}

export interface CatalogRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface CatalogResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Attempts made, this one included. */
  readonly attempts: number;
}

/**
 * Why a catalog request did not give what was asked for:
 * - `transient`:   retried and still failing (5xx, 429, a network failure, a deadline).
 * - `denied`:      401/403 (after one new token, for client credentials).
 * - `missing`:     404, no such table (or warehouse).
 * - `unsupported`: the catalog requires something Sluice does not do (server-side scan planning, remote signing).
 * - `failed`:      anything else: another 4xx, an answer that cannot be used.
 * `reason` is statuses and conditions only, never a URL or a catalog's
 * words, so it may reach a caller; `detail` is for the operator's log
 * (already scrubbed of secrets).
 */
export class CatalogFailure extends Error {
  constructor(
    readonly kind: 'transient' | 'denied' | 'missing' | 'unsupported' | 'failed',
    readonly reason: string,
    readonly attempts = 1,
    readonly detail: Readonly<Record<string, unknown>> = {},
  ) {
    super(reason);
    this.name = 'CatalogFailure';
  }
}

/** Sends `request` until it gets an answer a retry cannot change. `onAttempt(n)` is called per request sent. */
export async function sendToCatalog(
  request: CatalogRequest,
  policy: CatalogRequestPolicy,
  onAttempt: (n: number) => void,
): Promise<CatalogResponse> {
  for (let n = 1; ; n++) {
    onAttempt(n);
    const signal = AbortSignal.timeout(policy.attemptTimeoutMs);
    let reason: string;
    let wait = 0;
    try {
      const res = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined && { body: request.body }),
        redirect: 'manual',
        signal,
      });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel();
        throw new CatalogFailure('failed', `HTTP ${res.status} (a redirect, which is not followed)`, n);
      }
      if (res.status < 500 && res.status !== 429) {
        return { status: res.status, headers: res.headers, text: await readText(res, policy.maxResponseBytes, n), attempts: n };
      }
      await res.body?.cancel();
      reason = `HTTP ${res.status}`;
      wait = retryAfterMs(res.headers.get('retry-after'));
    } catch (e) {
      if (e instanceof CatalogFailure) throw e;
      reason = signal.aborted ? 'no answer within the request deadline' : 'the connection failed';
    }
    if (n >= policy.maxAttempts) throw new CatalogFailure('transient', reason, n);
    await sleep(Math.max(backoff(policy.baseDelayMs, n), wait));
  }
}

async function readText(res: Response, maxBytes: number, attempts: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new CatalogFailure('failed', `an answer longer than ${maxBytes} bytes`, attempts);
  }
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new CatalogFailure('failed', `an answer longer than ${maxBytes} bytes`, attempts);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A 503's or 429's Retry-After in seconds, honoured up to 2 s (the longest backoff). */
function retryAfterMs(value: string | null): number {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, 2000) : 0;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Every secret the client has held (the client secret, tokens, vended
 * storage credentials), to scrub from anything it logs that came from the
 * catalog, such as an error message (catalogs have echoed tokens in them).
 * Only the latest few hundred are kept: older tokens and keys have expired.
 */
export class Secrets {
  private readonly recent: string[] = [];

  /** `permanent`: the configured credentials, kept for the client's life. */
  constructor(private readonly permanent: readonly string[] = []) {}

  add(value: string | undefined): void {
    if (value === undefined || value.length < 4 || this.recent.includes(value)) return;
    this.recent.push(value);
    if (this.recent.length > 256) this.recent.shift();
  }

  /** `text` without any secret, cut to `max` characters. */
  scrub(text: string, max = 300): string {
    let out = text;
    for (const v of [...this.permanent, ...this.recent]) if (v.length >= 4) out = out.split(v).join('[redacted]');
    return out.length > max ? `${out.slice(0, max)}…` : out;
  }
}
