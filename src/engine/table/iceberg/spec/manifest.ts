import type { AvroContainer } from '../avro/container.js';
import { parsePartitionSpec, resultType, type PartitionSpec } from './partition.js';
import { fieldsById, isPrimitive, type PrimitiveType, type Schema } from './types.js';
import { bigEndianSigned, uuidString, type IcebergValue } from './values.js';

/**
 * Manifest lists and manifests (spec "Manifests", "Manifest Lists") as
 * data. Records are read by Iceberg field id (the writer's Avro schema
 * carries `field-id` on every field), so a writer's field names, their
 * order and Avro-sanitised partition names do not matter; the spec's names
 * are the fallback for writers that omit ids.
 */
export interface FieldSummary {
  readonly containsNull: boolean;
  /** Undefined when the writer did not say (older writers). */
  readonly containsNan?: boolean;
  readonly lowerBound?: Uint8Array;
  readonly upperBound?: Uint8Array;
}

export interface ManifestFile {
  /** As recorded (the table's own location; mapped by io/ before reading). */
  readonly path: string;
  readonly length?: number;
  readonly specId: number;
  readonly content: 'data' | 'deletes';
  /** The sequence number of the commit that added it; 0 in v1. ADDED entries without their own inherit it. */
  readonly sequenceNumber: bigint;
  readonly minSequenceNumber: bigint;
  readonly addedSnapshotId: string;
  /** One summary per field of the manifest's partition spec, in spec order. */
  readonly partitions?: readonly FieldSummary[];
  readonly encrypted: boolean;
}

export type FileContent = 'data' | 'position-deletes' | 'equality-deletes';

export interface DataFile {
  readonly content: FileContent;
  /** As recorded in the manifest. */
  readonly path: string;
  /** Upper case: PARQUET, AVRO, ORC, PUFFIN. */
  readonly format: string;
  readonly specId: number;
  /** The partition tuple, by partition field id, in the transforms' result types. */
  readonly partition: ReadonlyMap<number, IcebergValue | null>;
  readonly recordCount: number;
  readonly fileSizeInBytes: number;
  readonly valueCounts?: ReadonlyMap<number, number>;
  readonly nullValueCounts?: ReadonlyMap<number, number>;
  readonly nanValueCounts?: ReadonlyMap<number, number>;
  readonly lowerBounds?: ReadonlyMap<number, Uint8Array>;
  readonly upperBounds?: ReadonlyMap<number, Uint8Array>;
  readonly encrypted: boolean;
  readonly equalityIds?: readonly number[];
  /** Position deletes (and v3 deletion vectors) that all reference one data file. */
  readonly referencedDataFile?: string;
}

export type EntryStatus = 'existing' | 'added' | 'deleted';

export interface ManifestEntry {
  readonly status: EntryStatus;
  readonly snapshotId: string;
  /** Data sequence number, inherited from the manifest when the entry leaves it null. */
  readonly sequenceNumber: bigint;
  readonly fileSequenceNumber: bigint;
  readonly file: DataFile;
}

/** Reads a manifest list. Throws plain Errors on a malformed one; the caller names the file. */
export function manifestListFrom(container: AvroContainer, snapshotId: string): ManifestFile[] {
  const ids = fieldIdsOf(container.schema);
  return container.records.map((r) => {
    const get = reader(r, ids);
    const partitions = get(507, 'partitions');
    const content = num(get(517, 'content') ?? 0);
    return Object.freeze({
      path: str(get(500, 'manifest_path'), 'manifest_path'),
      ...(get(501, 'manifest_length') != null && { length: num(get(501, 'manifest_length')) }),
      specId: num(get(502, 'partition_spec_id') ?? 0),
      content: content === 0 ? 'data' : content === 1 ? 'deletes' : bad(`manifest content ${content}`),
      sequenceNumber: long(get(515, 'sequence_number') ?? 0n),
      minSequenceNumber: long(get(516, 'min_sequence_number') ?? 0n),
      addedSnapshotId: get(503, 'added_snapshot_id') == null ? snapshotId : long(get(503, 'added_snapshot_id')).toString(),
      ...(Array.isArray(partitions) && {
        partitions: Object.freeze(
          partitions.map((p: unknown) => {
            const g = reader(p, ids);
            const containsNan = g(518, 'contains_nan');
            const lower = g(510, 'lower_bound');
            const upper = g(511, 'upper_bound');
            return Object.freeze({
              containsNull: g(509, 'contains_null') === true,
              ...(typeof containsNan === 'boolean' && { containsNan }),
              ...(lower != null && { lowerBound: bytes(lower) }),
              ...(upper != null && { upperBound: bytes(upper) }),
            });
          }),
        ),
      }),
      encrypted: get(519, 'key_metadata') != null,
    } satisfies ManifestFile);
  });
}

/** The partition spec a manifest was written with, from its header when the table metadata no longer lists it. */
export function manifestSpec(container: AvroContainer, specs: ReadonlyMap<number, PartitionSpec>, specId: number): PartitionSpec {
  const known = specs.get(specId);
  if (known !== undefined) return known;
  const header = container.metadata['partition-spec'];
  if (header === undefined) throw new Error(`partition spec ${specId} is unknown`);
  return parsePartitionSpec(JSON.parse(header), specId);
}

/**
 * Reads a manifest's entries. `schema` is the table schema used to type the
 * partition tuple (a transform's result type follows its source column's type).
 */
export function manifestEntriesFrom(
  container: AvroContainer,
  manifest: ManifestFile,
  spec: PartitionSpec,
  schema: Schema,
): ManifestEntry[] {
  const ids = fieldIdsOf(container.schema);
  const sources = fieldsById(schema);
  const partitionTypes = new Map<number, PrimitiveType | undefined>();
  for (const f of spec.fields) {
    const source = sources.get(f.sourceId)?.type;
    partitionTypes.set(f.fieldId, source !== undefined && isPrimitive(source) ? resultType(f.transform, source) : undefined);
  }
  const contentHeader = container.metadata.content;
  return container.records.map((r) => {
    const get = reader(r, ids);
    const statusCode = num(get(0, 'status'));
    const status: EntryStatus =
      statusCode === 0 ? 'existing' : statusCode === 1 ? 'added' : statusCode === 2 ? 'deleted' : bad(`entry status ${statusCode}`);
    const f = reader(get(2, 'data_file'), ids);
    const contentCode = num(f(134, 'content') ?? (contentHeader === 'deletes' ? bad('a delete entry without content') : 0));
    const content: FileContent =
      contentCode === 0
        ? 'data'
        : contentCode === 1
          ? 'position-deletes'
          : contentCode === 2
            ? 'equality-deletes'
            : bad(`file content ${contentCode}`);
    const seq = get(3, 'sequence_number');
    const fileSeq = get(4, 'file_sequence_number');
    // Spec "Sequence Number Inheritance": null means "the manifest's", which only ADDED entries may leave null;
    // entries of v1 manifests have none and are 0.
    const inherited = status === 'added' ? manifest.sequenceNumber : 0n;
    const equalityIds = f(135, 'equality_ids');
    const referenced = f(143, 'referenced_data_file');
    const file: DataFile = Object.freeze({
      content,
      path: str(f(100, 'file_path'), 'file_path'),
      format: str(f(101, 'file_format'), 'file_format').toUpperCase(),
      specId: manifest.specId,
      partition: partitionOf(f(102, 'partition'), ids, spec, partitionTypes),
      recordCount: num(f(103, 'record_count')),
      fileSizeInBytes: num(f(104, 'file_size_in_bytes')),
      ...optionalMap('valueCounts', f(109, 'value_counts'), num),
      ...optionalMap('nullValueCounts', f(110, 'null_value_counts'), num),
      ...optionalMap('nanValueCounts', f(137, 'nan_value_counts'), num),
      ...optionalMap('lowerBounds', f(125, 'lower_bounds'), bytes),
      ...optionalMap('upperBounds', f(128, 'upper_bounds'), bytes),
      encrypted: f(131, 'key_metadata') != null,
      ...(Array.isArray(equalityIds) && { equalityIds: Object.freeze(equalityIds.map(num)) }),
      ...(typeof referenced === 'string' && { referencedDataFile: referenced }),
    });
    return Object.freeze({
      status,
      snapshotId: get(1, 'snapshot_id') == null ? manifest.addedSnapshotId : long(get(1, 'snapshot_id')).toString(),
      sequenceNumber: seq == null ? inherited : long(seq),
      fileSequenceNumber: fileSeq == null ? inherited : long(fileSeq),
      file,
    });
  });
}

function partitionOf(
  value: unknown,
  ids: ReadonlyMap<number, string>,
  spec: PartitionSpec,
  types: ReadonlyMap<number, PrimitiveType | undefined>,
): ReadonlyMap<number, IcebergValue | null> {
  const out = new Map<number, IcebergValue | null>();
  if (value === null || typeof value !== 'object') return out;
  const get = reader(value, ids);
  for (const f of spec.fields) {
    const v = get(f.fieldId, f.name);
    out.set(f.fieldId, v == null ? null : fromAvro(types.get(f.fieldId), v));
  }
  return out;
}

/** An Avro-decoded value in the representation of values.ts. */
export function fromAvro(type: PrimitiveType | undefined, v: unknown): IcebergValue {
  switch (type?.type) {
    case 'int':
    case 'date':
      return typeof v === 'bigint' ? Number(v) : (v as number);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return typeof v === 'bigint' ? v : BigInt(v as number);
    case 'decimal':
      return bytes(v).length === 0 ? 0n : bigEndianSigned(bytes(v));
    case 'uuid':
      return typeof v === 'string' ? v.toLowerCase() : uuidString(bytes(v));
    case 'fixed':
    case 'binary':
      return bytes(v);
    default:
      return v instanceof Uint8Array ? bytes(v) : (v as IcebergValue);
  }
}

/** field-id → the writer's field name, for every record field of the writer schema. */
function fieldIdsOf(schema: unknown): ReadonlyMap<number, string> {
  const out = new Map<number, string>();
  const walk = (t: unknown) => {
    if (Array.isArray(t)) return t.forEach(walk);
    if (t === null || typeof t !== 'object') return;
    const o = t as Record<string, unknown>;
    if (o.type === 'record' && Array.isArray(o.fields)) {
      for (const f of o.fields as Record<string, unknown>[]) {
        if (typeof f['field-id'] === 'number' && typeof f.name === 'string') out.set(f['field-id'], f.name);
        walk(f.type);
      }
    } else if (o.type === 'array') walk(o.items);
    else if (o.type === 'map') walk(o.values);
  };
  walk(schema);
  return out;
}

/**
 * Reads a record's field by id (the name the writer gave that id), else by
 * the spec's name. Ids are global to the manifest schemas (field ids 0–145
 * and 500–519 are reserved), so one map serves every nested record.
 */
function reader(record: unknown, ids: ReadonlyMap<number, string>): (id: number, name: string) => unknown {
  const r = (record ?? {}) as Record<string, unknown>;
  return (id, name) => {
    const named = ids.get(id);
    if (named !== undefined && named in r) return r[named];
    return r[name];
  };
}

/** Iceberg writes maps with int keys as arrays of { key, value } records. */
function optionalMap<K extends string, V>(key: K, v: unknown, value: (x: unknown) => V): Partial<Record<K, ReadonlyMap<number, V>>> {
  if (v == null) return {};
  const out = new Map<number, V>();
  if (Array.isArray(v)) for (const e of v as { key: unknown; value: unknown }[]) out.set(num(e.key), value(e.value));
  else if (typeof v === 'object') for (const [k, x] of Object.entries(v as Record<string, unknown>)) out.set(Number(k), value(x));
  return { [key]: out } as unknown as Partial<Record<K, ReadonlyMap<number, V>>>;
}

function num(v: unknown): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error('a count or id is not an integer');
  return n;
}

function long(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new Error('a long is not an integer');
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} is missing`);
  return v;
}

function bytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new Error('a binary value is not bytes');
}

function bad(what: string): never {
  throw new Error(`unknown ${what}`);
}
