import type { SourceStore } from '../../storage/source-files.js';
import type { AvroContainer } from './avro/container.js';
import { parquetColumnReader, type ColumnReader } from './io/parquet-columns.js';
import { findCurrentMetadata, mapRecordedPath, resolveTableLocation, TableFiles } from './io/table-location.js';
import { DeleteFiles } from './read/delete-files.js';
import { planScan, type ScanPlan, type ScanRequest } from './scan/plan-scan.js';
import { selectSnapshot, type SnapshotSelector } from './scan/select-snapshot.js';
import { currentSchema, parseTableMetadata, type Snapshot, type TableMetadata } from './spec/table-metadata.js';
import type { Schema } from './spec/types.js';

/**
 * An Apache Iceberg table read straight from storage (docs/iceberg.md): one
 * version of its metadata, opened once; snapshots are chosen from it and
 * scans planned against them. Opening again is how a new commit becomes
 * visible: an `IcebergTable` never changes.
 *
 * ```ts
 * const table = await IcebergTable.open('./tables/orders', { store });
 * const snapshot = table.snapshot({ timestampMs: Date.parse('2025-01-01') });
 * const plan = await table.planScan({ snapshot, fields, rowFilter, filter });
 * ```
 */
export interface IcebergTableOptions {
  /** The store the location lives in (local files or S3: the engine's own). */
  readonly store: SourceStore;
  /** Names the product in messages. */
  readonly label?: string;
  /** Relative local locations are resolved against it (the contract's folder). Default: the working directory. */
  readonly baseDir?: string;
  /** Reads the top-level columns and field ids of a data file; default: hyparquet, cached per file version. */
  readonly columns?: ColumnReader;
  /** Decoded manifests by URI, shared across opens of the same table (manifests never change). */
  readonly manifestCache?: Map<string, Promise<AvroContainer>>;
}

export class IcebergTable {
  private constructor(
    readonly metadata: TableMetadata,
    /** The metadata file this version was read from (its URI or absolute path). */
    readonly metadataFile: string,
    private readonly files: TableFiles,
    private readonly options: IcebergTableOptions,
    private readonly columns: ColumnReader,
    private readonly manifestCache: Map<string, Promise<AvroContainer>>,
  ) {}

  static async open(location: string, options: IcebergTableOptions): Promise<IcebergTable> {
    const where = resolveTableLocation(location, options.baseDir);
    const files = new TableFiles(where.root, options.store, options.label ?? '');
    const metadataFile = where.metadataFile ?? (await findCurrentMetadata(files));
    const bytes = await files.readAll(metadataFile, 'the table metadata file', 64 * 1024 * 1024);
    const metadata = parseTableMetadata(new TextDecoder().decode(bytes));
    return new IcebergTable(
      metadata,
      metadataFile,
      files,
      options,
      options.columns ?? parquetColumnReader(),
      options.manifestCache ?? new Map(),
    );
  }

  /**
   * A table whose metadata a catalog answered with (`metadataJson`, the text
   * as the catalog sent it); `metadataLocation` places the table root.
   */
  static fromMetadata(metadataLocation: string, metadataJson: string, options: IcebergTableOptions): IcebergTable {
    const where = resolveTableLocation(metadataLocation, options.baseDir);
    const files = new TableFiles(where.root, options.store, options.label ?? '');
    return new IcebergTable(
      parseTableMetadata(metadataJson),
      where.metadataFile ?? metadataLocation,
      files,
      options,
      options.columns ?? parquetColumnReader(),
      options.manifestCache ?? new Map(),
    );
  }

  /** The configured table root (absolute path or s3:// prefix). */
  get root(): string {
    return this.files.root;
  }

  get schema(): Schema {
    return currentSchema(this.metadata);
  }

  /** The snapshot `asOf` selects; the current one without a selector (null when the table has none). */
  snapshot(selector?: SnapshotSelector): Snapshot | null {
    return selectSnapshot(this.metadata, selector);
  }

  planScan(request: ScanRequest): Promise<ScanPlan> {
    return planScan(
      {
        metadata: this.metadata,
        files: this.files,
        columns: this.columns,
        label: this.options.label ?? '',
        manifestCache: this.manifestCache,
      },
      request,
    );
  }

  /** Where a path recorded in this table's metadata is read from (undefined: outside the table). */
  mapPath(recorded: string): string | undefined {
    return mapRecordedPath(recorded, this.metadata.location, this.files.root);
  }

  /** A delete-file loader for plans of this table (cache its result per table version). */
  deleteFiles(): DeleteFiles {
    return new DeleteFiles((p) => this.mapPath(p), this.options.label ?? '');
  }
}
