/**
 * Avro object container files (spec: Avro 1.11 "Object Container Files"),
 * written synchronously: the magic, a header map holding the writer's
 * schema, codec and the caller's metadata, a sync marker, then blocks of
 * records, each followed by the marker. Records are encoded by avsc with
 * the writer's schema; longs are BigInt, as Iceberg's snapshot ids exceed
 * 2^53. The sync marker is given by the caller, so the same records give
 * the same bytes on every run.
 */
import { deflateRawSync } from 'node:zlib';
import avsc from 'avsc';

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
/** Java's DataFileWriter starts a new block after about this many bytes of records (its default sync interval). */
const BLOCK_BYTES = 64_000;

/** avsc's `long` as a BigInt. */
const BigIntLong = avsc.types.LongType.__with({
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

export interface ContainerOptions {
  readonly codec: 'null' | 'deflate';
  /** 16 bytes. */
  readonly syncMarker: Buffer;
  /** Header metadata besides `avro.schema` and `avro.codec`, in the order given. */
  readonly metadata: Readonly<Record<string, string>>;
}

export function writeAvroContainer(schema: object, records: readonly unknown[], options: ContainerOptions): Buffer {
  if (options.syncMarker.length !== 16) throw new Error('an Avro sync marker is 16 bytes');
  const type = avsc.Type.forSchema(schema as avsc.Schema, { registry: { long: BigIntLong }, wrapUnions: false });
  const meta: Record<string, Buffer> = {
    'avro.schema': Buffer.from(JSON.stringify(schema), 'utf8'),
    'avro.codec': Buffer.from(options.codec, 'utf8'),
  };
  for (const [k, v] of Object.entries(options.metadata)) meta[k] = Buffer.from(v, 'utf8');
  const parts: Buffer[] = [MAGIC, HEADER_MAP.toBuffer(meta), options.syncMarker];

  let block: Buffer[] = [];
  let blockBytes = 0;
  const flush = () => {
    if (block.length === 0) return;
    const raw = Buffer.concat(block);
    const data = options.codec === 'deflate' ? deflateRawSync(raw) : raw;
    parts.push(LONG.toBuffer(block.length), LONG.toBuffer(data.length), data, options.syncMarker);
    block = [];
    blockBytes = 0;
  };
  for (const r of records) {
    const encoded = type.toBuffer(r); // throws naming the field when a record does not fit the schema
    block.push(encoded);
    blockBytes += encoded.length;
    if (blockBytes >= BLOCK_BYTES) flush();
  }
  flush();
  return Buffer.concat(parts);
}
