/**
 * How a field is found in a data file (the Iceberg spec's column
 * projection): by the Parquet field id; in files written without ids (a
 * table migrated from Hive, files added by name), by the table's
 * `schema.name-mapping.default`; else the identity partition value, the
 * field's initial default, or null. And which type changes a contract may
 * read (the spec's promotions int → long, float → double) and which it may
 * not. The shared fixtures have no table written without field ids, so the
 * name mapping is tested here on a real table's metadata with the property
 * added, as Iceberg's migrate procedure adds it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../../../src/errors.js';
import { bindFields, resolveFieldReads, servingProblem } from '../../../../src/engine/table/iceberg/scan/bind-fields.js';
import type { PartitionSpec } from '../../../../src/engine/table/iceberg/spec/partition.js';
import { currentSchema, parseTableMetadata } from '../../../../src/engine/table/iceberg/spec/table-metadata.js';
import type { Schema } from '../../../../src/engine/table/iceberg/spec/types.js';

const BUNNIES = 'test/fixtures/iceberg/icebird/spark/bunnies/metadata/v3.metadata.json';
const UNPARTITIONED: PartitionSpec = { specId: 0, fields: [] };
const NO_PARTITION = new Map();

/** The fixture's metadata with a default name mapping, the way a migrated table carries it. */
function withNameMapping(mapping: unknown): ReturnType<typeof parseTableMetadata> {
  const json = JSON.parse(readFileSync(BUNNIES, 'utf8')) as { properties: Record<string, string> };
  json.properties['schema.name-mapping.default'] = JSON.stringify(mapping);
  return parseTableMetadata(JSON.stringify(json));
}

describe('the default name mapping', () => {
  const metadata = withNameMapping([
    { 'field-id': 1, names: ['Breed Name', 'breed'] },
    { 'field-id': 2, names: ['Average Weight'] },
    { 'field-id': 4, names: ['lifespan_years'] },
    { names: ['no id: ignored'] },
  ]);
  const fields = bindFields(currentSchema(metadata), [
    { name: 'breed', column: 'Breed Name', type: 'string' },
    { name: 'weight', column: 'Average Weight', type: 'float64' },
    { name: 'lifespan', column: 'Lifespan', type: 'int64' },
    { name: 'ears', column: 'Ear Type', type: 'string' },
  ]);
  const [breed, weight, lifespan, ears] = fields.map((f) => f.fieldId) as [number, number, number, number];

  it('is read from the table properties: every name of an entry maps to its id, entries without ids are skipped', () => {
    expect([...metadata.nameMapping!.entries()].sort()).toEqual(
      [
        ['Average Weight', 2],
        ['Breed Name', 1],
        ['breed', 1],
        ['lifespan_years', 4],
      ].sort(),
    );
  });

  it('binds the columns of a file without field ids by name, any of an entry’s names, and leaves unmapped fields null', () => {
    const columns = [{ name: 'breed' }, { name: 'Average Weight' }, { name: 'lifespan_years' }, { name: 'Ear Type' }];
    const reads = resolveFieldReads(fields, columns, metadata.nameMapping, UNPARTITIONED, NO_PARTITION);
    expect(reads.get(breed)).toEqual({ kind: 'column', column: 'breed' });
    expect(reads.get(weight)).toEqual({ kind: 'column', column: 'Average Weight' });
    expect(reads.get(lifespan)).toEqual({ kind: 'column', column: 'lifespan_years' });
    // "Ear Type" is a column of the file, but the mapping does not name it: it is not guessed by today's name.
    expect(reads.get(ears)).toEqual({ kind: 'constant', value: null, from: 'null' });
  });

  it('is not used for a file that carries field ids: the ids decide, whatever the columns are called', () => {
    const columns = [
      { name: 'breed', fieldId: 4 },
      { name: 'Breed Name', fieldId: 1 },
    ];
    const reads = resolveFieldReads(fields, columns, metadata.nameMapping, UNPARTITIONED, NO_PARTITION);
    expect(reads.get(breed)).toEqual({ kind: 'column', column: 'Breed Name' });
    expect(reads.get(lifespan)).toEqual({ kind: 'column', column: 'breed' });
    expect(reads.get(weight)).toEqual({ kind: 'constant', value: null, from: 'null' });
  });

  it('absent, a file without field ids is refused (SOURCE_UNSUPPORTED), never read by today’s names', () => {
    const plain = parseTableMetadata(readFileSync(BUNNIES, 'utf8'));
    expect(plain.nameMapping).toBeUndefined();
    let failure: unknown;
    try {
      resolveFieldReads(fields, [{ name: 'Breed Name' }], plain.nameMapping, UNPARTITIONED, NO_PARTITION);
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(SluiceError);
    expect((failure as SluiceError).code).toBe('SOURCE_UNSUPPORTED');
    expect((failure as SluiceError).message).toMatch(/without Parquet field ids.*name-mapping/);
  });
});

describe('type promotions', () => {
  const schema: Schema = {
    schemaId: 3,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'n', required: false, type: { type: 'int' } },
      { id: 2, name: 'big', required: false, type: { type: 'long' } },
      { id: 3, name: 'x', required: false, type: { type: 'float' } },
      { id: 4, name: 'ts', required: false, type: { type: 'timestamptz' } },
      { id: 5, name: 'd', required: false, type: { type: 'decimal', precision: 10, scale: 2 } },
    ],
  };

  it('a contract reads int as int32 or int64, long as int64, float as float64, timestamptz as timestamp', () => {
    for (const [column, type] of [
      ['n', 'int32'],
      ['n', 'int64'],
      ['big', 'int64'],
      ['x', 'float64'],
      ['ts', 'timestamp'],
    ] as const) {
      expect(bindFields(schema, [{ name: column, column, type }])[0]!.contractType).toBe(type);
    }
  });

  it('a narrowing (long as int32) or a change of kind is a mismatch (SOURCE_CORRUPT) saying which; a decimal is unsupported', () => {
    expect(servingProblem('big', { type: 'long' }, 'int32')).toBe('column big is long, expected int32');
    const code = (column: string, type: 'int32' | 'string' | 'float64') => {
      try {
        bindFields(schema, [{ name: column, column, type }], 'events v1');
      } catch (e) {
        return `${(e as SluiceError).code}: ${(e as SluiceError).message}`;
      }
      return 'bound';
    };
    expect(code('big', 'int32')).toBe('SOURCE_CORRUPT: events v1: column big is long, expected int32');
    expect(code('n', 'string')).toBe('SOURCE_CORRUPT: events v1: column n is int, expected string');
    expect(code('d', 'float64')).toMatch(/^SOURCE_UNSUPPORTED: .*decimal/);
    expect(code('missing', 'int32')).toMatch(/^SOURCE_CORRUPT: events v1: column missing is not in the Iceberg table's current schema/);
  });
});
