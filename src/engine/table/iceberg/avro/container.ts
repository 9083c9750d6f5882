import { inflateRawSync } from 'node:zlib';
import avsc from 'avsc';

/**
 * Avro object container files (manifest lists and manifests), decoded with
 * avsc. The framing (magic, header, blocks, sync markers) is read here so
 * that a file is decoded from bytes already in memory, synchronously, with
 * every size checked before it is trusted; avsc decodes the header map and
 * the records with the writer's schema.
 *
 * avsc reads `long` as a JS number and throws above 2^53; Iceberg's longs
 * (snapshot ids) go beyond, so `long` is registered as BigInt.
 */
export interface AvroContainer {
  /** The writer's schema, as JSON (field ids are in its `field-id` attributes). */
  readonly schema: unknown;
  /** Header metadata (Iceberg writes `format-version`, `partition-spec`, `content`, ...). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly records: readonly unknown[];
}

/** Thrown for bytes that are not a readable container file; the caller names the file. */
export class AvroError extends Error {}

const MAGIC = [0x4f, 0x62, 0x6a, 0x01]; // "Obj" 1
/** Manifests are a few MB at most; a block inflating beyond this is not a manifest. */
const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

/** avsc's `long` as BigInt (exported for tests that write manifests with avsc). */
export const BigIntLong = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (n: unknown) => BigInt(n as number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

const HEADER_MAP = avsc.Type.forSchema({ type: 'map', values: 'bytes' });
const LONG = avsc.Type.forSchema('long');

export function readAvroContainer(bytes: Uint8Array): AvroContainer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4 + 1 + 16 || MAGIC.some((b, i) => buf[i] !== b)) throw new AvroError('not an Avro container file');
  const header = HEADER_MAP.decode(buf, 4);
  if (header.offset < 0) throw new AvroError('truncated header');
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(header.value as Record<string, Buffer>)) meta[k] = v.toString('utf8');
  let pos = header.offset;
  const sync = buf.subarray(pos, pos + 16);
  pos += 16;
  if (sync.length !== 16) throw new AvroError('truncated header');

  const schemaText = meta['avro.schema'];
  if (schemaText === undefined) throw new AvroError('no writer schema');
  let schema: unknown;
  let type: avsc.Type;
  try {
    schema = JSON.parse(schemaText);
    type = avsc.Type.forSchema(schema as avsc.Schema, { registry: { long: BigIntLong }, wrapUnions: false });
  } catch {
    throw new AvroError('an unreadable writer schema');
  }
  const codec = meta['avro.codec'] ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') throw new AvroError(`the ${codec} codec (only null and deflate are read)`);

  const records: unknown[] = [];
  while (pos < buf.length) {
    const count = LONG.decode(buf, pos);
    if (count.offset < 0) throw new AvroError('truncated block');
    const size = LONG.decode(buf, count.offset);
    if (size.offset < 0) throw new AvroError('truncated block');
    const n = count.value as number;
    const length = size.value as number;
    if (n < 0 || length < 0 || size.offset + length + 16 > buf.length) throw new AvroError('a block runs past the end of the file');
    let data: Buffer = buf.subarray(size.offset, size.offset + length);
    if (codec === 'deflate') {
      try {
        data = inflateRawSync(data, { maxOutputLength: MAX_BLOCK_BYTES });
      } catch {
        throw new AvroError('a block that does not inflate');
      }
    }
    // Every record of a manifest takes at least one byte: a larger count is corrupt, not a reason to loop.
    if (n > data.length) throw new AvroError('a block claims more records than it has bytes');
    let at = 0;
    for (let i = 0; i < n; i++) {
      let decoded: { value: unknown; offset: number };
      try {
        decoded = type.decode(data, at);
      } catch {
        throw new AvroError('a record that does not decode');
      }
      if (decoded.offset < 0 || decoded.offset > data.length) throw new AvroError('a record runs past the end of its block');
      records.push(decoded.value);
      at = decoded.offset;
    }
    if (at !== data.length) throw new AvroError('a block with bytes after its records');
    pos = size.offset + length;
    if (!buf.subarray(pos, pos + 16).equals(sync)) throw new AvroError('a wrong sync marker');
    pos += 16;
  }
  return Object.freeze({ schema, metadata: Object.freeze(meta), records: Object.freeze(records) });
}
