import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { internalError, SluiceError } from '../../errors.js';
import type { Nullable, Row } from '../../plan/scalar.js';
import { queryTimeout } from '../limits/cancellation.js';
import type { LoweredPlan, SqlColumn } from '../sql/lower-plan.js';
import { planRows } from '../sql/sql-rows.js';

/**
 * DuckDB in this process, running statements lowered with `duckdbDialect`
 * (src/engine/sql/duckdb.ts) and returning the plan's rows.
 *
 * `@duckdb/node-api` is loaded on first use, so a deployment that never
 * routes a product to DuckDB does not need it installed. The hash mask is a
 * scalar function registered under `hash.name` whose body (`hash.compute`,
 * the policy layer's HMAC with the configured key) runs in this process:
 * the key is never part of a statement. The database runs with
 * TimeZone = 'UTC' (the dialect relies on it) and the configured threads.
 */
export interface InProcessDuckDbOptions {
  /** Worker threads DuckDB may use; its default is one per core. */
  readonly threads?: number;
  /** The hash mask: the function name the lowering calls, and what it computes. */
  readonly hash?: { readonly name: string; readonly compute: (value: string) => string };
}

export class InProcessDuckDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly setup: DuckDBConnection,
  ) {}

  static async open(options: InProcessDuckDbOptions = {}): Promise<InProcessDuckDb> {
    let api: typeof import('@duckdb/node-api');
    try {
      api = await import('@duckdb/node-api');
    } catch {
      throw new SluiceError(
        'SOURCE_UNAVAILABLE',
        'config',
        'the duckdb engine needs the optional dependency @duckdb/node-api: install it, or route the product to another engine',
      );
    }
    const instance = await api.DuckDBInstance.create(':memory:', options.threads !== undefined ? { threads: String(options.threads) } : {});
    const setup = await instance.connect();
    // TimeZone is ICU's setting (built in, loaded on demand); GLOBAL so every connection has it.
    await setup.run("LOAD icu; SET GLOBAL TimeZone = 'UTC'");
    if (options.hash !== undefined) registerStringFunction(api, setup, options.hash.name, options.hash.compute);
    return new InProcessDuckDb(instance, setup);
  }

  /**
   * Runs one lowered statement on a connection of its own (one statement at
   * a time per connection; connections are cheap). An abort interrupts it:
   * QUERY_TIMEOUT.
   */
  async run(lowered: LoweredPlan, signal?: AbortSignal): Promise<Row[]> {
    if (signal?.aborted) throw queryTimeout();
    const connection = await this.instance.connect();
    const interrupt = () => connection.interrupt();
    signal?.addEventListener('abort', interrupt, { once: true });
    try {
      const reader = await connection.runAndReadAll(lowered.sql);
      return planRows(lowered, reader.getRows(), decodeDuckDbValue);
    } catch (e) {
      if (signal?.aborted) throw queryTimeout();
      throw engineFailure(e);
    } finally {
      signal?.removeEventListener('abort', interrupt);
      connection.closeSync();
    }
  }

  close(): void {
    this.setup.closeSync();
    this.instance.closeSync();
  }
}

/**
 * DuckDB's failure as one of Sluice's codes, without DuckDB's message (it
 * quotes the statement, file paths and values): RESOURCE_LIMIT when it ran
 * out of memory or a number out of its type's range, SOURCE_UNAVAILABLE
 * otherwise (files missing or unreadable, a statement it refused). Errors
 * that are already Sluice's (a value that cannot be converted, too many
 * groups) pass unchanged.
 */
function engineFailure(e: unknown): unknown {
  if (e instanceof SluiceError) return e;
  const message = e instanceof Error ? e.message : '';
  if (/^(Out of Memory Error|Overflow Error)|out of range|overflow/i.test(message)) {
    return new SluiceError(
      'RESOURCE_LIMIT',
      'user',
      "the duckdb engine ran out of memory or of a number type's range for this query; narrow it",
    );
  }
  const kind = /^([A-Za-z ]+ Error):/.exec(message)?.[1] ?? 'an error';
  return new SluiceError(
    'SOURCE_UNAVAILABLE',
    'source',
    `the duckdb engine could not run the query (${kind}); the operator should check the product's files`,
  );
}

/**
 * Registers `compute` as a scalar function VARCHAR → VARCHAR (NULL in, NULL
 * out), in the database's catalog: every later connection sees it. The
 * function runs in this process, in JavaScript.
 */
export function registerStringFunction(
  api: typeof import('@duckdb/node-api'),
  connection: DuckDBConnection,
  name: string,
  compute: (value: string) => string,
): void {
  connection.registerScalarFunction(
    api.DuckDBScalarFunction.create({
      name,
      mainFunction: (_info, input, output) => {
        const values = input.getColumnVector(0);
        for (let i = 0; i < input.rowCount; i++) {
          const v = values.getItem(i);
          output.setItem(i, v === null ? null : compute(String(v)));
        }
        output.flush();
      },
      returnType: api.VARCHAR,
      parameterTypes: [api.VARCHAR],
    }),
  );
}

/**
 * A DuckDB value (as `getRows()` gives them) in the plan's representation.
 * The lowering casts every column to its field's type, so each kind of
 * value arrives in one shape: numbers and bigints as JS values (a sum of
 * integers as a HUGEINT bigint), dates as `{ days }`, timestamps as
 * `{ micros }`.
 */
export function decodeDuckDbValue(v: unknown, column: SqlColumn): Nullable {
  switch (column.value) {
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      break;
    case 'number':
      if (typeof v === 'number') return v;
      // BIGINT counts and a bigint round mask over an int32 field: exact below 2^53.
      if (typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n) return Number(v);
      break;
    case 'bigint':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
      break;
    case 'date':
      if (typeof v === 'object' && v !== null && 'days' in v && typeof v.days === 'number') return v.days;
      break;
    case 'timestamp':
      if (typeof v === 'object' && v !== null && 'micros' in v && typeof v.micros === 'bigint') return v.micros;
      break;
  }
  throw internalError(`duckdb returned ${typeof v} for ${column.name} (${column.value})`);
}
