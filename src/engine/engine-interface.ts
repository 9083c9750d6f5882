import type { PlanNode } from '../plan/plan.js';
import type { Row } from '../plan/scalar.js';
import type { ColumnCacheStats } from './cache/column-cache.js';
import type { MaskValues } from './embedded/execute-plan.js';
import type { ScanBudget } from './limits/scan-budget.js';
import type { ColumnDescription } from './parquet/column-types.js';
import type { ScanReport } from './scan/scan-context.js';
import type { SnapshotSelector } from './table/iceberg/scan/select-snapshot.js';
import type { ResolvedSnapshot } from './table/table-sources.js';
import type { FieldType } from '../contract/contract.js';

/**
 * An engine runs logical plans (src/plan) over a product's sources and
 * describes sources for `contract validate`. Other layers reach it through
 * engine.ts. The embedded engine (embedded/embedded-engine.ts) serves by
 * default; engines elsewhere (sql/sql-engine.ts: DuckDB in-process, Trino
 * over its protocol, the plan lowered to their SQL) implement the same
 * interface, and engine-by-product.ts routes each product's plans.
 *
 * Contract for callers:
 * - One engine per process, shared by concurrent requests; everything
 *   belonging to one execution lives in that call.
 * - Results are rows keyed by contract field name, values in the plan's
 *   representation (src/plan/scalar.ts), plus one `ScanReport` per scan
 *   executed listing every file of the source, pruned ones with
 *   `rowGroupsScanned: 0`; files in object storage also with the bytes
 *   fetched and requests sent for them by this execution.
 * - Consistency: an object found replaced or removed between its listing
 *   and a read (ETag mismatch) makes the execution start over once, over a
 *   fresh listing; never are two versions of an object mixed. If it
 *   changes again, SOURCE_UNAVAILABLE.
 * - Errors: SOURCE_UNAVAILABLE (missing, unlistable or unreadable files,
 *   storage unreachable, refusing or failing after retries, an object that
 *   keeps changing, s3:// sources without an object store), SOURCE_CORRUPT
 *   (not Parquet, a page that cannot be decoded, or a schema that no longer
 *   fits the fields read), QUERY_TIMEOUT (the signal aborted),
 *   RESOURCE_LIMIT (the budget's rows, bytes or memory would be passed:
 *   raised before the row group that would pass it is decoded). Their
 *   messages name the product and the file as shown to users, never an
 *   absolute path or a bucket key. Anything else is a bug and propagates as is.
 */
export interface Engine {
  /**
   * Runs a plan within the caller's budget (rows, bytes, memory), deadline
   * and cancellation (`options.signal`), and reports what it read.
   */
  execute(plan: PlanNode, options?: ExecutionOptions): Promise<ExecutionResult>;
  /**
   * The schema of every file of a source (an absolute glob or an s3:// URI,
   * as in `Contract.source.resolved`), for `contract validate` and start-up
   * checks. Throws SOURCE_UNAVAILABLE when no file matches or a file cannot
   * be read, SOURCE_CORRUPT when a file is not Parquet.
   */
  describeSource(source: string): Promise<SourceDescription>;
  /**
   * The current version of a source (as in `ScanNode.source`): one line
   * `uri etag` per file, as a scan would list them now. What the result
   * cache keys answers by; an engine without it is never cached for.
   * Throws as `execute` would when the source cannot be listed.
   */
  sourceVersion?(source: string): Promise<string>;
  /**
   * Iceberg sources (`Contract.source.resolved` of a `format: iceberg`
   * contract): the snapshot `selector` names, or the current one (null when
   * the table has none yet). BAD_USER_INPUT for an unknown id or ref, a time
   * before the first commit or an expired snapshot; SOURCE_* when the table
   * cannot be read. An engine without it does not serve Iceberg tables.
   */
  resolveSnapshot?(source: string, label: string, selector?: SnapshotSelector): Promise<ResolvedSnapshot | null>;
  /**
   * Iceberg sources, for `contract validate` and start-up: how each field
   * binds to the table's current schema, and the current snapshot planned
   * whole so that a feature Sluice does not read is refused now
   * (SOURCE_UNSUPPORTED, thrown).
   */
  describeTable?(source: string, label: string, fields: readonly TableFieldRequest[]): Promise<TableDescription>;
  /** Resolves once the first query will not pay for start-up work (`serve` waits for it before it says it is ready). Never rejects. */
  ready(): Promise<void>;
  /** Releases threads and connections. Optional: an idle engine does not keep the process alive. */
  close(): Promise<void>;
  /** Figures of the engine's cache of decoded data (for metrics and the benchmark); null when it keeps none. */
  cacheStats(): ColumnCacheStats | null;
}

export interface ExecutionResult {
  readonly rows: Row[];
  readonly scans: ScanReport[];
}

export interface ExecutionOptions {
  /** Checked between row groups; when aborted the execution throws QUERY_TIMEOUT. */
  readonly signal?: AbortSignal;
  /** How to mask values for this execution; defaults to `EngineOptions.maskValues`. */
  readonly maskValues?: MaskValues;
  /** The request's limits on what its scans read (scan-budget.ts), shared by the executions of one request; default none. */
  readonly budget?: ScanBudget;
  /**
   * Receives the scans' reports as they open, so a caller also learns what
   * a failed execution had read (its scan spans); `ExecutionResult.scans`
   * is this array. Emptied when the execution starts over.
   */
  readonly reports?: ScanReport[];
}

/** One file of a source, for `contract validate`. */
export interface SourceFileDescription {
  readonly uri: string;
  readonly etag: string;
  readonly numRows: number;
  readonly rowGroups: number;
  /** Top-level columns in schema order. */
  readonly columns: readonly ColumnDescription[];
}

/** A contract field to bind to an Iceberg table's current schema. */
export interface TableFieldRequest {
  readonly name: string;
  readonly column: string;
  readonly type: FieldType;
  readonly nullable: boolean;
}

export interface TableDescription {
  readonly snapshot: ResolvedSnapshot | null;
  /** By field name, what keeps the field from being read (a missing column, a type that does not fit, nulls in a non-nullable field); absent when it binds. */
  readonly problems: ReadonlyMap<string, string>;
}

export interface SourceDescription {
  readonly files: readonly SourceFileDescription[];
}
