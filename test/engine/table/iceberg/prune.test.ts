import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Expr, type LeafExpr } from '../../../../src/plan/expr.js';
import type { Scalar } from '../../../../src/plan/scalar.js';
import { readPlanRows } from '../../../../src/engine/table/iceberg/read/reference-reader.js';
import type { FieldRequest } from '../../../../src/engine/table/iceberg/scan/bind-fields.js';
import { fileFacts, judge, type FieldFacts } from '../../../../src/engine/table/iceberg/scan/prune.js';
import { applyTransform, murmur3, parsePartitionSpec, parseTransform } from '../../../../src/engine/table/iceberg/spec/partition.js';
import { parsePrimitive } from '../../../../src/engine/table/iceberg/spec/types.js';
import type { IcebergTable } from '../../../../src/engine/table/iceberg/table.js';
import { formatRows, openTable, queryBlock, TABLES } from './support.js';

const HIVE_FIELDS: FieldRequest[] = [
  { name: 'event_date', column: 'event_date', type: 'date' },
  { name: 'user_id', column: 'user_id', type: 'int64' },
  { name: 'event_type', column: 'event_type', type: 'string' },
];
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

/** Rows of a plan with `where` applied row by row, formatted. */
async function answer(table: IcebergTable, fields: FieldRequest[], where: { rowFilter?: Expr; filter?: Expr }, prune: boolean) {
  const plan = await table.planScan({ snapshot: table.snapshot(), fields, ...(prune && where) });
  const both = Expr.and([where.rowFilter ?? Expr.const(true), where.filter ?? Expr.const(true)]);
  return { plan, rows: formatRows(plan, await readPlanRows(plan, table.deleteFiles(), '', both)) };
}

describe('manifest and file pruning', () => {
  it('a selective date predicate reads one manifest of two and one file of two, and answers the published row', async () => {
    const table = await openTable(TABLES.hive);
    const filter = Expr.compare('event_date', 'eq', day('2024-01-02'));
    const pruned = await answer(table, HIVE_FIELDS, { filter }, true);
    const full = await answer(table, HIVE_FIELDS, { filter }, false);
    expect(pruned.plan.manifests).toEqual({ read: 1, total: 2 });
    expect(full.plan.manifests).toEqual({ read: 2, total: 2 });
    expect(pruned.plan.files.filter((f) => f.pruned === undefined)).toHaveLength(1);
    expect(pruned.rows).toEqual(full.rows);
    // identity_date_and_string.test: select user_id ... WHERE event_date = '2024-01-02'
    expect(pruned.rows.map((r) => r[1])).toEqual(
      queryBlock('identity_date_and_string.test', "WHERE event_date = '2024-01-02'").rows.map((r) => r[0]),
    );
  });

  it('column bounds prune files of an unpartitioned table; deletes still apply to the file read', async () => {
    const table = await openTable(TABLES.mytable);
    const fields: FieldRequest[] = [
      { name: 'id', column: 'id', type: 'int32' },
      { name: 'name', column: 'name', type: 'string' },
    ];
    // The first file holds ids 1-4, the second 5-6 (6 deleted by an equality delete).
    const filter = Expr.compare('id', 'gte', 5);
    const pruned = await answer(table, fields, { filter }, true);
    expect(pruned.plan.files.map((f) => f.pruned ?? 'read').sort()).toEqual(['filter', 'read']);
    expect(pruned.rows).toEqual((await answer(table, fields, { filter }, false)).rows);
    expect(pruned.rows).toEqual([['5', 'e']]);
  });

  it('a column a file lacks is a constant there, and prunes it exactly (java bunnies, __happy__)', async () => {
    const table = await openTable(TABLES.javaBunnies);
    const fields: FieldRequest[] = [
      { name: 'name', column: 'Breed Name', type: 'string' },
      { name: 'rank', column: 'Popularity Rank', type: 'int64' },
      { name: 'happy', column: '__happy__', type: 'boolean' },
    ];
    // __happy__ is absent from the older file: read as null there, so `happy = true` prunes it exactly.
    const happy = await answer(table, fields, { filter: Expr.compare('happy', 'eq', true) }, true);
    expect(happy.plan.files.filter((f) => f.pruned === undefined)).toHaveLength(1);
    expect(happy.rows).toEqual([['New Zealand', '0', 'true']]);
  });

  it('with a row filter, the caller filter prunes only where the row filter is provably true for every row', async () => {
    const table = await openTable(TABLES.hive);
    const rowFilter = Expr.compare('user_id', 'gt', 20000n);
    const filter = Expr.compare('event_date', 'eq', day('2024-01-02'));
    const governed = await answer(table, HIVE_FIELDS, { rowFilter, filter }, true);
    // Manifest summaries say nothing of user_id: the row filter is not provably true there, so the date cannot skip manifest 2.
    expect(governed.plan.manifests).toEqual({ read: 2, total: 2 });
    const reasons = Object.fromEntries(
      governed.plan.files.map((f) => [String(f.partition['event_date']) + (f.partition['event_type'] ?? ''), f.pruned ?? 'read']),
    );
    expect(reasons).toEqual({
      [`${day('2024-01-01')}`]: 'row-filter', // user 12345: the row filter is never true
      [`${day('2024-01-02')}`]: 'read', // user 67890: both true
      [`${day('2024-01-03')}view`]: 'row-filter', // user 13579
      [`${day('2024-01-03')}click`]: 'filter', // user 24680: row filter always true, so the date may prune
      [`${day('2024-01-04')}purchase`]: 'filter',
      [`${day('2024-01-04')}view`]: 'filter',
    });
    expect(governed.rows).toEqual((await answer(table, HIVE_FIELDS, { rowFilter, filter }, false)).rows);
  });

  it('never loses a row: random predicates answer the same with and without pruning (hive table, bunnies)', async () => {
    const hive = await openTable(TABLES.hive);
    const bunnies = await openTable(TABLES.javaBunnies);
    const bunnyFields: FieldRequest[] = [
      { name: 'name', column: 'Breed Name', type: 'string' },
      { name: 'weight', column: 'Average Weight', type: 'float64' },
      { name: 'rank', column: 'Popularity Rank', type: 'int64' },
      { name: 'happy', column: '__happy__', type: 'boolean' },
    ];
    const literals: Record<string, Scalar[]> = {
      event_date: [day('2023-12-31'), day('2024-01-01'), day('2024-01-02'), day('2024-01-03'), day('2024-01-04'), day('2024-01-05')],
      user_id: [0n, 12345n, 24680n, 50000n, 97531n, 99999n],
      event_type: ['click', 'purchase', 'view', 'a', 'zzz', 'vie'],
      name: ['Holland Lop', 'New Zealand', 'Rex', 'A', 'Z', 'New'],
      weight: [0.5, 1.8, 4, 4.5, 9],
      rank: [0n, 1n, 5n, 10n, 21n, 30n],
      happy: [true, false],
    };
    const leaf = (fields: string[]): fc.Arbitrary<Expr> =>
      fc.constantFrom(...fields).chain((field) =>
        fc.oneof(
          fc
            .record({ op: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte' as const), v: fc.constantFrom(...literals[field]!) })
            .map(({ op, v }) => Expr.compare(field, op, v)),
          fc
            .record({ vs: fc.subarray(literals[field]!, { minLength: 1 }), neg: fc.boolean() })
            .map(({ vs, neg }) => Expr.in(field, vs, neg)),
          fc.boolean().map((neg) => Expr.isNull(field, neg)),
          ...(typeof literals[field]![0] === 'string'
            ? [fc.constantFrom(...(literals[field] as string[])).map((p) => Expr.text(field, 'startsWith', p.slice(0, 3)))]
            : []),
        ),
      );
    const predicate = (fields: string[]) =>
      fc.letrec<{ e: Expr }>((tie) => ({
        e: fc.oneof(
          { depthSize: 'small' },
          leaf(fields),
          fc.array(tie('e'), { minLength: 2, maxLength: 3 }).map(Expr.and),
          fc.array(tie('e'), { minLength: 2, maxLength: 3 }).map(Expr.or),
        ),
      })).e;
    const cases: [IcebergTable, FieldRequest[]][] = [
      [hive, HIVE_FIELDS],
      [bunnies, bunnyFields],
    ];
    for (const [table, fields] of cases) {
      const names = fields.map((f) => f.name);
      // Every comparison on every literal first (bounds are equal to some literals: off-by-one lives there), then random trees.
      for (const field of names) {
        for (const v of literals[field]!) {
          for (const op of ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const) {
            const filter = Expr.compare(field, op, v);
            expect((await answer(table, fields, { filter }, true)).rows, `${field} ${op} ${v}`).toEqual(
              (await answer(table, fields, { filter }, false)).rows,
            );
          }
        }
      }
      await fc.assert(
        fc.asyncProperty(fc.option(predicate(names), { nil: undefined }), predicate(names), async (rowFilter, filter) => {
          const where = { ...(rowFilter !== undefined && { rowFilter }), filter };
          expect((await answer(table, fields, where, true)).rows).toEqual((await answer(table, fields, where, false)).rows);
        }),
        { numRuns: 60 },
      );
    }
  });
});

describe('verdicts', () => {
  const str = parsePrimitive('string');
  const facts = (f: Omit<FieldFacts, 'type'>) => () => [{ type: str, ...f }];
  const leaf = (e: LeafExpr, f: Omit<FieldFacts, 'type'>) => judge(e, facts(f));

  it('a truncated string upper bound excludes only values that do not start with it', () => {
    // A writer that truncates to 16 characters without incrementing: the longest value is longer than the bound.
    const f = { lower: 'abc', upper: 'abcdefghijklmnop', nullCount: 0, valueCount: 3 };
    expect(leaf(Expr.compare('s', 'eq', 'abcdefghijklmnopzz'), f)).toBe('maybe');
    expect(leaf(Expr.compare('s', 'gt', 'abcdefghijklmnop'), f)).toBe('maybe');
    expect(leaf(Expr.compare('s', 'eq', 'abcdefghijklmnq'), f)).toBe('never');
    expect(leaf(Expr.compare('s', 'lt', 'abcdefghijklmnopa'), f)).toBe('maybe');
    expect(leaf(Expr.compare('s', 'lt', 'abd'), f)).toBe('always');
    expect(leaf(Expr.text('s', 'startsWith', 'abcdefghijklmnopq'), f)).toBe('maybe');
    expect(leaf(Expr.text('s', 'startsWith', 'abd'), f)).toBe('never');
    // Equal bounds of a string may both be truncated: never `always` for equality.
    expect(leaf(Expr.compare('s', 'eq', 'x'), { lower: 'x', upper: 'x', nullCount: 0 })).toBe('maybe');
  });

  it('NaN: bounds exclude for comparisons but prove nothing for ne unless no NaN is counted', () => {
    const d = parsePrimitive('double');
    const f = (nanCount?: number) => () => [{ type: d, lower: 1, upper: 1, nullCount: 0, ...(nanCount !== undefined && { nanCount }) }];
    expect(judge(Expr.compare('x', 'ne', 1), f())).toBe('maybe');
    expect(judge(Expr.compare('x', 'ne', 1), f(0))).toBe('never');
    expect(judge(Expr.compare('x', 'gt', 2), f())).toBe('never');
    expect(judge(Expr.compare('x', 'lte', 2), f())).toBe('maybe');
    expect(judge(Expr.compare('x', 'lte', 2), f(0))).toBe('always');
  });

  it('time transforms and truncate project comparisons; bucket projects equalities', () => {
    const ts = parsePrimitive('timestamp');
    const spec = parsePartitionSpec({
      'spec-id': 0,
      fields: [
        { name: 't_day', transform: 'day', 'source-id': 1, 'field-id': 1000 },
        { name: 's_trunc', transform: 'truncate[3]', 'source-id': 2, 'field-id': 1001 },
        { name: 'id_bucket', transform: 'bucket[16]', 'source-id': 3, 'field-id': 1002 },
      ],
    });
    const fields = [
      { name: 't', column: 't', fieldId: 1, icebergType: ts, initialDefault: null },
      { name: 's', column: 's', fieldId: 2, icebergType: str, initialDefault: null },
      { name: 'id', column: 'id', fieldId: 3, icebergType: parsePrimitive('long'), initialDefault: null },
    ];
    const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
    const bucket = applyTransform(parseTransform('bucket[16]'), parsePrimitive('long'), 34n) as number;
    const partition = new Map<number, number | string>([
      [1000, day('2024-01-02')],
      [1001, 'abc'],
      [1002, bucket],
    ]);
    const of = fileFacts(fields, spec, { partition });
    expect(judge(Expr.compare('t', 'lt', micros('2024-01-02T00:00:00Z')), of)).toBe('maybe');
    expect(judge(Expr.compare('t', 'lt', micros('2024-01-01T23:59:59Z')), of)).toBe('never');
    expect(judge(Expr.compare('t', 'gte', micros('2024-01-03T00:00:00Z')), of)).toBe('never');
    expect(judge(Expr.compare('s', 'eq', 'abd'), of)).toBe('never');
    expect(judge(Expr.compare('s', 'gt', 'abz'), of)).toBe('never');
    expect(judge(Expr.text('s', 'startsWith', 'ab'), of)).toBe('maybe');
    expect(judge(Expr.text('s', 'startsWith', 'abcd'), of)).toBe('maybe');
    expect(judge(Expr.text('s', 'startsWith', 'abx'), of)).toBe('never');
    expect(judge(Expr.text('s', 'startsWith', 'abd'), of)).toBe('never');
    expect(judge(Expr.compare('id', 'eq', 34n), of)).toBe('maybe');
    const other = [35n, 36n, 37n, 38n].find((v) => applyTransform(parseTransform('bucket[16]'), parsePrimitive('long'), v) !== bucket)!;
    expect(judge(Expr.compare('id', 'eq', other), of)).toBe('never');
    expect(judge(Expr.compare('id', 'lt', 0n), of)).toBe('maybe');
  });

  it('murmur3 and the transforms match the Iceberg spec examples (Appendix B, Partition Transforms)', () => {
    const le = (v: bigint) => {
      const b = new DataView(new ArrayBuffer(8));
      b.setBigInt64(0, v, true);
      return new Uint8Array(b.buffer);
    };
    expect(murmur3(le(34n))).toBe(2017239379);
    expect(murmur3(le(17486n))).toBe(-653330422); // date 2017-11-16
    expect(murmur3(le(1510871468000000n))).toBe(-2047944441); // timestamp 2017-11-16T22:31:08
    expect(murmur3(new TextEncoder().encode('iceberg'))).toBe(1210000089);
    expect(murmur3(Buffer.from('f79c3e09677c4bbda4793f349cb785e7', 'hex'))).toBe(1488055340);
    expect(murmur3(new Uint8Array([0, 1, 2, 3]))).toBe(-188683207);
    const ts = parsePrimitive('timestamp');
    const at = (t: string, iso: string) => applyTransform(parseTransform(t), ts, BigInt(Date.parse(iso)) * 1000n);
    expect([
      at('year', '2017-11-16T22:31:08Z'),
      at('month', '2017-11-16T22:31:08Z'),
      at('day', '2017-11-16T22:31:08Z'),
      at('hour', '2017-11-16T22:31:08Z'),
    ]).toEqual([47, 574, 17486, 419686]);
    expect([
      at('year', '1969-12-31T23:00:00Z'),
      at('month', '1969-12-31T23:00:00Z'),
      at('day', '1969-12-31T23:00:00Z'),
      at('hour', '1969-12-31T23:00:00Z'),
    ]).toEqual([-1, -1, -1, -1]);
    expect(applyTransform(parseTransform('truncate[10]'), parsePrimitive('int'), -1)).toBe(-10);
  });
});
