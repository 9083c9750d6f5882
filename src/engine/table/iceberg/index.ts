/**
 * Apache Iceberg tables as sources (docs/iceberg.md). Laid out after iceberg-rust:
 * `spec/` (metadata, schemas, partition transforms, manifests as data),
 * `avro/` (container files), `io/` (locations, path mapping, reads through
 * the engine's stores), `scan/` (snapshot selection, field binding,
 * pruning, planning files and deletes), `read/` (delete files and the
 * reference reader).
 *
 * What the engine's scan uses: open a table, pick a snapshot, plan a scan,
 * then per data file task read the `column` fields by physical name (or
 * fill the `constant` ones), drop the positions of its position deletes and
 * the rows matching its equality deletes (`DeleteFiles`), before any filter,
 * count or aggregate sees a row.
 */
export { IcebergTable, type IcebergTableOptions } from './table.js';
export type { SnapshotSelector } from './scan/select-snapshot.js';
export type { DataFileTask, DeleteFileTask, EqualityDeleteTask, ScanPlan, ScanRequest } from './scan/plan-scan.js';
export { bindFields, servingProblem, toScalar, type BoundField, type FieldRead, type FieldRequest } from './scan/bind-fields.js';
export { DeleteFiles, rowKey, type EqualityDeleteSet } from './read/delete-files.js';
export { readPlanRows, readTaskRows, type IcebergRow } from './read/reference-reader.js';
export type { Snapshot, TableMetadata } from './spec/table-metadata.js';
export type { IcebergValue } from './spec/values.js';
