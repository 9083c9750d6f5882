import { isDeepStrictEqual } from 'node:util';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AvroError, readAvroContainer } from '../../../../src/engine/table/iceberg/avro/container.js';
import { FIXTURES } from './support.js';

/**
 * The manifest decoder (avsc, with our container framing) cross-checked
 * against a second decoder, Apache Avro's own JavaScript implementation
 * (avro-js, streaming, its own framing and codecs), over every Avro file of
 * every fixture table: both must decode the same records.
 */

const require = createRequire(import.meta.url);
// Its index also loads a deprecated validator needing a package it does not declare: load the two parts used.
const avroJs = {
  ...(require('avro-js/lib/schemas') as { types: { LongType: { using(methods: object): unknown } } }),
  ...(require('avro-js/lib/files') as { streams: { BlockDecoder: new (opts: object) => NodeJS.ReadWriteStream } }),
};

const LONG = avroJs.types.LongType.using({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return b;
  },
  fromJSON: (n: number) => BigInt(n),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

function avroFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? avroFiles(path) : name.endsWith('.avro') ? [path] : [];
  });
}

async function decodeWithAvroJs(bytes: Buffer): Promise<{ records: unknown[]; names: Set<string> }> {
  const records: unknown[] = [];
  const names = new Set<string>();
  const decoder = new avroJs.streams.BlockDecoder({ parseOpts: { registry: { long: LONG } } });
  decoder.on('metadata', (type: { getName?: () => string }) => void type);
  await new Promise<void>((resolve, reject) => {
    decoder.on('data', (r: unknown) => records.push(r));
    decoder.on('end', resolve);
    decoder.on('error', reject);
    Readable.from([bytes]).pipe(decoder as unknown as NodeJS.WritableStream);
  });
  return { records, names };
}

/** Plain data for comparison: records to objects, bytes to hex, avro-js's wrapped unions ({ "long": 5n }) unwrapped. */
function plain(v: unknown, named: ReadonlySet<string>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `0x${Buffer.from(v as Uint8Array).toString('hex')}`;
  if (Array.isArray(v)) return v.map((x) => plain(x, named));
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 1 && named.has(entries[0]![0])) return plain(entries[0]![1], named);
  return Object.fromEntries(entries.map(([k, x]) => [k, plain(x, named)]));
}

/** Type names a union member may be wrapped under. */
function typeNames(
  schema: unknown,
  into = new Set(['boolean', 'int', 'long', 'float', 'double', 'bytes', 'string', 'array', 'map']),
): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => typeNames(s, into));
  else if (schema !== null && typeof schema === 'object') {
    const o = schema as Record<string, unknown>;
    if (typeof o.name === 'string' && (o.type === 'record' || o.type === 'fixed' || o.type === 'enum')) into.add(o.name);
    for (const x of Object.values(o)) typeNames(x, into);
  }
  return into;
}

describe('Avro manifests', () => {
  const files = avroFiles(FIXTURES);

  it('decode to the same records with avsc (ours) and avro-js, for every manifest list and manifest of the fixtures', async () => {
    expect(files.length).toBeGreaterThanOrEqual(49);
    let records = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      const ours = readAvroContainer(bytes);
      const theirs = await decodeWithAvroJs(bytes);
      const named = typeNames(ours.schema);
      expect(plain([...ours.records], named), file).toEqual(plain(theirs.records, named));
      records += ours.records.length;
    }
    expect(records).toBeGreaterThan(80);
  });

  it('keeps 64-bit longs exact (snapshot ids above 2^53)', () => {
    const list = files.find((f) => f.endsWith('snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro'))!;
    const ids = readAvroContainer(readFileSync(list)).records.map((r) => (r as { added_snapshot_id: bigint }).added_snapshot_id);
    expect(ids).toContain(9158179788527662767n);
    expect(9158179788527662767n > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  // A cut exactly after the header's sync marker, or after a block's, leaves a well-formed container holding
  // fewer blocks (Avro cannot tell it from a shorter file): it must read as a prefix of the records. Every other
  // cut is an AvroError, never anything else.
  it('fails with AvroError, never anything else, on any truncation of a real manifest that is not a block boundary', () => {
    const bytes = readFileSync(files.find((f) => f.endsWith('fee93099-6425-4d83-bd7c-0aa646533090-m0.avro'))!);
    const all = readAvroContainer(bytes).records;
    let boundaries = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        try {
          const { records } = readAvroContainer(bytes.subarray(0, cut));
          boundaries++;
          return records.length < all.length && records.every((r, i) => isDeepStrictEqual(r, all[i]));
        } catch (e) {
          return e instanceof AvroError;
        }
      }),
      { numRuns: 200, examples: [[bytes.length - 1], [bytes.length - 17], [0], [4]] },
    );
    expect(boundaries).toBeLessThan(10);
  });

  it('rejects a wrong sync marker, a block claiming more records than bytes, and an unknown codec', () => {
    const bytes = Buffer.from(readFileSync(files.find((f) => f.endsWith('583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro'))!));
    const tail = Buffer.from(bytes);
    tail[tail.length - 1]! ^= 0xff;
    expect(() => readAvroContainer(tail)).toThrow(/sync marker/);
    const codec = Buffer.from(bytes.toString('latin1').replace('deflate', 'snappyx'), 'latin1');
    expect(() => readAvroContainer(codec)).toThrow(AvroError);
    expect(() => readAvroContainer(Buffer.from('Obj\u0002xxxxxxxxxxxxxxxxxxxxxxx'))).toThrow(/not an Avro container/);
  });
});
