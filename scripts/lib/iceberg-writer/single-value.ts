/**
 * Iceberg's binary single-value serialization (spec Appendix D), the
 * encoding of column bounds in manifests and of partition bounds in
 * manifest lists, and the truncation real writers apply to string bounds
 * (metrics mode `truncate(16)`, Iceberg's default).
 *
 * Written independently of the reader's decoders (src/…/spec/values.ts), so
 * that a test reading a written table through the reader checks one against
 * the other instead of sharing a mistake.
 */
import type { PrimitiveTypeName } from './schema.js';

/** A value of a supported primitive type: int and date as number (date: days), long and timestamps as bigint (µs). */
export type WriterValue = boolean | number | bigint | string;

export function encodeSingleValue(type: PrimitiveTypeName, value: WriterValue): Buffer {
  switch (type) {
    case 'boolean':
      return Buffer.from([value === true ? 1 : 0]);
    case 'int':
    case 'date': {
      const b = Buffer.alloc(4);
      b.writeInt32LE(asInt(value));
      return b;
    }
    case 'long':
    case 'timestamp':
    case 'timestamptz': {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(asBigInt(value));
      return b;
    }
    case 'float': {
      const b = Buffer.alloc(4);
      b.writeFloatLE(asNumber(value));
      return b;
    }
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(asNumber(value));
      return b;
    }
    case 'string':
      if (typeof value !== 'string') throw new Error(`a string value expected, got ${typeof value}`);
      return Buffer.from(value, 'utf8');
  }
}

/** Code points, not UTF-16 units: a bound never splits a surrogate pair. */
const codePoints = (s: string) => Array.from(s);

/** The lower bound of strings whose minimum is `min`: its first `width` code points (a prefix sorts first). */
export function truncateLower(min: string, width: number): string {
  const cps = codePoints(min);
  return cps.length <= width ? min : cps.slice(0, width).join('');
}

/**
 * The upper bound of strings whose maximum is `max`: unchanged when short
 * enough, else its first `width` code points with the last one incremented
 * (dropping trailing code points that cannot be), so that every value is
 * below it. Undefined when no such bound exists (every code point is the
 * largest): the bound is then left out, as Iceberg's writers do.
 */
export function truncateUpper(max: string, width: number): string | undefined {
  const cps = codePoints(max);
  if (cps.length <= width) return max;
  const kept = cps.slice(0, width);
  for (let i = kept.length - 1; i >= 0; i--) {
    let next = kept[i]!.codePointAt(0)! + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // surrogates are not characters
    if (next <= 0x10ffff) return [...kept.slice(0, i), String.fromCodePoint(next)].join('');
  }
  return undefined;
}

function asInt(v: WriterValue): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
    throw new Error(`not a 32-bit integer: ${String(v)}`);
  return v;
}

function asBigInt(v: WriterValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new Error(`not a 64-bit integer: ${String(v)}`);
}

function asNumber(v: WriterValue): number {
  if (typeof v !== 'number') throw new Error(`not a floating-point number: ${String(v)}`);
  return v;
}
