/**
 * The engine folder's one public entry: other layers import only from here
 * (tests may reach inside). The interface every engine implements is in
 * engine-interface.ts; the embedded engine (embedded/embedded-engine.ts)
 * serves by default, DuckDB and Trino (sql-engine.ts) when `execution:`
 * routes products to them (engine-by-product.ts).
 */
export type {
  Engine,
  ExecutionOptions,
  ExecutionResult,
  SourceDescription,
  SourceFileDescription,
  TableDescription,
  TableFieldRequest,
} from './engine-interface.js';
export type { ResolvedSnapshot } from './table/table-sources.js';
export type { SnapshotSelector } from './table/iceberg/scan/select-snapshot.js';
export { catalogsFromConfig } from './table/catalog/catalogs-from-config.js';
export type { TableCatalog } from './table/catalog/table-catalog.js';
export { EmbeddedEngine, DEFAULT_COLUMN_CACHE_BYTES, type EngineOptions } from './embedded/embedded-engine.js';
export { checkColumnType, type ColumnDescription } from './parquet/column-types.js';
export type { ScanReport, SourceFileReport } from './scan/scan-context.js';
export type { MaskValues } from './embedded/execute-plan.js';
export type { ColumnCacheStats } from './cache/column-cache.js';
export { ScanBudget, type ScanLimits, type ScanUsage } from './limits/scan-budget.js';
export { SourceChanged, type ByteRangeReader, type ReadMeter, type SourceObject, type SourceStore } from './storage/source-files.js';
export { S3SourceStore, type DelegatedS3Access, type S3Credentials, type S3StoreOptions, type S3StoreStats } from './storage/s3-store.js';
export { EngineByProduct } from './engine-by-product.js';
export { SqlEngine } from './sql/sql-engine.js';
export { createDuckDbEngine, type DuckDbEngineOptions } from './duckdb/duckdb-engine.js';
export { createTrinoEngine, type TrinoEngineOptions } from './trino/trino-engine.js';
