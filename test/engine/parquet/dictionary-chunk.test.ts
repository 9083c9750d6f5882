import { tableFromIPC } from 'apache-arrow';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParquetFile } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DICTIONARY_ENTRIES } from '../../../src/engine/columnar/column.js';
import { dictionaryCodes } from '../../../src/engine/columnar/string-dictionary.js';
import { EmbeddedEngine } from '../../../src/engine/engine.js';
import { decodeDictionaryChunk } from '../../../src/engine/parquet/dictionary-chunk.js';
import { readFooter } from '../../../src/engine/parquet/parquet-metadata.js';
import { Expr } from '../../../src/plan/expr.js';
import { AggregateNode, ScanNode, type ScanField } from '../../../src/plan/plan.js';
import { Oracle } from '../duckdb-oracle.js';

/**
 * Dictionary-encoded string chunks read as codes straight from their pages
 * (dictionary-chunk.ts) must give exactly what decoding every row with
 * parquet-wasm and numbering its distinct values (string-dictionary.ts)
 * gives; and the engine, which reads such chunks that way, must answer as
 * DuckDB does. The files are written by DuckDB with data pages of both
 * versions, Snappy and uncompressed, nulls, several pages per chunk, and a
 * column of too many values for codes.
 */
const dir = mkdtempSync(join(tmpdir(), 'sluice-dictionary-chunk-'));
let oracle: Oracle;
const engine = new EmbeddedEngine({ columnCacheBytes: 0 });
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const VARIANTS = [
  { name: 'v1-snappy', options: "COMPRESSION 'snappy'" },
  { name: 'v2-snappy', options: "COMPRESSION 'snappy', PARQUET_VERSION V2" },
  { name: 'v1-none', options: "COMPRESSION 'uncompressed'" },
  { name: 'v2-none', options: "COMPRESSION 'uncompressed', PARQUET_VERSION V2" },
];
const ROWS = 50_000;

beforeAll(async () => {
  oracle = await Oracle.open();
  for (const v of VARIANTS) {
    // kind: few values, with nulls, in an order unrelated to the dictionary's; tag: one value in a few rows;
    // many: too many distinct values for codes; never_null: no nulls at all.
    await oracle.run(`COPY (
      SELECT i AS id,
        CASE WHEN i % 11 = 0 THEN NULL ELSE ['north', 'south', 'éast', 'west', ''][1 + (i * 7919) % 5] END AS kind,
        CASE WHEN i % 997 = 0 THEN 'rare' ELSE NULL END AS tag,
        'value ' || (i % 9000) AS many,
        ['a', 'b'][1 + i % 2] AS never_null
      FROM range(${ROWS}) t(i)
    ) TO '${join(dir, `${v.name}.parquet`)}' (FORMAT parquet, ROW_GROUP_SIZE 20000, ${v.options})`);
  }
});

describe('dictionary chunks read as codes', () => {
  it.each(VARIANTS.map((v) => v.name))('equal the codes of every row decoded by parquet-wasm (%s)', async (name) => {
    const bytes = readFileSync(join(dir, `${name}.parquet`));
    const footer = await readFooter(
      { size: bytes.length, read: (s, e) => Promise.resolve(bytes.buffer.slice(bytes.byteOffset + s, bytes.byteOffset + e)) },
      name,
      'test',
    );
    const file = await ParquetFile.fromFile(new Blob([bytes]));
    let coded = 0;
    for (let rg = 0; rg < footer.rowGroups.length; rg++) {
      const { numRows, dictionaryChunks } = footer.rowGroups[rg]!;
      expect([...dictionaryChunks.keys()]).toEqual(expect.arrayContaining(['kind', 'tag', 'never_null']));
      for (const [column, layout] of dictionaryChunks) {
        const got = decodeDictionaryChunk(bytes.subarray(layout.start, layout.end), layout, numRows, MAX_DICTIONARY_ENTRIES);
        const data = tableFromIPC((await file.read({ columns: [column], rowGroups: [rg], batchSize: numRows })).intoIPCStream()).getChild(
          column,
        )!.data[0]!;
        const valid = data.nullCount > 0 ? data.nullBitmap! : null;
        const want = dictionaryCodes(data.valueOffsets, data.values, valid, numRows, MAX_DICTIONARY_ENTRIES);
        if (want === undefined) {
          expect(got, `${column} of row group ${rg}`).toBeUndefined();
          continue;
        }
        expect(got, `${column} of row group ${rg}`).toBeDefined();
        coded++;
        expect(got!.codes).toEqual(want.codes);
        const text = (b: Uint8Array, s: number, e: number) => Buffer.from(b.subarray(s, e)).toString('utf8');
        expect(Array.from({ length: want.count }, (_, k) => text(got!.bytes, got!.offsets[k]!, got!.offsets[k + 1]!))).toEqual(
          want.starts.map((s, k) => text(data.values, s, want.ends[k]!)),
        );
        if (valid === null) expect(got!.valid).toBeNull();
        else for (let i = 0; i < numRows; i++) expect((got!.valid![i >> 3]! >> (i & 7)) & 1).toBe((valid[i >> 3]! >> (i & 7)) & 1);
      }
    }
    // kind, tag and never_null in each of the three row groups; many has too many values.
    expect(coded).toBe(9);
  });

  it('leave a chunk whose bytes are damaged to parquet-wasm (undefined), never a wrong answer', async () => {
    const bytes = readFileSync(join(dir, 'v1-none.parquet'));
    const footer = await readFooter(
      { size: bytes.length, read: (s, e) => Promise.resolve(bytes.buffer.slice(bytes.byteOffset + s, bytes.byteOffset + e)) },
      'v1-none',
      'test',
    );
    const layout = footer.rowGroups[0]!.dictionaryChunks.get('kind')!;
    const chunk = Uint8Array.from(bytes.subarray(layout.start, layout.end));
    const intact = decodeDictionaryChunk(chunk, layout, footer.rowGroups[0]!.numRows, MAX_DICTIONARY_ENTRIES)!;
    expect(intact).toBeDefined();
    // Cut short: the rows' indexes end early.
    expect(decodeDictionaryChunk(chunk.subarray(0, chunk.length - 50), layout, footer.rowGroups[0]!.numRows, 4096)).toBeUndefined();
    // More rows than the pages hold.
    expect(decodeDictionaryChunk(chunk, layout, footer.rowGroups[0]!.numRows + 1, 4096)).toBeUndefined();
  });

  it.each(VARIANTS.map((v) => v.name))('give the engine the answers DuckDB gives (%s)', async (name) => {
    const source = join(dir, `${name}.parquet`);
    const fields: ScanField[] = ['kind', 'tag', 'many', 'never_null'].map((n) => ({ name: n, column: n, type: 'string' }));
    const scan = (filters: Expr[]) => ScanNode.create({ product: 'p', major: 1, version: '1.0.0', source, fields, filters });
    const counted = await engine.execute(
      AggregateNode.create(scan([Expr.in('kind', ['north', 'éast', ''])]), ['kind', 'tag', 'never_null'], [{ fn: 'count' }]),
    );
    const want = await oracle.rows(
      `SELECT kind, tag, never_null, count(*)::INTEGER AS count FROM '${source}' WHERE kind IN ('north', 'éast', '') GROUP BY ALL`,
    );
    const key = (r: Record<string, unknown>, count: unknown) => JSON.stringify([r.kind, r.tag, r.never_null, Number(count)]);
    expect(counted.rows.map((r) => key(r, r['count(*)'])).sort()).toEqual(want.map((r) => key(r, r.count)).sort());
    expect(want.length).toBeGreaterThan(6);
  });
});
