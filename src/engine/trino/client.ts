import { parse as parseLossless } from 'lossless-json';
import { SluiceError } from '../../errors.js';
import type { Row } from '../../plan/scalar.js';
import { queryTimeout } from '../limits/cancellation.js';
import type { LoweredPlan } from '../sql/lower-plan.js';
import { planRows } from '../sql/sql-rows.js';
import { decodeTrinoValue } from './trino-values.js';

/**
 * A client of Trino's REST protocol (docs: develop/client-protocol): POST the
 * statement to /v1/statement, follow `nextUri` until it is absent,
 * collecting `columns` and `data`; DELETE the last `nextUri` to cancel.
 *
 * Written on fetch rather than the `trino-client` package, which parses
 * responses with JSON.parse (rounding bigints past 2^53) and takes no
 * AbortSignal. Responses are parsed with lossless-json.
 *
 * - Session: catalog and schema from the config, time zone UTC (the
 *   dialect reads timestamps without zone as UTC), the PARAMETRIC_DATETIME
 *   capability (else Trino rounds timestamps to milliseconds). The user is
 *   the configured one or, per statement, the caller's; a password, when
 *   configured, goes as HTTP basic authentication, and only to the
 *   configured origin (a `nextUri` elsewhere is refused).
 * - Cancellation: when the signal aborts, the request in flight is dropped,
 *   the statement is cancelled with DELETE (not awaited beyond a second) and
 *   the call fails with QUERY_TIMEOUT.
 * - Errors never carry the engine's message (it may quote the statement or
 *   data): QUERY_TIMEOUT (EXCEEDED_TIME_LIMIT, a cancelled query),
 *   RESOURCE_LIMIT (INSUFFICIENT_RESOURCES errors, NUMERIC_VALUE_OUT_OF_RANGE,
 *   more rows than `maxRows`), SOURCE_UNAVAILABLE (everything else:
 *   unreachable, HTTP errors, a refused statement), naming Trino's error
 *   name, a stable code, for the operator. HTTP 502, 503 and 504 (from
 *   proxies, by the protocol's rule) are retried after 50–100 ms, a few
 *   times.
 */
export interface TrinoClientOptions {
  /** The coordinator, e.g. `https://trino.example:8443`. */
  readonly url: string;
  readonly user: string;
  readonly password?: string;
  readonly catalog: string;
  readonly schema: string;
  /** `X-Trino-Source`, shown in Trino's UI. */
  readonly source?: string;
  /** More rows than this fails the statement with RESOURCE_LIMIT (and cancels it); default no bound. */
  readonly maxRows?: number;
  /** A response body larger than this is refused (SOURCE_UNAVAILABLE); default 64 MiB. */
  readonly maxResponseBytes?: number;
}

export interface StatementOptions {
  readonly signal?: AbortSignal;
  /** The Trino user for this statement (pass-through of the caller); default the configured one. */
  readonly user?: string;
}

export interface TrinoColumn {
  readonly name: string;
  readonly type: string;
}

export interface TrinoResult {
  readonly queryId: string;
  readonly columns: readonly TrinoColumn[];
  /** Rows as Trino encodes them, numbers as lossless-json's LosslessNumber. */
  readonly rows: readonly (readonly unknown[])[];
}

const RETRIED = new Set([502, 503, 504]);
const MAX_ATTEMPTS = 4;

export class TrinoClient {
  private readonly origin: string;

  constructor(private readonly options: TrinoClientOptions) {
    this.origin = new URL(options.url).origin;
  }

  /** Runs a lowered plan (trinoDialect) and returns the plan's rows. */
  async run(lowered: LoweredPlan, options: StatementOptions = {}): Promise<Row[]> {
    const result = await this.execute(lowered.sql, options);
    return planRows(lowered, result.rows, decodeTrinoValue);
  }

  /** Runs one statement to its end. */
  async execute(sql: string, options: StatementOptions = {}): Promise<TrinoResult> {
    const { signal } = options;
    if (signal?.aborted) throw queryTimeout();
    const statement = new Statement(this, options.user ?? this.options.user, signal);
    try {
      return await statement.run(sql);
    } catch (e) {
      statement.cancel();
      if (signal?.aborted) throw queryTimeout();
      throw e;
    }
  }

  /** @internal the request headers of a statement's requests. */
  headers(user: string, first: boolean): Record<string, string> {
    const o = this.options;
    return {
      'X-Trino-User': user,
      ...(o.password !== undefined && { Authorization: `Basic ${Buffer.from(`${user}:${o.password}`).toString('base64')}` }),
      ...(first && {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Trino-Catalog': o.catalog,
        'X-Trino-Schema': o.schema,
        'X-Trino-Time-Zone': 'UTC',
        'X-Trino-Source': o.source ?? 'sluice',
        'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME',
      }),
    };
  }

  /** @internal */
  get config(): TrinoClientOptions & { readonly origin: string } {
    return { ...this.options, origin: this.origin };
  }
}

/** One statement's requests: its last `nextUri` (what cancelling deletes) and what it has received. */
class Statement {
  private next: string | undefined;
  private queryId = '';
  private cancelled = false;

  constructor(
    private readonly client: TrinoClient,
    private readonly user: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async run(sql: string): Promise<TrinoResult> {
    const { url, maxRows } = this.client.config;
    let page = await this.request('POST', new URL('/v1/statement', url).href, sql);
    let columns: TrinoColumn[] | undefined;
    const rows: unknown[][] = [];
    for (;;) {
      this.queryId = typeof page['id'] === 'string' ? page['id'] : this.queryId;
      // What cancelling deletes from here on: absent once the statement ended, in error or not.
      this.next = typeof page['nextUri'] === 'string' ? this.sameOrigin(page['nextUri']) : undefined;
      const error = page['error'];
      if (error !== undefined && error !== null) throw engineError(error);
      if (columns === undefined && Array.isArray(page['columns'])) columns = (page['columns'] as Record<string, unknown>[]).map(columnOf);
      if (Array.isArray(page['data'])) {
        for (const row of page['data'] as unknown[]) {
          if (!Array.isArray(row)) throw malformed();
          rows.push(row);
        }
        if (maxRows !== undefined && rows.length > maxRows) {
          throw new SluiceError('RESOURCE_LIMIT', 'user', `the query returns more than ${maxRows} rows from the trino engine; narrow it`, {
            maxRows,
          });
        }
      }
      if (this.next === undefined) break;
      page = await this.request('GET', this.next);
    }
    if (columns === undefined) throw malformed();
    return { queryId: this.queryId, columns, rows };
  }

  /** Asks Trino to stop the statement (fire and forget: the caller is not kept waiting). */
  cancel(): void {
    const next = this.next;
    if (next === undefined || this.cancelled) return;
    this.cancelled = true;
    fetch(next, { method: 'DELETE', headers: this.client.headers(this.user, false), signal: AbortSignal.timeout(1000) }).then(
      (res) => res.body?.cancel(),
      () => undefined,
    );
  }

  private async request(method: 'POST' | 'GET', url: string, body?: string): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: this.client.headers(this.user, method === 'POST'),
          ...(body !== undefined && { body }),
          ...(this.signal && { signal: this.signal }),
        });
      } catch {
        if (this.signal?.aborted) throw queryTimeout();
        throw unreachable('could not be reached');
      }
      if (RETRIED.has(res.status) && attempt < MAX_ATTEMPTS) {
        await res.body?.cancel();
        await delay(50 + Math.floor(Math.random() * 50), this.signal);
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw unreachable(`answered HTTP ${res.status}`);
      }
      const text = await this.readBody(res);
      let parsed: unknown;
      try {
        parsed = parseLossless(text);
      } catch {
        throw malformed();
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed();
      return parsed as Record<string, unknown>;
    }
  }

  /** The body as text, refusing more than maxResponseBytes before reading it all. */
  private async readBody(res: Response): Promise<string> {
    const max = this.client.config.maxResponseBytes ?? 64 * 2 ** 20;
    const reader = res.body?.getReader();
    if (reader === undefined) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > max) {
          await reader.cancel();
          throw unreachable(`sent a response larger than ${max} bytes`);
        }
        chunks.push(value);
      }
    } catch (e) {
      if (e instanceof SluiceError) throw e;
      if (this.signal?.aborted) throw queryTimeout();
      throw unreachable('closed the connection');
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private sameOrigin(next: string): string {
    let url: URL;
    try {
      url = new URL(next, this.client.config.url);
    } catch {
      throw malformed();
    }
    if (url.origin !== this.client.config.origin)
      throw unreachable('sent a nextUri on another host than the configured url; the operator should align them');
    return url.href;
  }
}

function columnOf(c: Record<string, unknown>): TrinoColumn {
  if (typeof c['name'] !== 'string' || typeof c['type'] !== 'string') throw malformed();
  return { name: c['name'], type: c['type'] };
}

/** Trino's QueryError as one of Sluice's codes; Trino's message stays out (it may quote the statement or data). */
function engineError(error: unknown): SluiceError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const name = typeof e['errorName'] === 'string' ? e['errorName'] : 'UNKNOWN';
  const type = typeof e['errorType'] === 'string' ? e['errorType'] : '';
  if (name === 'EXCEEDED_TIME_LIMIT' || name === 'USER_CANCELED') return queryTimeout();
  if (type === 'INSUFFICIENT_RESOURCES' || name === 'NUMERIC_VALUE_OUT_OF_RANGE') {
    return new SluiceError('RESOURCE_LIMIT', 'user', `the trino engine ran out of a resource for this query (${name}); narrow it`, {
      engineError: name,
    });
  }
  return new SluiceError(
    'SOURCE_UNAVAILABLE',
    'source',
    `the trino engine could not run the query (${name}); the operator should check the engine and its catalog`,
    { engineError: name },
  );
}

const unreachable = (what: string) => new SluiceError('SOURCE_UNAVAILABLE', 'source', `the trino engine ${what}; try again later`);

const malformed = () =>
  new SluiceError(
    'SOURCE_UNAVAILABLE',
    'source',
    'the trino engine sent a response that is not Trino client protocol; check the configured url',
  );

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(queryTimeout());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(queryTimeout());
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
