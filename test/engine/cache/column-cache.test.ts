import { copyFileSync, mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ColumnCache, sizeOf } from '../../../src/engine/cache/column-cache.js';
import { dictionaryOf, valueAt, type Column } from '../../../src/engine/columnar/column.js';
import { BloomFilter } from '../../../src/engine/index/bloom-filter.js';
import { compilePredicate, countRows } from '../../../src/engine/kernels/evaluate-predicate.js';
import { EmbeddedEngine } from '../../../src/engine/engine.js';
import { Expr } from '../../../src/plan/expr.js';
import { AggregateNode, ScanNode, SortNode } from '../../../src/plan/plan.js';
import { ORDERS_FIELDS } from '../datasets.js';

/** Distinct values, so that no bitmap index is kept with them. */
const numbers = (n: number): Column => ({ kind: 'number', values: Float64Array.from({ length: n }, (_, i) => i), valid: null });

describe('ColumnCache', () => {
  it('never holds more than its budget, evicting the least recently used', () => {
    const cache = new ColumnCache(8 * 8 * 100); // eight 100-value columns
    for (let i = 0; i < 20; i++) {
      cache.put(`c${i}`, numbers(100));
      if (i >= 1) expect(cache.get('c0')).toBeDefined(); // kept warm
      expect(cache.stats().bytes).toBeLessThanOrEqual(cache.stats().budgetBytes);
    }
    expect(cache.get('c1')).toBeUndefined();
    expect(cache.get('c19')).toBeDefined();
    expect(cache.stats()).toMatchObject({ peakBytes: 6400, entries: 8, evictions: 12 });
  });

  it('keeps its own copy, and leaves out a column larger than an eighth of the budget', () => {
    const cache = new ColumnCache(8 * 8 * 100);
    const column = numbers(100);
    const kept = cache.put('a', column);
    expect(kept).not.toBe(column);
    expect(kept.kind === 'number' && kept.values.buffer).not.toBe(column.kind === 'number' && column.values.buffer);
    expect(cache.put('big', numbers(101))).toMatchObject({ kind: 'number' });
    expect(cache.get('big')).toBeUndefined();
    expect(sizeOf({ kind: 'string', offsets: new Int32Array(3), bytes: Buffer.alloc(10), valid: new Uint8Array(1) })).toBe(23);
  });
});

describe('ColumnCache bitmap indexes', () => {
  it('keeps one with a chunk of few distinct values once it is used again, counted in its bytes; none with a chunk of many', () => {
    const cache = new ColumnCache(2 ** 20);
    const entered = cache.put('few', { kind: 'number', values: Int32Array.from({ length: 1000 }, (_, i) => i % 3), valid: null });
    // Not as it enters: a chunk read once never pays for an index.
    expect(entered.kind === 'number' && entered.index).toBeUndefined();
    expect(cache.stats().bytes).toBe(4000);
    const few = cache.get('few')!;
    expect(few.kind === 'number' && few.index?.values).toEqual([0, 1, 2]);
    expect(sizeOf(few)).toBe(4000 + 3 * 4 * Math.ceil(1000 / 32) + 3 * 16);
    expect(cache.get('few')).toBe(few);
    cache.put('many', numbers(1000));
    const many = cache.get('many')!;
    expect(many.kind === 'number' && many.index).toBeUndefined();
    expect(cache.stats().bytes).toBe(sizeOf(few) + sizeOf(many));
  });

  it('indexes a string chunk of few values on its second use, and a count over it equals one without the index', () => {
    const cache = new ColumnCache(2 ** 20);
    const values = Array.from({ length: 500 }, (_, i) => ['EU', 'US', 'APAC'][(i * 7) % 3]!);
    const column: Column = {
      kind: 'string',
      offsets: Int32Array.from({ length: 501 }, (_, i) => Buffer.byteLength(values.slice(0, i).join(''))),
      bytes: Buffer.from(values.join('')),
      valid: null,
    };
    const entered = cache.put('region', column);
    expect(entered.kind === 'string' && entered.index).toBeUndefined();
    const indexed = cache.get('region')!;
    expect(indexed.kind === 'string' && indexed.index?.values).toEqual(['EU', 'US', 'APAC']);
    const filter = Expr.in('region', ['EU', 'APAC']);
    const count = (c: Column) => countRows(filter, { length: 500, columns: new Map([['region', c]]), selection: null, ordinalBase: 0 });
    expect(count(indexed)).toBe(count(entered));
    expect(count(indexed)).toBe(values.filter((v) => v !== 'US').length);
  });
});

describe('ColumnCache dictionaries', () => {
  it('finds codes for a string column of few values, unless the decoder thread already looked (null: too many)', () => {
    const cache = new ColumnCache(2 ** 20);
    const values = ['a', 'b', 'a', 'c'];
    const column: Column = { kind: 'string', offsets: Int32Array.from([0, 1, 2, 3, 4]), bytes: Buffer.from(values.join('')), valid: null };
    const found = cache.put('found', column);
    expect(found.kind === 'string' && found.dictionary?.values).toEqual(['a', 'b', 'c']);
    const given = dictionaryOf(column as Column & { kind: 'string' }, 4)!;
    expect(cache.put('given', column, given)).toMatchObject({ dictionary: given });
    const none = cache.put('none', column, null);
    expect(none.kind === 'string' && none.dictionary).toBeUndefined();
  });
});

describe('the engine with a column cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-column-cache-'));
  const engines: EmbeddedEngine[] = [];
  afterAll(() => Promise.all(engines.map((e) => e.close())));
  const scan = (filters: Expr[] = []) =>
    ScanNode.create({ product: 'orders', major: 2, version: '2.1.0', source: join(dir, '*.parquet'), fields: ORDERS_FIELDS, filters });

  it('answers from cached columns as it does without them, and never from a rewritten file’s old ones', async () => {
    copyFileSync('products/orders/data/part-000.parquet', join(dir, 'part.parquet'));
    const cached = new EmbeddedEngine({ columnCacheBytes: 64 * 2 ** 20 });
    const uncached = new EmbeddedEngine({ columnCacheBytes: 0 });
    engines.push(cached, uncached);
    const plan = scan([Expr.compare('status', 'eq', 'open')]);
    const first = await cached.execute(plan);
    const again = await cached.execute(plan);
    expect(cached.cacheStats()!.hits).toBeGreaterThan(0);
    expect(again.rows).toEqual(first.rows);
    expect(again.rows).toEqual((await uncached.execute(plan)).rows);
    expect(uncached.cacheStats()).toBeNull();

    // Another file under the same name (size and mtime change): its own values.
    copyFileSync('products/orders/data/part-001.parquet', join(dir, 'part.parquet'));
    utimesSync(join(dir, 'part.parquet'), new Date(), new Date(Date.now() + 5000));
    const replaced = await cached.execute(plan);
    expect(replaced.rows).toEqual((await uncached.execute(plan)).rows);
    expect(replaced.rows).not.toEqual(first.rows);
  });

  it('sorts, takes min and max, and groups over cached coded columns as over decoded ones', async () => {
    copyFileSync('products/orders/data/part-000.parquet', join(dir, 'part.parquet'));
    utimesSync(join(dir, 'part.parquet'), new Date(), new Date(Date.now() + 10_000));
    const cached = new EmbeddedEngine({ columnCacheBytes: 64 * 2 ** 20 });
    const uncached = new EmbeddedEngine({ columnCacheBytes: 0 });
    engines.push(cached, uncached);
    const key = (field: string, direction: 'asc' | 'desc') => ({ field, direction, nullsLast: true }) as const;
    const plans = [
      SortNode.create(scan(), [key('status', 'desc'), key('region', 'asc'), key('order_id', 'asc')], 25),
      AggregateNode.create(
        scan(),
        ['customer_id'],
        [{ fn: 'min', field: 'status', type: 'string' }, { fn: 'max', field: 'status', type: 'string' }, { fn: 'count' }],
      ),
    ];
    for (const plan of plans) {
      await cached.execute(plan);
      const hits = cached.cacheStats()!.hits;
      const fromCache = await cached.execute(plan);
      expect(cached.cacheStats()!.hits).toBeGreaterThan(hits);
      expect(fromCache.rows).toEqual((await uncached.execute(plan)).rows);
    }
  });
});

describe('dictionary codes of cached string columns', () => {
  const stringColumn = (values: (string | null)[]): Column & { kind: 'string' } => {
    const parts = values.map((v) => Buffer.from(v ?? '', 'utf8'));
    const offsets = new Int32Array(values.length + 1);
    parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
    const valid = new Uint8Array(Math.ceil(values.length / 8));
    values.forEach((v, i) => v !== null && (valid[i >> 3]! |= 1 << (i & 7)));
    return { kind: 'string', offsets, bytes: Buffer.concat(parts), valid };
  };
  const rows = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? null : ['EU', 'US', 'Ünï ✓', '', 'APAC'][i % 5]!));

  it('codes every row to its value, and gives up past its entry limit', () => {
    const c = stringColumn(rows);
    const d = dictionaryOf(c, rows.length)!;
    expect(d.values).toHaveLength(5);
    rows.forEach((v, i) => v !== null && expect(d.values[d.codes[i]!]).toBe(v));
    expect(dictionaryOf(stringColumn(rows.map((_, i) => `v${i}`)), rows.length, 100)).toBeUndefined();
  });

  it('are all the cache keeps of such a column: every row reads back as it was, for less than its bytes', () => {
    const plain = stringColumn(rows);
    const cache = new ColumnCache(2 ** 20);
    const kept = cache.put('s', plain);
    expect(kept.kind === 'string' && kept.dictionary?.values).toHaveLength(5);
    rows.forEach((v, i) => expect(valueAt(kept, i)).toBe(v));
    // Spelled out again for paths that read bytes: the same value at every row that is not null.
    const spelled = kept as Column & { kind: 'string' };
    const [offsets, bytes] = [spelled.offsets, spelled.bytes];
    rows.forEach((v, i) => v !== null && expect(bytes.toString('utf8', offsets[i]!, offsets[i + 1]!)).toBe(v));
    expect(sizeOf(kept)).toBeLessThan(plain.offsets.byteLength + plain.bytes.byteLength);
    expect(cache.stats().bytes).toBe(sizeOf(kept));
    const bloom = BloomFilter.ofColumn(spelled, rows.length);
    for (const v of rows) if (v !== null) expect(bloom.mayContain(v)).toBe(true);
  });

  it('filters and groups as the plain column does', () => {
    const plain = stringColumn(rows);
    const coded = { ...plain, dictionary: dictionaryOf(plain, rows.length)! };
    const leaves: Expr[] = [
      Expr.compare('s', 'eq', 'EU'),
      Expr.compare('s', 'ne', 'EU'),
      Expr.compare('s', 'gt', 'E'),
      Expr.in('s', ['US', '']),
      Expr.in('s', ['US'], true),
      Expr.text('s', 'contains', 'ï'),
      Expr.text('s', 'startsWith', 'A', true),
      Expr.isNull('s'),
    ];
    // Long literals are found by searching the column's bytes: next to empty strings, inside longer values, at the end.
    for (const [value, negated] of [
      ['Ünï ✓', false],
      ['APAC', true],
      ['APACX', false],
    ] as const) {
      const e = Expr.compare('s', negated ? 'ne' : 'eq', value);
      const test = compilePredicate(e, new Map([['s', plain]]));
      expect(rows.map((_, i) => test(i))).toEqual(rows.map((v) => v !== null && (v === value) !== negated));
    }
    const tricky = stringColumn(['', 'xAPAC', 'APAC', null, 'APACAPAC', '', 'APAC']);
    const found = compilePredicate(Expr.compare('s', 'eq', 'APAC'), new Map([['s', tricky]]));
    expect([0, 1, 2, 3, 4, 5, 6].map(found)).toEqual([false, false, true, false, false, false, true]);
    for (const e of leaves) {
      const a = compilePredicate(e, new Map([['s', plain]]));
      const b = compilePredicate(e, new Map([['s', coded]]));
      expect(
        rows.map((_, i) => b(i)),
        JSON.stringify(e),
      ).toEqual(rows.map((_, i) => a(i)));
    }
  });
});
