/**
 * A small Apache Iceberg table writer (format v2) for the project's own
 * demo and benchmark tables: Parquet data files written by DuckDB with
 * field ids, manifests and manifest lists as Avro container files, position
 * and equality deletes, tags, time travel. The gateway never writes tables;
 * this lives with the scripts that make them (scripts/generate-demo-iceberg.ts,
 * bench/generate.ts). The reader's tests rest on tables written by other
 * writers (test/fixtures/iceberg); this writer is checked against that reader
 * and against DuckDB (test/scripts/iceberg-writer.test.ts).
 */
export {
  IcebergTableWriter,
  uuidFrom,
  type CommitRequest,
  type SnapshotInfo,
  type TableDefinition,
  type TableFile,
} from './table-writer.js';
export type { PartitionField, PrimitiveTypeName, SchemaField, TableSchema, TransformName } from './schema.js';
export type { WriterValue } from './single-value.js';
