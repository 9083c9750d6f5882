import { exprKey } from '../../plan/expr.js';
import { sourceFailure, type SourceStore } from '../storage/source-files.js';
import { isS3Uri } from '../storage/s3-location.js';
import type { S3SourceStore } from '../storage/s3-store.js';
import type { AvroContainer } from './iceberg/avro/container.js';
import { parquetColumnReader, type ColumnReader } from './iceberg/io/parquet-columns.js';
import type { DeleteFiles } from './iceberg/read/delete-files.js';
import type { ScanPlan, ScanRequest } from './iceberg/scan/plan-scan.js';
import type { SnapshotSelector } from './iceberg/scan/select-snapshot.js';
import { IcebergTable } from './iceberg/table.js';
import { parseTableIdentifier, type TableCatalog } from './catalog/table-catalog.js';

/**
 * The Iceberg tables contracts name, by their resolved source (an absolute
 * table root or metadata file, an `s3://` location, or
 * `catalog:<catalog>/<namespace.table>`), each kept as one immutable
 * `IcebergTable` version and opened again at most once per refresh interval:
 * so an unchanged table's metadata is read once per interval, and a new
 * commit becomes visible within it (docs/iceberg.md: 60 seconds at most).
 *
 * A snapshot asked for by id that the kept version does not know (a cursor
 * minted by a replica that saw a newer commit) makes the table be opened
 * again at once, at most once a second; only then is the id unknown.
 *
 * Manifests, footers' field ids and delete files never change once
 * written, so their caches outlive versions (manifests and footers) or live
 * as long as a version (delete files, and scan plans: the same snapshot,
 * fields and filters plan the same files while the version is used).
 */
export interface TableSourcesOptions {
  /** Local files (and anything not `s3://`). */
  readonly store: SourceStore;
  /** `s3://` tables; without one they are SOURCE_UNAVAILABLE. */
  readonly objectStore?: SourceStore;
  /** How long a table version is used before the metadata is looked at again; default 60 s. */
  readonly refreshMs?: number;
  /** Catalogs of sluice.yaml by name (`source: { catalog, table }`). */
  readonly catalogs?: ReadonlyMap<string, TableCatalog>;
}

export const DEFAULT_TABLE_REFRESH_MS = 60_000;
/** Re-opening a table for a snapshot id it does not know happens at most this often. */
const UNKNOWN_SNAPSHOT_RETRY_MS = 1000;
/** Decoded manifests kept per table (they are small; a table with more is cleared and re-read). */
const MAX_MANIFESTS = 4096;
/** Scan plans kept per table version, and the longest request key kept (a long in-list is planned each time). */
const MAX_PLANS = 256;
const MAX_PLAN_KEY = 4096;

/** A snapshot a request reads: its id exactly as recorded, and when it was committed. */
export interface ResolvedSnapshot {
  readonly id: string;
  readonly timestampMs: number;
}

interface Entry {
  version: Promise<IcebergTable>;
  openedAt: number;
  /** The delete-file loader of the current version (its cache lives as long as the version). */
  deletes: WeakMap<IcebergTable, DeleteFiles>;
  /** Scan plans of a version by request. */
  plans: WeakMap<IcebergTable, Map<string, Promise<ScanPlan>>>;
}

export class TableSources {
  private readonly entries = new Map<string, Entry>();
  private readonly manifests = new Map<string, Map<string, Promise<AvroContainer>>>();
  private readonly columns: ColumnReader = parquetColumnReader();
  private readonly refreshMs: number;

  constructor(private readonly options: TableSourcesOptions) {
    this.refreshMs = options.refreshMs ?? DEFAULT_TABLE_REFRESH_MS;
  }

  /** The table's version to read now (reopened when older than the refresh interval). */
  async table(source: string, label: string): Promise<IcebergTable> {
    const now = Date.now();
    const entry = this.entries.get(source);
    if (entry !== undefined && now - entry.openedAt < this.refreshMs) return entry.version;
    return this.reopen(source, label, entry);
  }

  /**
   * The snapshot `selector` names (the current one without), resolved
   * against the table's version now; null when the table has no snapshot
   * yet. BAD_USER_INPUT for an unknown id or ref, a time before the first
   * commit, or a snapshot that has expired.
   */
  async resolve(source: string, label: string, selector?: SnapshotSelector): Promise<ResolvedSnapshot | null> {
    const table = await this.withSnapshot(
      source,
      label,
      selector !== undefined && 'snapshotId' in selector ? String(selector.snapshotId) : undefined,
    );
    const snapshot = table.snapshot(selector);
    return snapshot === null ? null : { id: snapshot.id, timestampMs: snapshot.timestampMs };
  }

  /** The table's version that knows `snapshotId` if any does (reopened once when the kept one does not). */
  async withSnapshot(source: string, label: string, snapshotId: string | undefined): Promise<IcebergTable> {
    const table = await this.table(source, label);
    if (snapshotId === undefined || knows(table, snapshotId)) return table;
    const entry = this.entries.get(source);
    if (entry !== undefined && Date.now() - entry.openedAt < UNKNOWN_SNAPSHOT_RETRY_MS) return table;
    return this.reopen(source, label, entry);
  }

  /** The delete-file loader of a table version, shared by the scans of that version. */
  deleteFiles(source: string, table: IcebergTable): DeleteFiles {
    const entry = this.entries.get(source);
    let found = entry?.deletes.get(table);
    if (found === undefined) {
      found = table.deleteFiles();
      entry?.deletes.set(table, found);
    }
    return found;
  }

  /**
   * `table.planScan(request)`, made once per version of the table for the
   * same request: planning reads no file that can change while the version
   * is used (manifests and data files are immutable; a changed data file
   * fails its read, as any), and a warm query should not pay for decoding
   * manifest entries and looking up every data file again.
   */
  planScan(source: string, table: IcebergTable, request: ScanRequest): Promise<ScanPlan> {
    const entry = this.entries.get(source);
    const key = planKey(request);
    if (entry === undefined || key === undefined) return table.planScan(request);
    let plans = entry.plans.get(table);
    if (plans === undefined) entry.plans.set(table, (plans = new Map()));
    let plan = plans.get(key);
    if (plan === undefined) {
      if (plans.size >= MAX_PLANS) plans.clear();
      plan = table.planScan(request);
      plans.set(key, plan);
      // A failed plan is not kept: the next request plans again.
      plan.catch(() => {
        if (plans.get(key) === plan) plans.delete(key);
      });
    }
    return plan;
  }

  private reopen(source: string, label: string, previous: Entry | undefined): Promise<IcebergTable> {
    const version = this.open(source, label);
    const entry: Entry = {
      version,
      openedAt: Date.now(),
      deletes: previous?.deletes ?? new WeakMap(),
      plans: previous?.plans ?? new WeakMap(),
    };
    this.entries.set(source, entry);
    // A failed open is not kept: the next request tries again (and a previous version is not served in its place).
    version.catch(() => {
      if (this.entries.get(source) === entry) this.entries.delete(source);
    });
    return version;
  }

  private async open(source: string, label: string): Promise<IcebergTable> {
    let manifestCache = this.manifests.get(source);
    if (manifestCache === undefined) this.manifests.set(source, (manifestCache = new Map()));
    if (manifestCache.size > MAX_MANIFESTS) manifestCache.clear();
    const common = { label, columns: this.columns, manifestCache };
    const catalogTable = /^catalog:([^/]+)\/(.+)$/.exec(source);
    if (catalogTable === null) return IcebergTable.open(source, { ...common, store: this.storeFor(source, label) });

    const [, catalogName, tableText] = catalogTable;
    const catalog = this.options.catalogs?.get(catalogName!);
    if (catalog === undefined)
      throw sourceFailure('SOURCE_UNAVAILABLE', label, `the catalog ${catalogName} is not configured in sluice.yaml`);
    const identifier = parseTableIdentifier(tableText!);
    if (typeof identifier === 'string') throw sourceFailure('SOURCE_UNAVAILABLE', label, identifier);
    const answer = await catalog.loadTable(identifier, label);
    if (answer.metadataLocation === undefined)
      throw sourceFailure('SOURCE_UNAVAILABLE', label, 'the catalog names no metadata location for the table');
    // Vended credentials sign the table's reads; the store asks each for a fresh secret when it renews.
    const base = this.storeFor(answer.metadataLocation, label);
    const store: SourceStore =
      answer.storage.length === 0 || !isS3Uri(answer.metadataLocation)
        ? base
        : { list: (pattern, l) => (base as S3SourceStore).list(pattern, l, answer.storage) };
    return IcebergTable.fromMetadata(answer.metadataLocation, answer.metadataJson, { ...common, store });
  }

  private storeFor(location: string, label: string): SourceStore {
    if (!isS3Uri(location)) return this.options.store;
    if (this.options.objectStore === undefined)
      throw sourceFailure('SOURCE_UNAVAILABLE', label, 'the table is in object storage, and no object store is configured');
    return this.options.objectStore;
  }
}

/** What makes two scan requests plan alike; undefined: not worth keeping (too long). */
function planKey(r: ScanRequest): string | undefined {
  const fields = r.fields.map((f) => `${f.name}\u0000${f.column}\u0000${f.type ?? ''}`).join('\u0001');
  const key = [
    r.snapshot?.id ?? '',
    fields,
    r.rowFilter === undefined ? '' : exprKey(r.rowFilter),
    r.filter === undefined ? '' : exprKey(r.filter),
  ].join('\u0002');
  return key.length > MAX_PLAN_KEY ? undefined : key;
}

function knows(table: IcebergTable, snapshotId: string): boolean {
  try {
    return table.snapshot({ snapshotId }) !== null;
  } catch {
    return false;
  }
}
