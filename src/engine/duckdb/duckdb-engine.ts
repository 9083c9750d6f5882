import { SluiceError } from '../../errors.js';
import type { ScanNode } from '../../plan/plan.js';
import type { SourceDescription } from '../engine-interface.js';
import { quoteString } from '../sql/dialect.js';
import { duckdbDialect } from '../sql/duckdb.js';
import { SqlEngine } from '../sql/sql-engine.js';
import { InProcessDuckDb } from './in-process-duckdb.js';

/**
 * The `duckdb` engine (docs/external-engines.md): plans lowered to DuckDB's SQL and run in
 * this process by `@duckdb/node-api`, over the same Parquet files the
 * embedded engine reads (`read_parquet` of the contract's resolved glob).
 *
 * DuckDB is opened on first use (or by `ready()`), so a deployment whose
 * config names it but whose install lacks the optional dependency starts,
 * and the products routed to it answer SOURCE_UNAVAILABLE saying what to
 * install. Sources in object storage are refused (SOURCE_UNSUPPORTED):
 * DuckDB reads them only through its httpfs extension, which this build
 * does not load. The hash mask is a function registered in the database,
 * computing the policy layer's HMAC in this process: the key never enters
 * a statement.
 */
export interface DuckDbEngineOptions {
  readonly threads?: number;
  /** The hash mask (the policy layer's HMAC with the configured key); undefined: plans that hash are refused. */
  readonly hash?: (value: string) => string;
  readonly describe: (source: string) => Promise<SourceDescription>;
}

const HASH_FUNCTION = 'sluice_hash';

export function createDuckDbEngine(options: DuckDbEngineOptions): SqlEngine {
  let database: Promise<InProcessDuckDb> | undefined;
  const open = () =>
    (database ??= InProcessDuckDb.open({
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.hash !== undefined && { hash: { name: HASH_FUNCTION, compute: options.hash } }),
    }));
  return new SqlEngine({
    name: 'duckdb',
    dialect: duckdbDialect,
    relation: duckdbRelation,
    ...(options.hash !== undefined && { hashFunction: HASH_FUNCTION }),
    run: async (lowered, signal) => (await open()).run(lowered, signal),
    describe: options.describe,
    ready: async () => {
      await open().catch(() => undefined);
    },
    close: async () => {
      const db = await database?.catch(() => undefined);
      db?.close();
      database = undefined;
    },
  });
}

/** `read_parquet('<glob>')` of a local source; object storage and table formats are refused. */
export function duckdbRelation(scan: ScanNode): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(scan.source)) {
    throw new SluiceError(
      'SOURCE_UNSUPPORTED',
      'config',
      `${scan.product}: the duckdb engine reads local Parquet files only (its httpfs and iceberg extensions are not available); route this product to another engine`,
    );
  }
  return `read_parquet(${quoteString(scan.source)})`;
}
