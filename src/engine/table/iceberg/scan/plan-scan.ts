import type { Expr } from '../../../../plan/expr.js';
import type { SourceObject } from '../../../storage/source-files.js';
import { AvroError, readAvroContainer, type AvroContainer } from '../avro/container.js';
import type { ColumnReader } from '../io/parquet-columns.js';
import { mapRecordedPath, type TableFiles } from '../io/table-location.js';
import {
  manifestEntriesFrom,
  manifestListFrom,
  manifestSpec,
  type DataFile,
  type ManifestEntry,
  type ManifestFile,
} from '../spec/manifest.js';
import { isUnpartitioned, type PartitionSpec } from '../spec/partition.js';
import { corrupt, unsupported } from '../spec/refusal.js';
import { currentSchema, type Snapshot, type TableMetadata } from '../spec/table-metadata.js';
import { fieldsById, isPrimitive, type PrimitiveType } from '../spec/types.js';
import { sameValue, valueFromBinary, type IcebergValue } from '../spec/values.js';
import { bindFields, resolveFieldReads, type BoundField, type FieldRead, type FieldRequest } from './bind-fields.js';
import { fileFacts, manifestFacts, pruneVerdict } from './prune.js';

/**
 * Planning a scan of one snapshot: which data files to read, how to read
 * each field from each of them, and which delete files apply to each (the
 * table-provider question: given fields and filters, what do I scan?).
 *
 * Manifests are pruned by their partition summaries, data files by their
 * partition values and column bounds (prune.ts), both under the row-filter
 * rule. Delete manifests are always read whole: which deletes exist must
 * not depend on a filter, and refusals (deletion vectors) must not either.
 */
export interface ScanRequest {
  /** null: the table has no snapshot yet (an empty scan). */
  readonly snapshot: Snapshot | null;
  /** The fields to read, bound by field id against the table's current schema. */
  readonly fields: readonly FieldRequest[];
  /** The session's row filter over contract field names (policy); prunes by itself. */
  readonly rowFilter?: Expr;
  /** The caller's filter over contract field names; prunes only where the row filter is provably true. Raw values only: no masked fields. */
  readonly filter?: Expr;
}

export interface DeleteFileTask {
  readonly content: 'position-deletes' | 'equality-deletes';
  /** Where to read it (mapped under the configured root). */
  readonly uri: string;
  readonly object: SourceObject;
  /** How messages name it: "delete file 2 of 3", never a path. */
  readonly shownAs: string;
  readonly recordCount: number;
  readonly sequenceNumber: bigint;
  readonly specId: number;
  /** The partition tuple by partition field name. */
  readonly partition: Readonly<Record<string, IcebergValue | null>>;
  /** Equality deletes: the field ids rows are compared on. */
  readonly equalityFieldIds?: readonly number[];
  /** Equality deletes: the current type of each compared field (values are compared in it). */
  readonly equalityTypes?: ReadonlyMap<number, PrimitiveType>;
}

export interface EqualityDeleteTask {
  readonly file: DeleteFileTask;
  /** How this data file gives each compared field (a column or a constant). */
  readonly keys: readonly { readonly fieldId: number; readonly read: FieldRead }[];
}

export interface DataFileTask {
  /** Where to read it (mapped under the configured root: an absolute path or an s3:// URI). */
  readonly uri: string;
  /** The path as the manifest records it (what position deletes name). */
  readonly recordedPath: string;
  /** Absent for pruned files (never opened). */
  readonly object?: SourceObject;
  readonly shownAs: string;
  readonly recordCount: number;
  readonly fileSizeInBytes: number;
  readonly specId: number;
  /** The partition tuple by partition field name. */
  readonly partition: Readonly<Record<string, IcebergValue | null>>;
  readonly dataSequenceNumber: bigint;
  /** Nulls per field id, as the manifest entry records them (absent: not recorded). */
  readonly nullValueCounts?: ReadonlyMap<number, number>;
  /** How each requested field is read, by contract field name. Empty for pruned files. */
  readonly fields: ReadonlyMap<string, FieldRead>;
  readonly positionDeletes: readonly DeleteFileTask[];
  readonly equalityDeletes: readonly EqualityDeleteTask[];
  /** Set when the file is not read, naming the predicate that proved it holds no wanted row. */
  readonly pruned?: 'row-filter' | 'filter';
}

export interface ScanPlan {
  readonly snapshot: { readonly id: string; readonly timestampMs: number; readonly sequenceNumber: bigint } | null;
  readonly fields: readonly BoundField[];
  /** Every data file of the manifests read, pruned ones included (marked). */
  readonly files: readonly DataFileTask[];
  /** Every live delete file of the snapshot (each data file task lists those applying to it). */
  readonly deleteFiles: readonly DeleteFileTask[];
  readonly manifests: { readonly read: number; readonly total: number };
}

export interface ScanContext {
  readonly metadata: TableMetadata;
  readonly files: TableFiles;
  readonly columns: ColumnReader;
  readonly label: string;
  /** Decoded manifests by URI (immutable files); optional. */
  readonly manifestCache?: Map<string, Promise<AvroContainer>>;
}

/** Iceberg's reserved field ids of position delete files (spec "Position Delete Files"). */
export const FILE_PATH_ID = 2147483546;
export const POS_ID = 2147483545;

/** How many files are opened (a listing or HEAD each) at once. */
const OPEN_CONCURRENCY = 8;

export async function planScan(ctx: ScanContext, req: ScanRequest): Promise<ScanPlan> {
  const { metadata } = ctx;
  const schema = currentSchema(metadata);
  const fields = bindFields(schema, req.fields, ctx.label);
  const snapshot = req.snapshot;
  if (snapshot === null) return Object.freeze({ snapshot: null, fields, files: [], deleteFiles: [], manifests: { read: 0, total: 0 } });
  const snapName = `snapshot ${snapshot.id}`;

  const manifests = await manifestList(ctx, snapshot);
  let read = 0;
  const dataEntries: { entry: ManifestEntry; spec: PartitionSpec; shown: string }[] = [];
  const deleteEntries: { entry: ManifestEntry; spec: PartitionSpec; shown: string }[] = [];
  for (let i = 0; i < manifests.length; i++) {
    const m = manifests[i]!;
    const shown = `manifest ${i + 1} of ${manifests.length} of ${snapName}`;
    if (m.encrypted) throw unsupported('encryption (an encrypted manifest)');
    const known = metadata.specs.get(m.specId);
    if (
      m.content === 'data' &&
      known !== undefined &&
      pruneVerdict(req.rowFilter, req.filter, manifestFacts(fields, known, m.partitions)) !== undefined
    )
      continue;
    read++;
    const container = await manifestContainer(ctx, m.path, shown);
    let spec: PartitionSpec;
    let entries: ManifestEntry[];
    try {
      spec = manifestSpec(container, metadata.specs, m.specId);
      entries = manifestEntriesFrom(container, m, spec, schema);
    } catch (e) {
      throw ctx.files.failure('SOURCE_CORRUPT', `${shown} is not a valid Iceberg manifest (${(e as Error).message})`);
    }
    let k = 0;
    for (const entry of entries) {
      k++;
      if (entry.status === 'deleted') continue;
      const item = { entry, spec, shown: `file ${k} of ${shown}` };
      if (entry.file.content === 'data' && m.content === 'data') dataEntries.push(item);
      else if (entry.file.content !== 'data' && m.content === 'deletes') deleteEntries.push(item);
      else throw ctx.files.failure('SOURCE_CORRUPT', `${shown} mixes data and delete files`);
    }
  }

  const deletes = deleteEntries.map(({ entry, spec, shown }) => deleteFile(ctx, entry, spec, shown));
  const equalityTypesOf = (ids: readonly number[]) => {
    const all = fieldsById(schema);
    const types = new Map<number, PrimitiveType>();
    for (const id of ids) {
      const t = all.get(id)?.type ?? findInOlderSchemas(metadata, id);
      if (t === undefined || !isPrimitive(t))
        throw unsupported(`an equality delete on field ${id}, which is not a primitive column of the table`);
      types.set(id, t);
    }
    return types;
  };

  const tasks: Omit<DataFileTask, 'object' | 'fields' | 'positionDeletes' | 'equalityDeletes'>[] = [];
  const pending: { index: number; entry: ManifestEntry; spec: PartitionSpec }[] = [];
  for (const { entry, spec, shown } of dataEntries) {
    const f = entry.file;
    if (f.encrypted) throw unsupported('encryption (an encrypted data file)');
    const uri = mapped(ctx, f.path, shown);
    const base = {
      uri,
      recordedPath: f.path,
      shownAs: shown,
      recordCount: f.recordCount,
      fileSizeInBytes: f.fileSizeInBytes,
      specId: f.specId,
      partition: partitionByName(spec, f),
      dataSequenceNumber: entry.sequenceNumber,
      ...(f.nullValueCounts !== undefined && { nullValueCounts: f.nullValueCounts }),
    };
    const pruned = pruneVerdict(req.rowFilter, req.filter, fileFacts(fields, spec, f));
    if (pruned !== undefined) {
      tasks.push({ ...base, pruned });
      continue;
    }
    // Checked only for files that are read: a pruned ORC file changes no answer.
    if (f.format !== 'PARQUET') throw unsupported(`${f.format} data files (only Parquet is read)`);
    pending.push({ index: tasks.length, entry, spec });
    tasks.push(base);
  }

  // Open the files read and find their columns; then bind every field per file.
  const deleteTasks: DeleteFileTask[] = await Promise.all(
    deletes.map(async (d) =>
      Object.freeze({
        ...d.task,
        object: await d.open(),
        ...(d.task.content === 'equality-deletes' && { equalityTypes: equalityTypesOf(d.task.equalityFieldIds!) }),
      }),
    ),
  );
  const finished: DataFileTask[] = tasks.map((t) => ({ ...t, fields: new Map(), positionDeletes: [], equalityDeletes: [] }));
  await inBatches(pending, OPEN_CONCURRENCY, async ({ index, entry, spec }) => {
    const base = tasks[index]!;
    const object = await ctx.files.object(base.uri, base.shownAs);
    const columns = await ctx.columns(object, base.shownAs, ctx.label);
    const applicable = deleteTasks.filter((d, i) => appliesTo(deletes[i]!, entry, spec, base.uri));
    const positionDeletes = applicable.filter((d) => d.content === 'position-deletes');
    const equality = applicable.filter((d) => d.content === 'equality-deletes');
    const keyIds = [...new Set(equality.flatMap((d) => d.equalityFieldIds!))];
    const keyFields = keyIds.map((id) => ({ fieldId: id, initialDefault: defaultOf(metadata, id) }));
    const reads = resolveFieldReads([...fields, ...keyFields], columns, metadata.nameMapping, spec, entry.file.partition);
    // Fields the file does not hold are constants: judge the predicates on them again, exactly.
    const constants = new Map<number, IcebergValue | null>();
    for (const f of fields) {
      const r = reads.get(f.fieldId)!;
      if (r.kind === 'constant') constants.set(f.fieldId, r.value);
    }
    const pruned =
      constants.size === 0 ? undefined : pruneVerdict(req.rowFilter, req.filter, fileFacts(fields, spec, entry.file, constants));
    if (pruned !== undefined) {
      finished[index] = { ...base, fields: new Map(), positionDeletes: [], equalityDeletes: [], pruned };
      return;
    }
    finished[index] = Object.freeze({
      ...base,
      object,
      fields: new Map(fields.map((f) => [f.name, reads.get(f.fieldId)!])),
      positionDeletes,
      equalityDeletes: equality.map((d) =>
        Object.freeze({ file: d, keys: d.equalityFieldIds!.map((id) => ({ fieldId: id, read: reads.get(id)! })) }),
      ),
    });
  });
  return Object.freeze({
    snapshot: { id: snapshot.id, timestampMs: snapshot.timestampMs, sequenceNumber: snapshot.sequenceNumber },
    fields,
    files: finished,
    deleteFiles: deleteTasks,
    manifests: { read, total: manifests.length },
  });
}

/** The manifests of a snapshot: from its manifest list, or (format v1) listed in the metadata itself. */
async function manifestList(ctx: ScanContext, snapshot: Snapshot): Promise<ManifestFile[]> {
  const snapName = `snapshot ${snapshot.id}`;
  if (snapshot.manifestList === undefined) {
    if (snapshot.manifests === undefined) throw corrupt(`${snapName} has neither a manifest list nor manifests`);
    const paths = snapshot.manifests;
    return Promise.all(
      paths.map(async (path, i) => {
        const container = await manifestContainer(ctx, path, `manifest ${i + 1} of ${paths.length} of ${snapName}`);
        const specId = Number(container.metadata['partition-spec-id'] ?? 0);
        return {
          path,
          specId,
          content: 'data',
          sequenceNumber: 0n,
          minSequenceNumber: 0n,
          addedSnapshotId: snapshot.id,
          encrypted: false,
        } satisfies ManifestFile;
      }),
    );
  }
  const shown = `the manifest list of ${snapName}`;
  const container = await manifestContainer(ctx, snapshot.manifestList, shown);
  try {
    return manifestListFrom(container, snapshot.id);
  } catch (e) {
    throw ctx.files.failure('SOURCE_CORRUPT', `${shown} is not a valid Iceberg manifest list (${(e as Error).message})`);
  }
}

function manifestContainer(ctx: ScanContext, recorded: string, shown: string): Promise<AvroContainer> {
  const uri = mapped(ctx, recorded, shown);
  const cached = ctx.manifestCache?.get(uri);
  if (cached !== undefined) return cached;
  const loading = ctx.files.readAll(uri, shown).then((bytes) => {
    try {
      return readAvroContainer(bytes);
    } catch (e) {
      if (e instanceof AvroError) throw ctx.files.failure('SOURCE_CORRUPT', `${shown} is not a valid Avro file (${e.message})`);
      throw e;
    }
  });
  if (ctx.manifestCache !== undefined) {
    ctx.manifestCache.set(uri, loading);
    loading.catch(() => ctx.manifestCache!.delete(uri));
  }
  return loading;
}

function mapped(ctx: ScanContext, recorded: string, shown: string): string {
  const uri = mapRecordedPath(recorded, ctx.metadata.location, ctx.files.root);
  if (uri === undefined)
    throw ctx.files.failure('SOURCE_UNAVAILABLE', `${shown} lies outside the table's location, which Sluice does not read`);
  return uri;
}

interface PlannedDelete {
  readonly task: Omit<DeleteFileTask, 'object'>;
  readonly open: () => Promise<SourceObject>;
  readonly entry: ManifestEntry;
  readonly spec: PartitionSpec;
  /** Position deletes: the mapped data file all its rows name, when known. */
  readonly onlyFile?: string;
  /** Position deletes: bounds of the recorded data file paths it names. */
  readonly pathLower?: string;
  readonly pathUpper?: string;
}

function deleteFile(ctx: ScanContext, entry: ManifestEntry, spec: PartitionSpec, shown: string): PlannedDelete {
  const f = entry.file;
  if (f.encrypted) throw unsupported('encryption (an encrypted delete file)');
  if (f.format === 'PUFFIN') throw unsupported('format v3 deletion vectors (Puffin delete files)');
  if (f.format !== 'PARQUET') throw unsupported(`${f.format} delete files (only Parquet is read)`);
  if (f.content === 'equality-deletes' && (f.equalityIds === undefined || f.equalityIds.length === 0)) {
    throw ctx.files.failure('SOURCE_CORRUPT', `${shown} is an equality delete file without equality field ids`);
  }
  const uri = mapped(ctx, f.path, shown);
  const lower = f.lowerBounds?.get(FILE_PATH_ID);
  const upper = f.upperBounds?.get(FILE_PATH_ID);
  const text = (b: Uint8Array | undefined) =>
    b === undefined ? undefined : (valueFromBinary({ type: 'string' }, b) as string | undefined);
  const pathLower = text(lower);
  const pathUpper = text(upper);
  return {
    task: Object.freeze({
      content: f.content as 'position-deletes' | 'equality-deletes',
      uri,
      shownAs: shown,
      recordCount: f.recordCount,
      sequenceNumber: entry.sequenceNumber,
      specId: f.specId,
      partition: partitionByName(spec, f),
      ...(f.equalityIds !== undefined && f.content === 'equality-deletes' && { equalityFieldIds: f.equalityIds }),
    }),
    open: () => ctx.files.object(uri, shown),
    entry,
    spec,
    ...(f.referencedDataFile !== undefined && { onlyFile: mapped(ctx, f.referencedDataFile, shown) }),
    ...(pathLower !== undefined && { pathLower }),
    ...(pathUpper !== undefined && { pathUpper }),
  };
}

/**
 * Spec "Scan Planning": a position delete applies to data files whose data
 * sequence number is ≤ its own (its rows name the file; a referenced data
 * file or path bounds narrow it down at planning); an equality delete to
 * data files whose data sequence number is < its own, in its partition
 * (same spec and tuple) unless its spec is unpartitioned (a global delete).
 */
function appliesTo(d: PlannedDelete, data: ManifestEntry, dataSpec: PartitionSpec, dataUri: string): boolean {
  if (d.task.content === 'position-deletes') {
    if (data.sequenceNumber > d.entry.sequenceNumber) return false;
    if (d.onlyFile !== undefined) return d.onlyFile === dataUri;
    const path = data.file.path;
    if (d.pathLower !== undefined && path < d.pathLower) return false;
    // Path bounds may be truncated: a path that starts with the upper bound may still be named.
    if (d.pathUpper !== undefined && path > d.pathUpper && !path.startsWith(d.pathUpper)) return false;
    return true;
  }
  if (data.sequenceNumber >= d.entry.sequenceNumber) return false;
  if (isUnpartitioned(d.spec)) return true;
  if (d.spec.specId !== dataSpec.specId) return false;
  return samePartition(d.entry.file, data.file);
}

function samePartition(a: DataFile, b: DataFile): boolean {
  if (a.partition.size !== b.partition.size) return false;
  for (const [id, v] of a.partition) {
    if (!b.partition.has(id) || !sameValue(v, b.partition.get(id)!)) return false;
  }
  return true;
}

function partitionByName(spec: PartitionSpec, f: DataFile): Record<string, IcebergValue | null> {
  const out: Record<string, IcebergValue | null> = {};
  for (const p of spec.fields) if (f.partition.has(p.fieldId)) out[p.name] = f.partition.get(p.fieldId)!;
  return Object.freeze(out);
}

function defaultOf(metadata: TableMetadata, id: number): IcebergValue | null {
  const f = fieldsById(currentSchema(metadata)).get(id);
  if (f === undefined || f.initialDefault === undefined || !isPrimitive(f.type)) return null;
  // Bound fields have their default checked; a key field's malformed default reads as null.
  try {
    return bindFields({ schemaId: 0, fields: [f], identifierFieldIds: [] }, [{ name: f.name, column: f.name }])[0]!.initialDefault;
  } catch {
    return null;
  }
}

function findInOlderSchemas(metadata: TableMetadata, id: number) {
  for (const s of [...metadata.schemas.values()].reverse()) {
    const f = fieldsById(s).get(id);
    if (f !== undefined) return f.type;
  }
  return undefined;
}

async function inBatches<T>(items: readonly T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
