/**
 * A small Apache Iceberg table writer (format v2) for the project's own
 * demo and benchmark tables. Never used by the gateway, which only reads.
 *
 * ```ts
 * const table = await IcebergTableWriter.create({ dir, location: 's3://demo/warehouse/events', tableUuid, schema, partitionSpec, createdMs });
 * const files = await table.writeDataFiles(`SELECT ... ORDER BY event_id`);   // one Parquet file per partition
 * await table.commit({ timestampMs, add: files });                           // snapshot 1: append
 * await table.commit({ timestampMs, positionDeletes: [{ file, positions }] }); // snapshot 2: row-level delete
 * await table.tag('initial-load', snapshotId, timestampMs);
 * await table.close();
 * ```
 *
 * Each commit writes what a Java writer would: the new data or delete
 * files' manifests (ADDED entries, sequence numbers left to inheritance),
 * manifests rewritten with DELETED and EXISTING entries where files are
 * removed, a manifest list carrying every other manifest over unchanged,
 * then `metadata/v<N>.metadata.json` and `version-hint.text`. Paths are
 * recorded under the table's `location` (which need not be where the files
 * are: readers map recorded paths onto where they find the table).
 *
 * Everything is deterministic: snapshot ids, file names and sync markers
 * derive from the table uuid and a counter, timestamps are the caller's.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { stringify } from 'lossless-json';
import { writeAvroContainer } from './avro-container.js';
import { avroName, manifestEntrySchemas, manifestListSchemas } from './manifest-schemas.js';
import {
  castToSchema,
  ident,
  literal,
  openDuckDB,
  parquetOptions,
  partitionSql,
  quote,
  writeEqualityDeletes,
  writePositionDeletes,
} from './parquet-files.js';
import { compare, parquetMetrics, type FileMetrics } from './parquet-metrics.js';
import {
  applyTransform,
  checkSchema,
  FILE_PATH_FIELD,
  FIRST_PARTITION_FIELD_ID,
  humanPartitionValue,
  partitionResultType,
  POS_FIELD,
  schemaJson,
  specFieldsJson,
  type PartitionField,
  type PrimitiveTypeName,
  type TableSchema,
} from './schema.js';
import { encodeSingleValue, type WriterValue } from './single-value.js';

export interface TableDefinition {
  /** Where the table is written on this machine (its root: `data/` and `metadata/` go under it). */
  readonly dir: string;
  /** The location recorded in the metadata, e.g. `s3://sluice-demo/warehouse/order_events`. */
  readonly location: string;
  readonly tableUuid: string;
  readonly schema: TableSchema;
  /** Empty or absent: unpartitioned. */
  readonly partitionSpec?: readonly PartitionField[];
  readonly properties?: Readonly<Record<string, string>>;
  /** `last-updated-ms` of the first metadata version (the table's creation, before any snapshot). */
  readonly createdMs: number;
}

export type FileContent = 'data' | 'position-deletes' | 'equality-deletes';

/** A file of the table (data or deletes), as its manifest entry records it. */
export interface TableFile {
  readonly content: FileContent;
  /** Where it is on this machine. */
  readonly localPath: string;
  /** Its path as recorded (under the table's location). */
  readonly path: string;
  /** The partition tuple, one value per partition field, in the transforms' result types. */
  readonly partition: readonly (WriterValue | null)[];
  readonly metrics: FileMetrics;
  /** Known NaN counts by field id (footers do not say; absent means unknown). */
  readonly nanValueCounts?: ReadonlyMap<number, bigint>;
  readonly equalityIds?: readonly number[];
  readonly referencedDataFile?: string;
}

export interface CommitRequest {
  readonly timestampMs: number;
  /** Default: derived from the table uuid and the sequence number. */
  readonly snapshotId?: bigint;
  /** Data files written by writeDataFiles / addParquetFile and not yet committed. */
  readonly add?: readonly TableFile[];
  /** Rows to delete by position (0-based row numbers of live data files). */
  readonly positionDeletes?: readonly { readonly file: TableFile; readonly positions: readonly number[] }[];
  /**
   * Rows to delete by value of `columns`; in a partitioned table each
   * delete applies only inside the partition of `partitionOf` (spec), and
   * is required.
   */
  readonly equalityDeletes?: readonly {
    readonly columns: readonly string[];
    readonly rows: readonly (readonly (WriterValue | null)[])[];
    readonly partitionOf?: TableFile;
  }[];
  /** Live data or delete files to remove (their entries become DELETED). */
  readonly remove?: readonly TableFile[];
  /** `replace`: the caller asserts that the rows did not change (a compaction). Otherwise derived from what changes. */
  readonly operation?: 'replace';
}

export interface SnapshotInfo {
  readonly snapshotId: bigint;
  readonly parentId?: bigint;
  readonly sequenceNumber: bigint;
  readonly timestampMs: number;
  readonly operation: 'append' | 'delete' | 'overwrite' | 'replace';
  readonly manifestList: string;
  readonly summary: Readonly<Record<string, string>>;
  /** The metadata version that made this snapshot current. */
  readonly metadataVersion: number;
}

type Status = 'existing' | 'added' | 'deleted';
const STATUS_CODE: Record<Status, number> = { existing: 0, added: 1, deleted: 2 };
const CONTENT_CODE: Record<FileContent, number> = { data: 0, 'position-deletes': 1, 'equality-deletes': 2 };

interface Entry {
  readonly status: Status;
  readonly snapshotId: bigint;
  readonly dataSequenceNumber: bigint;
  readonly fileSequenceNumber: bigint;
  readonly file: TableFile;
}

interface Manifest {
  readonly path: string;
  readonly length: number;
  readonly content: 'data' | 'deletes';
  readonly sequenceNumber: bigint;
  readonly addedSnapshotId: bigint;
  readonly entries: readonly Entry[];
}

interface Snapshot extends SnapshotInfo {
  readonly manifests: readonly Manifest[];
}

export class IcebergTableWriter {
  private readonly spec: readonly PartitionField[];
  private readonly snapshots: Snapshot[] = [];
  private readonly refs = new Map<string, { snapshotId: bigint; type: 'branch' | 'tag' }>();
  private readonly metadataLog: { timestampMs: number; file: string }[] = [];
  private version = 0;
  private writes = 0;
  private readonly pending = new Set<TableFile>();

  private constructor(
    readonly definition: TableDefinition,
    private readonly db: DuckDBConnection,
  ) {
    this.spec = definition.partitionSpec ?? [];
  }

  /** Creates the table (metadata v1, no snapshot) in an empty or new folder. */
  static async create(definition: TableDefinition): Promise<IcebergTableWriter> {
    checkSchema(definition.schema, definition.partitionSpec ?? []);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(definition.tableUuid))
      throw new Error('tableUuid must be a lower-case UUID');
    // A table is rewritten whole; a folder holding anything but a table's data/ and metadata/ is not removed.
    if (existsSync(definition.dir)) {
      const other = readdirSync(definition.dir).filter((n) => n !== 'data' && n !== 'metadata');
      if (other.length > 0) throw new Error(`${definition.dir} holds ${other[0]}: not a table folder, not replaced`);
      rmSync(definition.dir, { recursive: true, force: true });
    }
    mkdirSync(join(definition.dir, 'metadata'), { recursive: true });
    const writer = new IcebergTableWriter(definition, await openDuckDB());
    writer.writeMetadata(definition.createdMs);
    return writer;
  }

  async close(): Promise<void> {
    this.db.closeSync();
  }

  get location(): string {
    return this.definition.location.replace(/\/+$/, '');
  }

  /** The snapshots committed so far, oldest first. */
  history(): readonly SnapshotInfo[] {
    return this.snapshots.map(({ manifests: _m, ...info }) => info);
  }

  /** The live data files of the current snapshot. */
  dataFiles(): TableFile[] {
    return this.liveEntries()
      .filter((e) => e.file.content === 'data')
      .map((e) => e.file);
  }

  /** The live delete files of the current snapshot. */
  deleteFiles(): TableFile[] {
    return this.liveEntries()
      .filter((e) => e.file.content !== 'data')
      .map((e) => e.file);
  }

  /** Runs SQL on the writer's DuckDB connection (UTC, one thread): for choosing rows to delete. */
  query(sql: string): Promise<Record<string, unknown>[]> {
    return this.db.runAndReadAll(sql).then((r) => r.getRowObjectsJS() as Record<string, unknown>[]);
  }

  /** The 0-based positions of the rows of a data file for which `predicate` (SQL over its columns) is true. */
  async positionsWhere(file: TableFile, predicate: string): Promise<number[]> {
    const rows = await this.query(
      `SELECT file_row_number AS pos FROM read_parquet(${quote(file.localPath)}, file_row_number = true) WHERE ${predicate} ORDER BY 1`,
    );
    return rows.map((r) => Number(r.pos));
  }

  /**
   * Writes the rows of `select` (columns named as the schema's fields; cast
   * to their types) as new data files, one per partition, in the query's
   * order. They join the table at the next commit that adds them.
   */
  async writeDataFiles(select: string, options: { readonly rowGroupSize?: number } = {}): Promise<TableFile[]> {
    const write = this.writes++;
    const uuid = this.uuid(`write-${write}`);
    const options_ = parquetOptions(this.definition.schema.fields, options.rowGroupSize);
    const rows = castToSchema(this.definition.schema, select);
    if (this.spec.length === 0) {
      const target = join(this.definition.dir, 'data', `00000-${write}-${uuid}-00001.parquet`);
      mkdirSync(dirname(target), { recursive: true });
      await this.db.run(`COPY (${rows}) TO ${quote(target)} (${options_})`);
      return [await this.addParquetFile(target, { nanValueCounts: await this.countNaN(target) })];
    }
    const sources = this.spec.map((p) => this.definition.schema.fields.find((f) => f.id === p.sourceId)!);
    const keys = this.spec.map((p, i) => `${partitionSql(p, sources[i]!)} AS __p${i}`);
    await this.db.run(`CREATE OR REPLACE TEMP TABLE __batch AS SELECT *, ${keys.join(', ')} FROM (${rows})`);
    const tuples = await this.query(
      `SELECT DISTINCT ${this.spec.map((_, i) => `__p${i}`).join(', ')} FROM __batch ORDER BY ALL NULLS LAST`,
    );
    const out: TableFile[] = [];
    for (const [n, t] of tuples.entries()) {
      const values = this.spec.map((p, i) => plain(t[`__p${i}`], partitionResultType(p, this.definition.schema)));
      const folder = this.spec
        .map((p, i) => `${p.name}=${humanPartitionValue(p.transform, partitionResultType(p, this.definition.schema), values[i]!)}`)
        .join('/');
      const target = join(this.definition.dir, 'data', folder, `${String(n).padStart(5, '0')}-${write}-${uuid}-00001.parquet`);
      mkdirSync(dirname(target), { recursive: true });
      const where = values.map((v, i) => `__p${i} IS NOT DISTINCT FROM ${literal(v)}`).join(' AND ');
      const columns = this.definition.schema.fields.map((f) => ident(f.name)).join(', ');
      await this.db.run(`COPY (SELECT ${columns} FROM __batch WHERE ${where}) TO ${quote(target)} (${options_})`);
      const file = await this.addParquetFile(target, { nanValueCounts: await this.countNaN(target) });
      const differs = (v: WriterValue | null, i: number) =>
        v === null || values[i] === null
          ? v !== values[i]
          : compare(partitionResultType(this.spec[i]!, this.definition.schema), v, values[i]!) !== 0;
      if (file.partition.some(differs))
        throw new Error(`the partition of ${target} read back from its statistics differs from the one it was written for`);
      out.push(file);
    }
    await this.db.run('DROP TABLE __batch');
    return out;
  }

  /**
   * A Parquet data file already under the table's folder (written with
   * FIELD_IDS), to be added by a later commit. Its partition is derived
   * from its column statistics; a file whose rows span partitions is refused.
   */
  async addParquetFile(localPath: string, options: { readonly nanValueCounts?: ReadonlyMap<number, bigint> } = {}): Promise<TableFile> {
    const metrics = await parquetMetrics(localPath, this.definition.schema.fields);
    const file: TableFile = {
      content: 'data',
      localPath,
      path: this.recordedPath(localPath),
      partition: this.partitionOf(localPath, metrics),
      metrics,
      ...(options.nanValueCounts !== undefined && { nanValueCounts: options.nanValueCounts }),
    };
    this.pending.add(file);
    return file;
  }

  /** NaN counts of a file's float and double columns (footers do not give them; the writer that wrote the rows can). */
  private async countNaN(path: string): Promise<ReadonlyMap<number, bigint> | undefined> {
    const floats = this.definition.schema.fields.filter((f) => f.type === 'float' || f.type === 'double');
    if (floats.length === 0) return undefined;
    const [row] = await this.query(
      `SELECT ${floats.map((f, i) => `count(*) FILTER (WHERE isnan(${ident(f.name)})) AS n${i}`).join(', ')} FROM read_parquet(${quote(path)})`,
    );
    return new Map(floats.map((f, i) => [f.id, BigInt(row![`n${i}`] as bigint)]));
  }

  /** Commits one snapshot; returns it. */
  async commit(request: CommitRequest): Promise<SnapshotInfo> {
    const parent = this.snapshots.at(-1);
    const sequenceNumber = (parent?.sequenceNumber ?? 0n) + 1n;
    const snapshotId = request.snapshotId ?? this.snapshotIdFor(sequenceNumber);
    if (this.snapshots.some((s) => s.snapshotId === snapshotId)) throw new Error(`snapshot id ${snapshotId} is already used`);
    if (parent !== undefined && request.timestampMs < parent.timestampMs) throw new Error('a snapshot cannot be older than its parent');
    const commitUuid = this.uuid(`commit-${snapshotId}`);
    const live = this.liveEntries();
    const liveFiles = new Set(live.map((e) => e.file));

    const added = request.add ?? [];
    for (const f of added) {
      if (!this.pending.has(f)) throw new Error(`${f.localPath} is not a data file written for this table or was already committed`);
      if (f.content !== 'data') throw new Error('only data files are added directly; deletes are written by the commit');
    }
    const removed = new Set(request.remove ?? []);
    for (const f of removed) if (!liveFiles.has(f)) throw new Error(`${f.path} is not a live file of the table and cannot be removed`);

    const newDeletes: TableFile[] = [];
    let deleteIndex = 0;
    // Position deletes: one file per partition (sorted by path and position), as Spark writes them.
    const byPartition = new Map<string, { partition: readonly (WriterValue | null)[]; rows: { path: string; positions: number[] }[] }>();
    for (const { file, positions } of request.positionDeletes ?? []) {
      if (file.content !== 'data' || !(liveFiles.has(file) || added.includes(file)))
        throw new Error(`position deletes must name a live data file (${file.path} is not one)`);
      const checked = [...new Set(positions)].sort((a, b) => a - b);
      if (checked.some((p) => !Number.isInteger(p) || p < 0 || p >= file.metrics.recordCount))
        throw new Error(`a position is outside ${file.path} (0..${file.metrics.recordCount - 1})`);
      if (checked.length === 0) continue;
      const key = stringify(file.partition)!;
      const group = byPartition.get(key) ?? { partition: file.partition, rows: [] };
      group.rows.push({ path: file.path, positions: checked });
      byPartition.set(key, group);
    }
    for (const { partition, rows } of [...byPartition.values()]) {
      rows.sort((a, b) => compare('string', a.path, b.path));
      const target = this.deleteFilePath(partition, `${String(deleteIndex++).padStart(5, '0')}-${commitUuid}-deletes.parquet`);
      await writePositionDeletes(this.db, target, rows);
      const metrics = await parquetMetrics(target, [FILE_PATH_FIELD, POS_FIELD], { fullBounds: new Set([FILE_PATH_FIELD.id]) });
      newDeletes.push({
        content: 'position-deletes',
        localPath: target,
        path: this.recordedPath(target),
        partition,
        metrics,
        ...(rows.length === 1 && { referencedDataFile: rows[0]!.path }),
      });
    }
    for (const eq of request.equalityDeletes ?? []) {
      const fields = eq.columns.map((name) => {
        const f = this.definition.schema.fields.find((x) => x.name === name);
        if (f === undefined) throw new Error(`equality delete column ${name} is not in the schema`);
        return f;
      });
      if (this.spec.length > 0 && eq.partitionOf === undefined)
        throw new Error('an equality delete of a partitioned table needs the partition it applies to (partitionOf)');
      if (eq.partitionOf !== undefined && !(liveFiles.has(eq.partitionOf) || added.includes(eq.partitionOf)))
        throw new Error(`partitionOf must name a live data file (${eq.partitionOf.path} is not one)`);
      const partition = eq.partitionOf?.partition ?? [];
      const target = this.deleteFilePath(partition, `${String(deleteIndex++).padStart(5, '0')}-${commitUuid}-eq-deletes.parquet`);
      await writeEqualityDeletes(this.db, target, fields, eq.rows);
      newDeletes.push({
        content: 'equality-deletes',
        localPath: target,
        path: this.recordedPath(target),
        partition,
        metrics: await parquetMetrics(target, fields),
        equalityIds: fields.map((f) => f.id),
      });
    }

    // Manifests: the new ones first (as Java lists them), then the parent's, rewritten where a file is removed.
    const manifests: Manifest[] = [];
    let manifestIndex = 0;
    const addedEntry = (file: TableFile): Entry => ({
      status: 'added',
      snapshotId,
      dataSequenceNumber: sequenceNumber,
      fileSequenceNumber: sequenceNumber,
      file,
    });
    if (added.length > 0)
      manifests.push(this.writeManifest(commitUuid, manifestIndex++, 'data', sequenceNumber, snapshotId, added.map(addedEntry)));
    if (newDeletes.length > 0)
      manifests.push(this.writeManifest(commitUuid, manifestIndex++, 'deletes', sequenceNumber, snapshotId, newDeletes.map(addedEntry)));
    for (const m of parent?.manifests ?? []) {
      if (!m.entries.some((e) => e.status !== 'deleted' && removed.has(e.file))) {
        manifests.push(m);
        continue;
      }
      // Java drops the DELETED entries of earlier snapshots when it rewrites a manifest.
      const entries = m.entries
        .filter((e) => e.status !== 'deleted')
        .map((e): Entry => (removed.has(e.file) ? { ...e, status: 'deleted', snapshotId } : { ...e, status: 'existing' }));
      manifests.push(this.writeManifest(commitUuid, manifestIndex++, m.content, sequenceNumber, snapshotId, entries));
    }

    const operation = request.operation ?? operationOf(added.length > 0, newDeletes.length > 0 || removed.size > 0);
    const after = manifests.flatMap((m) => m.entries.filter((e) => e.status !== 'deleted'));
    const summary = summarise(operation, added, newDeletes, [...removed], after, this.spec.length > 0);
    const manifestList = join(this.definition.dir, 'metadata', `snap-${snapshotId}-1-${commitUuid}.avro`);
    this.writeManifestList(manifestList, snapshotId, parent?.snapshotId, sequenceNumber, manifests);
    for (const f of added) this.pending.delete(f);

    const snapshot: Snapshot = {
      snapshotId,
      ...(parent !== undefined && { parentId: parent.snapshotId }),
      sequenceNumber,
      timestampMs: request.timestampMs,
      operation,
      manifestList: this.recordedPath(manifestList),
      summary,
      metadataVersion: this.version + 1,
      manifests,
    };
    this.snapshots.push(snapshot);
    this.refs.set('main', { snapshotId, type: 'branch' });
    this.writeMetadata(request.timestampMs);
    return this.history().at(-1)!;
  }

  /** Adds (or moves) a tag to a snapshot: a new metadata version, as `manageSnapshots().createTag()` writes. */
  async tag(name: string, snapshotId: bigint, timestampMs: number): Promise<void> {
    if (name === 'main') throw new Error('main is the branch of the current snapshot');
    if (!this.snapshots.some((s) => s.snapshotId === snapshotId)) throw new Error(`no snapshot ${snapshotId}`);
    this.refs.set(name, { snapshotId, type: 'tag' });
    this.writeMetadata(timestampMs);
  }

  private liveEntries(): Entry[] {
    return (this.snapshots.at(-1)?.manifests ?? []).flatMap((m) => m.entries.filter((e) => e.status !== 'deleted'));
  }

  private recordedPath(localPath: string): string {
    const rel = relative(this.definition.dir, localPath);
    if (rel.startsWith('..') || rel === '') throw new Error(`${localPath} is not inside the table folder ${this.definition.dir}`);
    return `${this.location}/${rel.split(sep).join('/')}`;
  }

  private deleteFilePath(partition: readonly (WriterValue | null)[], name: string): string {
    const folder = this.spec
      .map((p, i) => `${p.name}=${humanPartitionValue(p.transform, partitionResultType(p, this.definition.schema), partition[i] ?? null)}`)
      .join('/');
    const target = join(this.definition.dir, 'data', folder, name);
    mkdirSync(dirname(target), { recursive: true });
    return target;
  }

  /** The partition tuple of a data file from its statistics: every row must transform to the same value. */
  private partitionOf(path: string, metrics: FileMetrics): (WriterValue | null)[] {
    return this.spec.map((p) => {
      const source = this.definition.schema.fields.find((f) => f.id === p.sourceId)!;
      const nulls = metrics.nullValueCounts.get(source.id);
      const values = metrics.valueCounts.get(source.id);
      if (nulls !== undefined && nulls === values) return null;
      const lo = metrics.min.get(source.id);
      const hi = metrics.max.get(source.id);
      if (nulls === undefined || nulls > 0n || lo === undefined || hi === undefined)
        throw new Error(`${path}: partition field ${p.name} cannot be derived (nulls beside values, or no exact statistics)`);
      const a = applyTransform(p.transform, source.type, lo);
      const b = applyTransform(p.transform, source.type, hi);
      if (compare(partitionResultType(p, this.definition.schema), a, b) !== 0)
        throw new Error(`${path}: its rows span more than one value of partition field ${p.name}`);
      return a;
    });
  }

  private writeManifest(
    commitUuid: string,
    index: number,
    content: 'data' | 'deletes',
    sequenceNumber: bigint,
    snapshotId: bigint,
    entries: readonly Entry[],
  ): Manifest {
    const { schema } = this.definition;
    const schemas = manifestEntrySchemas(this.spec, schema);
    const local = join(this.definition.dir, 'metadata', `${commitUuid}-m${index}.avro`);
    const records = entries.map((e) => ({
      status: STATUS_CODE[e.status],
      snapshot_id: e.snapshotId,
      // ADDED entries inherit the manifest's sequence number (spec "Sequence Number Inheritance").
      sequence_number: e.status === 'added' ? null : e.dataSequenceNumber,
      file_sequence_number: e.status === 'added' ? null : e.fileSequenceNumber,
      data_file: this.dataFileRecord(e.file),
    }));
    const bytes = writeAvroContainer(schemas.avro, records, {
      codec: 'deflate',
      syncMarker: syncMarker(local),
      metadata: {
        schema: JSON.stringify(schemaJson(schema)),
        'partition-spec': JSON.stringify(specFieldsJson(this.spec)),
        'partition-spec-id': '0',
        'format-version': '2',
        content,
        'iceberg.schema': JSON.stringify(schemas.iceberg),
      },
    });
    writeFileSync(local, bytes);
    return { path: this.recordedPath(local), length: bytes.length, content, sequenceNumber, addedSnapshotId: snapshotId, entries };
  }

  private dataFileRecord(f: TableFile): Record<string, unknown> {
    const m = f.metrics;
    const pairs = <V>(map: ReadonlyMap<number, V>) => [...map].sort(([a], [b]) => a - b).map(([key, value]) => ({ key, value }));
    const partition: Record<string, unknown> = {};
    this.spec.forEach((p, i) => (partition[avroName(p.name)] = f.partition[i] ?? null));
    return {
      content: CONTENT_CODE[f.content],
      file_path: f.path,
      file_format: 'PARQUET',
      partition,
      record_count: BigInt(m.recordCount),
      file_size_in_bytes: BigInt(m.fileSizeInBytes),
      column_sizes: pairs(m.columnSizes),
      value_counts: pairs(m.valueCounts),
      null_value_counts: pairs(m.nullValueCounts),
      nan_value_counts: pairs(f.nanValueCounts ?? new Map()),
      lower_bounds: pairs(m.lowerBounds),
      upper_bounds: pairs(m.upperBounds),
      key_metadata: null,
      split_offsets: [...m.splitOffsets],
      equality_ids: f.equalityIds === undefined ? null : [...f.equalityIds],
      // Position deletes are sorted by path and position, not by a table sort order (spec): no order id.
      sort_order_id: f.content === 'position-deletes' ? null : 0,
      referenced_data_file: f.referencedDataFile ?? null,
    };
  }

  private writeManifestList(
    local: string,
    snapshotId: bigint,
    parentId: bigint | undefined,
    sequenceNumber: bigint,
    manifests: Manifest[],
  ) {
    const schemas = manifestListSchemas();
    const count = (m: Manifest, s: Status) => m.entries.filter((e) => e.status === s).length;
    const rows = (m: Manifest, s: Status) =>
      m.entries.filter((e) => e.status === s).reduce((n, e) => n + BigInt(e.file.metrics.recordCount), 0n);
    const records = manifests.map((m) => {
      const liveSeqs = m.entries.filter((e) => e.status !== 'deleted').map((e) => e.dataSequenceNumber);
      return {
        manifest_path: m.path,
        manifest_length: BigInt(m.length),
        partition_spec_id: 0,
        content: m.content === 'data' ? 0 : 1,
        sequence_number: m.sequenceNumber,
        min_sequence_number: liveSeqs.length === 0 ? m.sequenceNumber : liveSeqs.reduce((a, b) => (b < a ? b : a)),
        added_snapshot_id: m.addedSnapshotId,
        added_files_count: count(m, 'added'),
        existing_files_count: count(m, 'existing'),
        deleted_files_count: count(m, 'deleted'),
        added_rows_count: rows(m, 'added'),
        existing_rows_count: rows(m, 'existing'),
        deleted_rows_count: rows(m, 'deleted'),
        partitions: this.partitionSummaries(m),
        key_metadata: null,
      };
    });
    writeFileSync(
      local,
      writeAvroContainer(schemas.avro, records, {
        codec: 'deflate',
        syncMarker: syncMarker(local),
        metadata: {
          'snapshot-id': String(snapshotId),
          'parent-snapshot-id': parentId === undefined ? 'null' : String(parentId),
          'sequence-number': String(sequenceNumber),
          'format-version': '2',
          'iceberg.schema': JSON.stringify(schemas.iceberg),
        },
      }),
    );
  }

  /** Per partition field, over every entry of the manifest (as Java's PartitionSummary counts them): nulls and bounds. */
  private partitionSummaries(m: Manifest): Record<string, unknown>[] {
    return this.spec.map((p, i) => {
      const type = partitionResultType(p, this.definition.schema);
      const values = m.entries.map((e) => e.file.partition[i] ?? null);
      const present = values.filter((v): v is WriterValue => v !== null);
      const lower = present.reduce<WriterValue | undefined>((a, v) => (a === undefined || compare(type, v, a) < 0 ? v : a), undefined);
      const upper = present.reduce<WriterValue | undefined>((a, v) => (a === undefined || compare(type, v, a) > 0 ? v : a), undefined);
      return {
        contains_null: values.some((v) => v === null),
        contains_nan: type === 'float' || type === 'double' ? present.some((v) => Number.isNaN(v)) : false,
        lower_bound: lower === undefined ? null : encodeSingleValue(type, lower),
        upper_bound: upper === undefined ? null : encodeSingleValue(type, upper),
      };
    });
  }

  private writeMetadata(lastUpdatedMs: number): void {
    const { definition: d } = this;
    this.version++;
    const current = this.snapshots.at(-1);
    const file = join(d.dir, 'metadata', `v${this.version}.metadata.json`);
    const lastColumnId = Math.max(...d.schema.fields.map((f) => f.id));
    const metadata = {
      'format-version': 2,
      'table-uuid': d.tableUuid,
      location: this.location,
      'last-sequence-number': current?.sequenceNumber ?? 0n,
      'last-updated-ms': lastUpdatedMs,
      'last-column-id': lastColumnId,
      'current-schema-id': 0,
      schemas: [schemaJson(d.schema)],
      'default-spec-id': 0,
      'partition-specs': [{ 'spec-id': 0, fields: specFieldsJson(this.spec) }],
      'last-partition-id': FIRST_PARTITION_FIELD_ID - 1 + this.spec.length,
      'default-sort-order-id': 0,
      'sort-orders': [{ 'order-id': 0, fields: [] }],
      properties: { 'write.format.default': 'parquet', 'write.parquet.compression-codec': 'snappy', ...d.properties },
      'current-snapshot-id': current?.snapshotId ?? -1,
      refs: Object.fromEntries([...this.refs].map(([name, r]) => [name, { 'snapshot-id': r.snapshotId, type: r.type }])),
      snapshots: this.snapshots.map((s) => ({
        'sequence-number': s.sequenceNumber,
        'snapshot-id': s.snapshotId,
        ...(s.parentId !== undefined && { 'parent-snapshot-id': s.parentId }),
        'timestamp-ms': s.timestampMs,
        summary: s.summary,
        'manifest-list': s.manifestList,
        'schema-id': 0,
      })),
      statistics: [],
      'partition-statistics': [],
      'snapshot-log': this.snapshots.map((s) => ({ 'timestamp-ms': s.timestampMs, 'snapshot-id': s.snapshotId })),
      'metadata-log': this.metadataLog.map((e) => ({ 'timestamp-ms': e.timestampMs, 'metadata-file': e.file })),
    };
    // lossless-json writes BigInt ids as plain JSON numbers, all digits kept (JSON.stringify would refuse them).
    writeFileSync(`${file}.tmp`, `${stringify(metadata, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    writeFileSync(join(d.dir, 'metadata', 'version-hint.text'), String(this.version));
    this.metadataLog.push({ timestampMs: lastUpdatedMs, file: this.recordedPath(file) });
  }

  private uuid(label: string): string {
    return uuidFrom(`${this.definition.tableUuid}/${label}`);
  }

  /** A positive 63-bit id from the table uuid and sequence number (most exceed 2^53, as real ones do). */
  private snapshotIdFor(sequenceNumber: bigint): bigint {
    const h = createHash('sha256').update(`${this.definition.tableUuid}/snapshot-${sequenceNumber}`).digest();
    const id = h.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
    return id === 0n ? 1n : id;
  }
}

/** A version-4-shaped UUID derived from a label (deterministic, unlike a random one). */
export function uuidFrom(label: string): string {
  const h = createHash('sha256').update(label).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const syncMarker = (path: string) =>
  createHash('sha256')
    .update(`sync/${path.slice(path.lastIndexOf(sep) + 1)}`)
    .digest()
    .subarray(0, 16);

/** A partition key as DuckDB returns it (BIGINT as bigint, INTEGER as number) in the representation of its type. */
function plain(v: unknown, type: PrimitiveTypeName): WriterValue | null {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'int':
    case 'date':
      return Number(v);
    case 'long':
    case 'timestamp':
    case 'timestamptz':
      return BigInt(v as number | bigint);
    case 'float':
    case 'double':
      return Number(v);
    case 'boolean':
      return Boolean(v);
    case 'string':
      return String(v);
  }
}

function operationOf(addsData: boolean, deletes: boolean): SnapshotInfo['operation'] {
  if (addsData && deletes) return 'overwrite';
  return deletes ? 'delete' : 'append';
}

/** The snapshot summary as Java's SnapshotSummary writes it: what changed (non-zero counts), then the totals. */
function summarise(
  operation: string,
  added: readonly TableFile[],
  newDeletes: readonly TableFile[],
  removed: readonly TableFile[],
  live: readonly Entry[],
  partitioned: boolean,
): Record<string, string> {
  const n = (files: readonly TableFile[], content?: FileContent) => files.filter((f) => content === undefined || f.content === content);
  const records = (files: readonly TableFile[]) => files.reduce((s, f) => s + f.metrics.recordCount, 0);
  const bytes = (files: readonly TableFile[]) => files.reduce((s, f) => s + f.metrics.fileSizeInBytes, 0);
  const removedData = n(removed, 'data');
  const removedDeletes = removed.filter((f) => f.content !== 'data');
  const liveFiles = live.map((e) => e.file);
  const changed = new Set([...added, ...newDeletes, ...removed].map((f) => stringify(f.partition)));
  const out: Record<string, string> = { operation };
  const put = (k: string, v: number) => {
    if (v !== 0) out[k] = String(v);
  };
  put('added-data-files', added.length);
  put('deleted-data-files', removedData.length);
  put('added-records', records(added));
  put('deleted-records', records(removedData));
  put('added-files-size', bytes([...added, ...newDeletes]));
  put('removed-files-size', bytes(removed));
  put('added-delete-files', newDeletes.length);
  put('added-position-delete-files', n(newDeletes, 'position-deletes').length);
  put('added-equality-delete-files', n(newDeletes, 'equality-deletes').length);
  put('added-position-deletes', records(n(newDeletes, 'position-deletes')));
  put('added-equality-deletes', records(n(newDeletes, 'equality-deletes')));
  put('removed-delete-files', removedDeletes.length);
  put('removed-position-delete-files', n(removedDeletes, 'position-deletes').length);
  put('removed-equality-delete-files', n(removedDeletes, 'equality-deletes').length);
  put('removed-position-deletes', records(n(removedDeletes, 'position-deletes')));
  put('removed-equality-deletes', records(n(removedDeletes, 'equality-deletes')));
  out['changed-partition-count'] = String(partitioned ? changed.size : changed.size > 0 ? 1 : 0);
  out['total-records'] = String(records(n(liveFiles, 'data')));
  out['total-files-size'] = String(bytes(liveFiles));
  out['total-data-files'] = String(n(liveFiles, 'data').length);
  out['total-delete-files'] = String(liveFiles.length - n(liveFiles, 'data').length);
  out['total-position-deletes'] = String(records(n(liveFiles, 'position-deletes')));
  out['total-equality-deletes'] = String(records(n(liveFiles, 'equality-deletes')));
  return out;
}
