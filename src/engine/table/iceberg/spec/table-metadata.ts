import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { SluiceError } from '../../../../errors.js';
import { corrupt, unsupported } from './refusal.js';
import { parsePartitionSpec, type PartitionSpec } from './partition.js';
import { intOf, parseSchema, type Schema } from './types.js';

/**
 * Table metadata (spec "Table Metadata"), formats v1 to v3, parsed without
 * losing 64-bit ids: `JSON.parse` rounds snapshot ids above 2^53, so the
 * text is parsed with lossless-json and ids are kept as the decimal strings
 * the metadata wrote.
 */
export interface Snapshot {
  /** The snapshot id exactly as written, a decimal string (may exceed 2^53). */
  readonly id: string;
  readonly parentId?: string;
  /** 0 for format v1 tables (no sequence numbers). */
  readonly sequenceNumber: bigint;
  readonly timestampMs: number;
  /** Path of the manifest list as recorded (v2; usually v1 too). */
  readonly manifestList?: string;
  /** v1 only: manifest paths listed in the metadata itself instead of a manifest list. */
  readonly manifests?: readonly string[];
  readonly schemaId?: number;
  readonly operation?: string;
}

export interface SnapshotRef {
  readonly snapshotId: string;
  readonly type: 'branch' | 'tag';
}

export interface SnapshotLogEntry {
  readonly timestampMs: number;
  readonly snapshotId: string;
}

export interface TableMetadata {
  readonly formatVersion: 1 | 2 | 3;
  readonly tableUuid?: string;
  /** The table's location as recorded by its writer (any scheme, or a relative path). */
  readonly location: string;
  readonly lastSequenceNumber: bigint;
  readonly currentSchemaId: number;
  readonly schemas: ReadonlyMap<number, Schema>;
  readonly specs: ReadonlyMap<number, PartitionSpec>;
  readonly defaultSpecId: number;
  /** Absent when the table has no snapshot yet (written as -1 or null by some writers). */
  readonly currentSnapshotId?: string;
  readonly snapshots: ReadonlyMap<string, Snapshot>;
  /** Commits in order: what `asOf: { timestamp }` is resolved against. */
  readonly snapshotLog: readonly SnapshotLogEntry[];
  readonly refs: ReadonlyMap<string, SnapshotRef>;
  readonly properties: Readonly<Record<string, string>>;
  /** `schema.name-mapping.default`: field ids of top-level column names, for files written without field ids. */
  readonly nameMapping?: ReadonlyMap<string, number>;
}

export const currentSchema = (m: TableMetadata): Schema => m.schemas.get(m.currentSchemaId)!;

/** Parses a metadata file's text; SOURCE_CORRUPT when it is not table metadata, SOURCE_UNSUPPORTED for features refused outright. */
export function parseTableMetadata(text: string): TableMetadata {
  let json: unknown;
  try {
    json = parseLossless(text);
  } catch {
    throw corrupt('the table metadata file is not valid JSON');
  }
  try {
    return fromJson(json);
  } catch (e) {
    if (e instanceof SluiceError) throw e;
    throw corrupt(`the table metadata is not valid Iceberg metadata (${(e as Error).message})`);
  }
}

function fromJson(json: unknown): TableMetadata {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not an object');
  const o = json as Record<string, unknown>;
  const formatVersion = intOf(o['format-version'], 'format-version');
  if (formatVersion < 1) throw new Error('format-version is not 1, 2 or 3');
  if (formatVersion > 3) throw unsupported(`table format version ${formatVersion}`);
  const keys = o['encryption-keys'];
  if (Array.isArray(keys) && keys.length > 0) throw unsupported('encryption (the table metadata lists encryption keys)');
  const location = str(o.location, 'location');

  const schemas = new Map<number, Schema>();
  if (Array.isArray(o.schemas)) for (const s of o.schemas) schemas.set(parseSchema(s).schemaId, parseSchema(s));
  else if (o.schema !== undefined) schemas.set(parseSchema(o.schema).schemaId, parseSchema(o.schema));
  const currentSchemaId =
    o['current-schema-id'] === undefined ? [...schemas.keys()][0] : intOf(o['current-schema-id'], 'current-schema-id');
  if (currentSchemaId === undefined || !schemas.has(currentSchemaId)) throw new Error('the current schema is not among the schemas');

  const specs = new Map<number, PartitionSpec>();
  if (Array.isArray(o['partition-specs']))
    for (const s of o['partition-specs']) specs.set(parsePartitionSpec(s).specId, parsePartitionSpec(s));
  else if (o['partition-spec'] !== undefined) specs.set(0, parsePartitionSpec(o['partition-spec'], 0));
  else specs.set(0, parsePartitionSpec([], 0));
  const defaultSpecId = o['default-spec-id'] === undefined ? 0 : intOf(o['default-spec-id'], 'default-spec-id');

  const snapshots = new Map<string, Snapshot>();
  for (const s of Array.isArray(o.snapshots) ? o.snapshots : []) {
    const snap = parseSnapshot(s, formatVersion);
    snapshots.set(snap.id, snap);
  }
  let currentSnapshotId = idOf(o['current-snapshot-id']);
  if (currentSnapshotId === '-1') currentSnapshotId = undefined;
  if (currentSnapshotId !== undefined && !snapshots.has(currentSnapshotId))
    throw new Error('the current snapshot is not among the snapshots');

  const refs = new Map<string, SnapshotRef>();
  const refsJson = o.refs;
  if (refsJson !== null && typeof refsJson === 'object') {
    for (const [name, r] of Object.entries(refsJson as Record<string, Record<string, unknown>>)) {
      const snapshotId = idOf(r['snapshot-id']);
      if (snapshotId === undefined) throw new Error(`ref ${name} names no snapshot`);
      refs.set(name, Object.freeze({ snapshotId, type: r.type === 'tag' ? 'tag' : 'branch' }));
    }
  }
  // Writers before refs existed: main is the current snapshot.
  if (!refs.has('main') && currentSnapshotId !== undefined)
    refs.set('main', Object.freeze({ snapshotId: currentSnapshotId, type: 'branch' }));

  const snapshotLog = (Array.isArray(o['snapshot-log']) ? o['snapshot-log'] : []).map((e: Record<string, unknown>) =>
    Object.freeze({ timestampMs: intOf(e['timestamp-ms'], 'snapshot log timestamp'), snapshotId: idOf(e['snapshot-id']) ?? '' }),
  );

  const properties: Record<string, string> = {};
  if (o.properties !== null && typeof o.properties === 'object') {
    for (const [k, v] of Object.entries(o.properties as Record<string, unknown>)) properties[k] = String(v);
  }
  if (properties['encryption.key-id'] !== undefined) throw unsupported('encryption (table property encryption.key-id)');
  const mapping = properties['schema.name-mapping.default'];

  return Object.freeze({
    formatVersion: formatVersion as 1 | 2 | 3,
    ...(typeof o['table-uuid'] === 'string' && { tableUuid: o['table-uuid'] }),
    location: location.replace(/\/+$/, ''),
    lastSequenceNumber: o['last-sequence-number'] === undefined ? 0n : BigInt(String(o['last-sequence-number'])),
    currentSchemaId,
    schemas,
    specs,
    defaultSpecId,
    ...(currentSnapshotId !== undefined && { currentSnapshotId }),
    snapshots,
    snapshotLog: Object.freeze(snapshotLog),
    refs,
    properties: Object.freeze(properties),
    ...(mapping !== undefined && { nameMapping: parseNameMapping(mapping) }),
  });
}

function parseSnapshot(json: unknown, formatVersion: number): Snapshot {
  const s = json as Record<string, unknown>;
  const id = idOf(s['snapshot-id']);
  if (id === undefined) throw new Error('a snapshot has no id');
  const parentId = idOf(s['parent-snapshot-id']);
  const summary = (s.summary ?? {}) as Record<string, unknown>;
  const seq = s['sequence-number'];
  if (formatVersion >= 2 && seq === undefined) throw new Error(`snapshot ${id} has no sequence number`);
  return Object.freeze({
    id,
    ...(parentId !== undefined && { parentId }),
    sequenceNumber: seq === undefined ? 0n : BigInt(String(seq)),
    timestampMs: intOf(s['timestamp-ms'], 'snapshot timestamp'),
    ...(typeof s['manifest-list'] === 'string' && { manifestList: s['manifest-list'] }),
    ...(Array.isArray(s.manifests) && { manifests: Object.freeze(s.manifests.map((m) => str(m, 'manifest path'))) }),
    ...(s['schema-id'] !== undefined && { schemaId: intOf(s['schema-id'], 'schema-id') }),
    ...(typeof summary.operation === 'string' && { operation: summary.operation }),
  });
}

/** Top-level names → field id; a nested mapping is not needed (contracts serve top-level columns). */
function parseNameMapping(text: string): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  let json: unknown;
  try {
    json = parseLossless(text);
  } catch {
    throw new Error('schema.name-mapping.default is not JSON');
  }
  if (!Array.isArray(json)) throw new Error('schema.name-mapping.default is not a list');
  for (const entry of json as Record<string, unknown>[]) {
    if (entry['field-id'] === undefined || !Array.isArray(entry.names)) continue;
    const id = intOf(entry['field-id'], 'name mapping field id');
    for (const n of entry.names) if (typeof n === 'string') out.set(n, id);
  }
  return out;
}

/** A snapshot id as its decimal string; undefined for null/absent. */
function idOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (isLosslessNumber(v)) {
    const text = String(v);
    if (!/^-?\d+$/.test(text)) throw new Error('a snapshot id is not an integer');
    return BigInt(text).toString();
  }
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v).toString();
  throw new Error('a snapshot id is not an integer');
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  return v;
}
