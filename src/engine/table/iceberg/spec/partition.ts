import { intOf, parsePrimitive, type PrimitiveType } from './types.js';
import { civilFromDays, type IcebergValue } from './values.js';

/**
 * Partition specs and their transforms (spec "Partitioning"). A data file's
 * partition tuple holds one transformed value per partition field; its
 * type is the transform's result type.
 */
export type Transform =
  | { readonly kind: 'identity' }
  | { readonly kind: 'year' }
  | { readonly kind: 'month' }
  | { readonly kind: 'day' }
  | { readonly kind: 'hour' }
  | { readonly kind: 'bucket'; readonly n: number }
  | { readonly kind: 'truncate'; readonly width: number }
  | { readonly kind: 'void' }
  /** A transform this reader does not know: never used to prune, never to fill a column. */
  | { readonly kind: 'unknown'; readonly name: string };

export interface PartitionField {
  readonly fieldId: number;
  readonly sourceId: number;
  readonly name: string;
  readonly transform: Transform;
}

export interface PartitionSpec {
  readonly specId: number;
  readonly fields: readonly PartitionField[];
}

export function parseTransform(s: string): Transform {
  const t = s.trim();
  switch (t) {
    case 'identity':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'void':
      return Object.freeze({ kind: t });
  }
  const bucket = /^bucket\[(\d+)\]$/.exec(t);
  if (bucket) return Object.freeze({ kind: 'bucket', n: Number(bucket[1]) });
  const truncate = /^truncate\[(\d+)\]$/.exec(t);
  if (truncate) return Object.freeze({ kind: 'truncate', width: Number(truncate[1]) });
  return Object.freeze({ kind: 'unknown', name: t });
}

export function parsePartitionSpec(json: unknown, specId?: number): PartitionSpec {
  const o = (Array.isArray(json) ? { fields: json } : json) as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.fields)) throw new Error('a partition spec has no field list');
  // v1 specs may omit field ids: they are assigned from 1000 in order.
  const fields = o.fields.map((f: unknown, i: number): PartitionField => {
    const p = f as Record<string, unknown>;
    if (typeof p.transform !== 'string' || typeof p.name !== 'string') throw new Error('a partition field has no name or transform');
    const sourceIds = p['source-ids'];
    const sourceId =
      p['source-id'] !== undefined
        ? intOf(p['source-id'], 'source-id')
        : Array.isArray(sourceIds) && sourceIds.length === 1
          ? intOf(sourceIds[0], 'source-id')
          : -1;
    return Object.freeze({
      fieldId: p['field-id'] === undefined ? 1000 + i : intOf(p['field-id'], 'partition field id'),
      sourceId,
      name: p.name,
      // A multi-argument transform (v3 `source-ids`) is carried but never interpreted.
      transform: sourceId < 0 ? Object.freeze({ kind: 'unknown' as const, name: p.transform }) : parseTransform(p.transform),
    });
  });
  return Object.freeze({
    specId: specId ?? (o['spec-id'] === undefined ? 0 : intOf(o['spec-id'], 'spec-id')),
    fields: Object.freeze(fields),
  });
}

/** A spec with no fields, or only void ones, partitions nothing: its deletes are global. */
export const isUnpartitioned = (spec: PartitionSpec) => spec.fields.every((f) => f.transform.kind === 'void');

/** The type of a transform's result for a source type (spec "Partition Transforms"). */
export function resultType(t: Transform, source: PrimitiveType): PrimitiveType | undefined {
  switch (t.kind) {
    case 'identity':
    case 'truncate':
      return source;
    case 'year':
    case 'month':
    case 'hour':
    case 'bucket':
      return parsePrimitive('int');
    case 'day':
      return parsePrimitive('date');
    case 'void':
    case 'unknown':
      return undefined;
  }
}

/**
 * Whether the transform preserves order (a ≤ b ⇒ t(a) ≤ t(b)), so a
 * comparison on the source projects onto the partition value. Bucket does
 * not: it projects equalities only.
 */
export const isMonotone = (t: Transform) =>
  t.kind === 'identity' || t.kind === 'year' || t.kind === 'month' || t.kind === 'day' || t.kind === 'hour' || t.kind === 'truncate';

const MICROS_PER_HOUR = 3_600_000_000n;
const MICROS_PER_DAY = 86_400_000_000n;

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/**
 * The transform applied to a (non-null) source value of `source`, or
 * undefined when this reader cannot compute it (bucket of a type it does not
 * hash, an unknown transform): the caller then cannot prune by it.
 */
export function applyTransform(t: Transform, source: PrimitiveType, v: IcebergValue): IcebergValue | undefined {
  switch (t.kind) {
    case 'identity':
      return v;
    case 'year':
    case 'month':
    case 'day':
    case 'hour': {
      const micros = toMicros(source, v);
      if (micros === undefined) return undefined;
      const days = Number(floorDiv(micros, MICROS_PER_DAY));
      if (t.kind === 'day') return days;
      if (t.kind === 'hour') return Number(floorDiv(micros, MICROS_PER_HOUR));
      const { year, month } = civilFromDays(days);
      return t.kind === 'year' ? year - 1970 : (year - 1970) * 12 + month - 1;
    }
    case 'truncate':
      return truncateValue(source, v, t.width);
    case 'bucket':
      return bucketValue(source, v, t.n);
    case 'void':
    case 'unknown':
      return undefined;
  }
}

/** Dates and timestamps as µs since the epoch (nanosecond timestamps floor to µs: whole days and hours are unchanged). */
function toMicros(source: PrimitiveType, v: IcebergValue): bigint | undefined {
  switch (source.type) {
    case 'date':
      return BigInt(v as number) * MICROS_PER_DAY;
    case 'timestamp':
    case 'timestamptz':
      return v as bigint;
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return floorDiv(v as bigint, 1000n);
    default:
      return undefined;
  }
}

function truncateValue(source: PrimitiveType, v: IcebergValue, w: number): IcebergValue | undefined {
  switch (source.type) {
    case 'int':
      return (v as number) - ((((v as number) % w) + w) % w);
    case 'long': {
      const W = BigInt(w);
      return (v as bigint) - ((((v as bigint) % W) + W) % W);
    }
    case 'decimal': {
      const W = BigInt(w);
      return (v as bigint) - ((((v as bigint) % W) + W) % W);
    }
    case 'string':
      // Width counts code points, not UTF-16 units.
      return Array.from(v as string)
        .slice(0, w)
        .join('');
    case 'binary':
      return (v as Uint8Array).slice(0, w);
    default:
      return undefined;
  }
}

/** bucket[N]: (murmur3_x86_32(single-value hash bytes) & MAX_INT) % N (spec Appendix B). */
function bucketValue(source: PrimitiveType, v: IcebergValue, n: number): number | undefined {
  let bytes: Uint8Array;
  switch (source.type) {
    case 'int':
    case 'date':
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      // ints and longs hash as 8-byte little-endian longs, so a promoted column keeps its buckets.
      const b = new DataView(new ArrayBuffer(8));
      b.setBigInt64(0, typeof v === 'bigint' ? v : BigInt(v as number), true);
      bytes = new Uint8Array(b.buffer);
      break;
    }
    case 'string':
      bytes = new TextEncoder().encode(v as string);
      break;
    case 'binary':
    case 'fixed':
      bytes = v as Uint8Array;
      break;
    case 'uuid':
      bytes = new Uint8Array(Buffer.from((v as string).replace(/-/g, ''), 'hex'));
      break;
    default:
      // decimal (minimal two's-complement bytes) and timestamp_ns are not hashed here: no pruning by them.
      return undefined;
  }
  return (murmur3(bytes) & 0x7fffffff) % n;
}

/** MurmurHash3 x86 32-bit, seed 0, as Iceberg's bucket transform uses it. */
export function murmur3(bytes: Uint8Array): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
