import type { Batch } from '../columnar/batch.js';
import type { ColumnCache } from '../cache/column-cache.js';
import type { VisibleStatistics } from '../index/visible-stats.js';
import type { ScanBudget } from '../limits/scan-budget.js';
import type { DecodePool } from '../parquet/decode-pool.js';
import type { OpenSourceFile } from '../parquet/read-row-groups.js';
import type { SourceObject } from '../storage/source-files.js';
import type { TableSources } from '../table/table-sources.js';
import type { SortBound } from './prune-row-groups.js';

/** What a scan is given (its context, and the order a top-K above asks for) and what it reports (lineage, metrics, spans). */

/** One file's share of a scan, as reported in lineage. */
export interface SourceFileReport {
  readonly uri: string;
  readonly etag: string;
  /** Row groups decoded; pruned and never-reached groups are not counted. */
  rowGroupsScanned: number;
  readonly rowGroupsTotal: number;
  /** Rows in the decoded row groups (before filters). */
  rowsScanned: number;
  /** Compressed bytes of the column chunks read (from the footer), cache hits included: the budget's measure. */
  bytesRead: number;
  /**
   * When this execution started its first read of the file, as a
   * `performance.now()` timestamp (tracing turns it into the span's clock);
   * absent when nothing was read.
   */
  readStartedAt?: number;
  /** When its last read of the file ended. */
  readEndedAt?: number;
  /** Object storage only: body bytes received for this file by this execution, retries included; cache hits cost nothing. */
  bytesFetched?: number;
  /** Object storage only: requests sent for this file by this execution, retries included. */
  requests?: number;
  /** Iceberg: set on the delete files a scan applied (docs/iceberg.md); data files have none. */
  readonly role?: 'delete';
}

export interface ScanReport {
  readonly product: string;
  readonly major: number;
  readonly version: string;
  /** Files read by the embedded engine; empty when an external engine ran the scan (it reads through its own catalog). */
  readonly sources: SourceFileReport[];
  /** The external engine that ran the statement holding this scan; absent: the embedded engine. */
  readonly engine?: 'duckdb' | 'trino';
  /** `sha256:<hex>` of the statement text sent to that engine: which statement ran, never what it said. */
  readonly statementHash?: string;
  /** Rows the external engine sent back for the statement (what crossed the wire), for metrics and the benchmark. */
  readonly rowsReturned?: number;
  /** Iceberg: the snapshot read (its id exactly as the metadata records it). */
  readonly snapshot?: { readonly id: string; readonly timestampMs: number };
  /** Iceberg: manifests read of the snapshot's (the others pruned unread, their files not listed). */
  readonly manifests?: { readonly read: number; readonly total: number };
}

/** What a scan needs from the engine: listing and cached opened files. */
export interface SourceAccess {
  list(pattern: string, label: string): Promise<SourceObject[]>;
  open(object: SourceObject, label: string): Promise<OpenSourceFile>;
}

/**
 * A top-K sort above the scan (through filters and projections) asking for
 * its rows best-first. The scan visits row groups in order of the first
 * key's statistics and asks before each whether it can still contribute;
 * `stopBefore` must be monotone (once true for a bound, true for every worse
 * one) because the scan ends at the first true. Within a row group, once
 * `narrowing()`, the scan decodes the key and filter columns first and the
 * rest only for `candidates` that could still enter the top-K.
 */
export interface ScanOrder {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
  readonly nullsLast: boolean;
  readonly keyFields: readonly string[];
  stopBefore(bound: SortBound): boolean;
  narrowing(): boolean;
  candidates(b: Batch): Batch;
  /** Rows the top-K still lacks to be full. */
  shortBy(): number;
  /** At most how many of a batch's first live rows can still matter (Infinity: any); the scan stops filtering there. */
  firstRowsEnough(b: Batch): number;
}

export interface ScanContext {
  readonly access: SourceAccess;
  readonly decoder: DecodePool;
  /** Decoded column chunks shared by executions; undefined: none. */
  readonly columns?: ColumnCache;
  readonly signal: AbortSignal | undefined;
  readonly reports: ScanReport[];
  /** The request's limits on rows, bytes and decoded memory; undefined: none. */
  readonly budget?: ScanBudget;
  /** Statistics of row-filtered row groups' visible rows, shared by executions (visible-stats.ts); undefined: none kept. */
  readonly visible?: VisibleStatistics;
  /** Iceberg tables by source (table-sources.ts); undefined: scans of tables are refused. */
  readonly tables?: TableSources;
}
