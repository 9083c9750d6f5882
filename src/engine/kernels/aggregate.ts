import { assertNever, internalError, SluiceError } from '../../errors.js';
import { aggregateName, type Aggregate, type AggregateNode } from '../../plan/plan.js';
import { compareScalars, type Nullable } from '../../plan/scalar.js';
import { columnOf, liveCount, type Batch } from '../columnar/batch.js';
import { bitSet, valueAt, type Column, type NumberArray } from '../columnar/column.js';
import { exactSum, SPLIT } from './exact-float-sum.js';

/**
 * The hash aggregate: groups the live rows of each batch by the group fields
 * and folds every aggregate column by column, over the decoded buffers
 * (typed arrays and UTF-8 bytes), never through row objects.
 *
 * Per batch: one pass per group field turns its values into small integer
 * codes (a dictionary-coded string column's codes as they are, other fields
 * through a dictionary per field), a dense table of code combinations gives
 * each row its group id, and then each aggregate input runs one tight loop
 * over its typed array and the group ids, with no call per row (sum and avg
 * of a field share that loop). Memory is one accumulator per (group, aggregate) plus the dictionaries, so
 * `maxGroups` bounds it; the operator fails as soon as a group past the limit
 * forms (RESOURCE_LIMIT), it never returns a truncated answer.
 *
 * Semantics are SQL's (see `Aggregate` in src/plan/plan.ts): nulls are
 * ignored, no non-null value gives null, count(*) counts rows. Integer sums
 * are exact (bigint); float sums are exact, rounded once (exact-float-sum.ts), so they do not
 * drift with the number of rows.
 */
export class HashAggregate {
  private readonly keys: KeyDictionary[];
  /** Group id by the codes of its key, for more than one group field. */
  private readonly groupOf = new Map<string, number>();
  /** Codes of each group's key values, one array per group field. */
  private readonly groupCodes: number[][];
  private groups = 0;
  /** One state per distinct input (sum and avg of a field share theirs), and each aggregate's. */
  private readonly states: Accumulator[];
  private readonly stateOf: Accumulator[];
  private idBuffer = new Int32Array(0);

  constructor(private readonly node: AggregateNode) {
    this.keys = node.groupBy.map(() => new KeyDictionary());
    this.groupCodes = node.groupBy.map(() => []);
    const byInput = new Map<string, Accumulator>();
    this.stateOf = node.aggregates.map((a) => {
      const key = stateKey(a);
      let acc = byInput.get(key);
      if (acc === undefined) byInput.set(key, (acc = accumulatorFor(a)));
      return acc;
    });
    this.states = [...byInput.values()];
    // Without group fields there is exactly one group, even over no rows.
    if (node.groupBy.length === 0) this.newGroup();
  }

  offer(b: Batch): void {
    const live = liveCount(b);
    if (live === 0) return;
    // rows null: every row of the batch is live (accumulators read row r at r).
    const rows = b.selection;
    const ids = this.groupIds(b, rows, live);
    for (const acc of this.states) acc.add(b, rows, live, ids, this.groups);
  }

  /** One batch: the group fields, then each aggregate under its name; groups in the order they formed. */
  result(): Batch {
    const columns = new Map<string, Column>();
    this.node.groupBy.forEach((field, k) => {
      const dict = this.keys[k]!;
      const codes = this.groupCodes[k]!;
      columns.set(field, { kind: 'scalars', values: codes.map((c) => dict.values[c]!) });
    });
    this.node.aggregates.forEach((a, k) =>
      columns.set(aggregateName(a), { kind: 'scalars', values: this.stateOf[k]!.finish(this.groups, a) }),
    );
    return { length: this.groups, columns, selection: null, ordinalBase: 0 };
  }

  /**
   * The group id of each live row (indexed like the live rows). Each group
   * field first gives the rows small codes local to this batch (a
   * dictionary-coded column gives its codes as they are); a dense table of
   * the batch's code combinations then maps a row to its group with one
   * index computation, and only a combination's first row looks the group
   * up by value, so groups form in the order their first rows come.
   */
  private groupIds(b: Batch, rows: Int32Array | null, n: number): Int32Array {
    // Ids are read only while this batch is offered: one buffer serves every batch.
    if (this.idBuffer.length < n) this.idBuffer = new Int32Array(n);
    const ids = this.idBuffer.subarray(0, n);
    const fields = this.node.groupBy;
    // Without group fields every row is in group 0, and nothing else is ever written.
    if (fields.length === 0) return ids;
    const local = fields.map((f, k) => this.localCodes(columnOf(b, f), rows, n, k));
    const sizes = local.map((l) => l.size);
    const combinations = sizes.reduce((x, y) => x * y, 1);
    if (combinations > 1 << 16) {
      // Many combinations (high-cardinality fields): a group lookup per row.
      const globals = local.map((l, k) => Int32Array.from(l.codes, (c) => this.keys[k]!.code(l.value(c))));
      const key = (r: number) => globals.map((g) => g[r]!);
      for (let r = 0; r < n; r++) ids[r] = this.groupIdOf(key(r));
      return ids;
    }
    const table = new Int32Array(combinations).fill(-1);
    const form = (at: number): number => {
      const codes = new Array<number>(fields.length);
      for (let k = fields.length - 1; k >= 0; k--) {
        const size = sizes[k]!;
        codes[k] = this.keys[k]!.code(local[k]!.value(at % size));
        at = Math.floor(at / size);
      }
      return this.groupIdOf(codes);
    };
    if (local.length === 1) {
      const a = local[0]!.codes;
      for (let r = 0; r < n; r++) {
        const at = a[r]!;
        let id = table[at]!;
        if (id < 0) table[at] = id = form(at);
        ids[r] = id;
      }
    } else if (local.length === 2) {
      const a = local[0]!.codes;
      const c = local[1]!.codes;
      const size = sizes[1]!;
      for (let r = 0; r < n; r++) {
        const at = a[r]! * size + c[r]!;
        let id = table[at]!;
        if (id < 0) table[at] = id = form(at);
        ids[r] = id;
      }
    } else {
      for (let r = 0; r < n; r++) {
        let at = 0;
        for (let k = 0; k < local.length; k++) at = at * sizes[k]! + local[k]!.codes[r]!;
        let id = table[at]!;
        if (id < 0) table[at] = id = form(at);
        ids[r] = id;
      }
    }
    return ids;
  }

  /** Codes 0..size-1 of group field `k` for the live rows, and the value each code stands for. */
  private localCodes(c: Column, rows: Int32Array | null, n: number, k: number): LocalCodes {
    if (c.kind === 'string' && c.dictionary !== undefined) {
      const { codes, values } = c.dictionary;
      const valid = c.valid;
      // Code values.length stands for null.
      const value = (code: number): Nullable => (code < values.length ? values[code]! : null);
      if (rows === null && valid === null) return { codes: codes.subarray(0, n), size: values.length, value };
      const out = new Uint16Array(n);
      const nullCode = values.length;
      for (let r = 0; r < n; r++) {
        const i = rows === null ? r : rows[r]!;
        out[r] = valid !== null && !bitSet(valid, i) ? nullCode : codes[i]!;
      }
      return { codes: out, size: values.length + 1, value };
    }
    const dict = this.keys[k]!;
    const codes = dict.encode(c, rows ?? identity(n));
    return { codes, size: dict.values.length, value: (code) => dict.values[code]! };
  }

  /** The group of a key (its fields' codes), formed if new. */
  private groupIdOf(codes: readonly number[]): number {
    const key = codes.join(',');
    let id = this.groupOf.get(key);
    if (id === undefined) {
      id = this.groups;
      this.groupOf.set(key, id);
      codes.forEach((c, k) => this.groupCodes[k]!.push(c));
      this.newGroup();
    }
    return id;
  }

  private newGroup(): void {
    const max = this.node.maxGroups;
    if (max !== undefined && this.groups >= max) {
      throw tooManyGroups(max);
    }
    this.groups++;
  }
}

/** An aggregate formed more groups than the plan allows (the same error from every engine). */
export const tooManyGroups = (max: number): SluiceError =>
  new SluiceError(
    'RESOURCE_LIMIT',
    'user',
    `the aggregate forms more than ${max} groups, the limit for this product (limits.maxGroups); group by fewer fields or narrow where`,
    { maxGroups: max },
  );

interface LocalCodes {
  /** By live row. */
  readonly codes: Uint16Array | Int32Array;
  readonly size: number;
  value(code: number): Nullable;
}

let identityRows = new Int32Array(0);

/** 0, 1, …, n-1, shared and never written. */
function identity(n: number): Int32Array {
  if (identityRows.length < n) {
    identityRows = new Int32Array(Math.max(n, identityRows.length * 2));
    for (let i = 0; i < identityRows.length; i++) identityRows[i] = i;
  }
  return identityRows.subarray(0, n);
}

/**
 * Values of one group field → dense codes 0, 1, 2… in order of first
 * appearance. Null is a value like any other here (SQL: nulls form one
 * group). Map keys compare bigints by value, so int64 keys need no boxing.
 */
class KeyDictionary {
  private readonly codes = new Map<Nullable, number>();
  readonly values: Nullable[] = [];

  encode(c: Column, rows: Int32Array): Int32Array {
    const out = new Int32Array(rows.length);
    switch (c.kind) {
      case 'number':
      case 'bigint': {
        const { values, valid } = c;
        for (let r = 0; r < rows.length; r++) {
          const i = rows[r]!;
          out[r] = this.code(valid !== null && !bitSet(valid, i) ? null : values[i]!);
        }
        break;
      }
      case 'string':
        if (c.dictionary !== undefined) {
          // Each distinct value is looked up once, when a live row first has it.
          const { codes, values } = c.dictionary;
          const valid = c.valid;
          const table = new Int32Array(values.length).fill(-1);
          for (let r = 0; r < rows.length; r++) {
            const i = rows[r]!;
            if (valid !== null && !bitSet(valid, i)) out[r] = this.code(null);
            else {
              const k = codes[i]!;
              out[r] = table[k]! >= 0 ? table[k]! : (table[k] = this.code(values[k]!));
            }
          }
          break;
        }
        for (let r = 0; r < rows.length; r++) out[r] = this.code(valueAt(c, rows[r]!));
        break;
      default:
        for (let r = 0; r < rows.length; r++) out[r] = this.code(valueAt(c, rows[r]!));
    }
    return out;
  }

  code(v: Nullable): number {
    // -0 and 0 are one SQL value; Map already treats them as one key.
    let code = this.codes.get(v);
    if (code === undefined) {
      code = this.values.length;
      this.codes.set(v, code);
      this.values.push(v);
    }
    return code;
  }
}

/**
 * One input's state over every group. `add` sees the batch's `n` live rows
 * (`rows` null: rows 0..n-1) with their group ids, which go up to
 * `groups - 1`; `finish` gives aggregate `a`'s value per group (sum and avg
 * of a field share one state).
 */
interface Accumulator {
  add(b: Batch, rows: Int32Array | null, n: number, ids: Int32Array, groups: number): void;
  finish(groups: number, a: Aggregate): Nullable[];
}

/** Aggregates with equal keys read the same input and share a state. */
function stateKey(a: Aggregate): string {
  switch (a.fn) {
    case 'count':
      return 'count';
    case 'sum':
    case 'avg':
      return `sum:${a.field}`;
    case 'min':
    case 'max':
      return `${a.fn}:${a.field}`;
    default:
      return assertNever(a, 'aggregate');
  }
}

function accumulatorFor(a: Aggregate): Accumulator {
  switch (a.fn) {
    case 'count':
      return new CountRows();
    case 'sum':
    case 'avg':
      if (a.type === 'float64') return new FloatSum(a.field);
      if (a.type === 'int32' || a.type === 'int64') return new IntegerSum(a.field, a.type === 'int64');
      throw internalError(`${a.fn} over a ${a.type} field`);
    case 'min':
    case 'max':
      if (a.type === 'boolean') throw internalError(`${a.fn} over a boolean field`);
      return new Extreme(a.field, a.fn === 'min' ? 1 : -1);
    default:
      return assertNever(a, 'aggregate');
  }
}

/** A growable per-group array of numbers. */
function grow(a: Float64Array<ArrayBuffer>, groups: number): Float64Array<ArrayBuffer> {
  if (a.length >= groups) return a;
  const out = new Float64Array(Math.max(groups, a.length * 2, 16));
  out.set(a);
  return out;
}

/**
 * The values of a number column by live row: the column's own array when
 * every row is live, else gathered into a new array; with `present` (1 = not
 * null, by live row) when some value is null. Lets the summing loops below
 * run without a call per row or a validity test when there are no nulls.
 */
function numbersAt(c: Column, rows: Int32Array | null, n: number): { values: NumberArray; present: Uint8Array | null } {
  if (c.kind === 'number') {
    const { values, valid } = c;
    if (valid === null) {
      if (rows === null) return { values: values.subarray(0, n), present: null };
      const out = new Float64Array(n);
      for (let r = 0; r < n; r++) out[r] = values[rows[r]!]!;
      return { values: out, present: null };
    }
    const out = new Float64Array(n);
    const present = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const i = rows === null ? r : rows[r]!;
      out[r] = values[i]!;
      present[r] = (valid[i >> 3]! >> (i & 7)) & 1;
    }
    return { values: out, present };
  }
  if (c.kind === 'scalars') {
    const out = new Float64Array(n);
    const present = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const v = c.values[rows === null ? r : rows[r]!];
      const isPresent = v !== null && v !== undefined;
      out[r] = isPresent ? (v as number) : 0;
      present[r] = isPresent ? 1 : 0;
    }
    return { values: out, present };
  }
  throw internalError(`expected a number column, got ${c.kind}`);
}

class CountRows implements Accumulator {
  private counts: Float64Array<ArrayBuffer> = new Float64Array(0);

  add(_b: Batch, _rows: Int32Array | null, n: number, ids: Int32Array, groups: number): void {
    const counts = (this.counts = grow(this.counts, groups));
    for (let r = 0; r < n; r++) counts[ids[r]!]!++;
  }

  finish(groups: number): Nullable[] {
    const counts = grow(this.counts, groups);
    return Array.from({ length: groups }, (_, g) => counts[g]!);
  }
}

/**
 * sum / avg of float64: the exact sum rounded once (exact-float-sum.ts), the
 * answer every engine gives, so that engines agree to the bit. A group that
 * holds a value the exact sum does not cover (NaN, infinities, magnitudes
 * past 2^73, bits below 2^-86) gets Neumaier's compensated sum instead.
 *
 * Each value's three split integers (below 2^53) are split again into a
 * high and a low half (below 2^27 and 2^26), summed per group in doubles,
 * exact for 2^26 values; a group's halves move to BigInt totals before then
 * and at the end.
 */
class FloatSum implements Accumulator {
  private sums: Float64Array<ArrayBuffer> = new Float64Array(0);
  private compensation: Float64Array<ArrayBuffer> = new Float64Array(0);
  private seen: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Per group, six half sums: c1 high, c1 low, c2 high, c2 low, c3 high, c3 low. */
  private halves: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Values added to a group's halves since they last moved to `totals`. */
  private pending: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Per group, S1, S2, S3 so far. */
  private totals: bigint[] = [];
  /** Groups holding a value outside the exact sum's range. */
  private outside: Float64Array<ArrayBuffer> = new Float64Array(0);

  constructor(private readonly field: string) {}

  add(b: Batch, rows: Int32Array | null, n: number, ids: Int32Array, groups: number): void {
    const sums = (this.sums = grow(this.sums, groups));
    const comp = (this.compensation = grow(this.compensation, groups));
    const seen = (this.seen = grow(this.seen, groups));
    const halves = (this.halves = grow(this.halves, groups * 6));
    const pending = (this.pending = grow(this.pending, groups));
    const outside = (this.outside = grow(this.outside, groups));
    const { values, present } = numbersAt(columnOf(b, this.field), rows, n);
    for (let r = 0; r < n; r++) {
      if (present !== null && present[r] === 0) continue;
      const v = values[r]!;
      const g = ids[r]!;
      const s = sums[g]!;
      const t = s + v;
      // Infinities make the correction NaN; the plain sum is then the answer.
      if (Number.isFinite(t)) comp[g]! += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      sums[g] = t;
      seen[g]!++;
      if (outside[g] !== 0) continue;
      // splitExactly, inlined: this loop runs per value.
      if (!(Math.abs(v) < SPLIT.limit)) {
        outside[g] = 1;
        continue;
      }
      const c1 = Math.trunc(v * SPLIT.down1);
      const r1 = v - c1 * SPLIT.up1;
      const c2 = Math.trunc(r1 * SPLIT.down2);
      const c3 = (r1 - c2 * SPLIT.up2) * SPLIT.down3;
      if (!Number.isInteger(c3)) {
        outside[g] = 1;
        continue;
      }
      const h1 = Math.trunc(c1 * HALF_DOWN);
      const h2 = Math.trunc(c2 * HALF_DOWN);
      const h3 = Math.trunc(c3 * HALF_DOWN);
      const at = g * 6;
      halves[at]! += h1;
      halves[at + 1]! += c1 - h1 * HALF_UP;
      halves[at + 2]! += h2;
      halves[at + 3]! += c2 - h2 * HALF_UP;
      halves[at + 4]! += h3;
      halves[at + 5]! += c3 - h3 * HALF_UP;
      if (++pending[g]! === HALVES_EXACT_FOR) this.settle(g);
    }
  }

  /** Moves group g's half sums into its BigInt totals. */
  private settle(g: number): void {
    const h = this.halves;
    const at = g * 6;
    const half = (i: number) => (BigInt(h[at + i]!) << 26n) + BigInt(h[at + i + 1]!);
    const t = this.totals;
    t[g * 3] = (t[g * 3] ?? 0n) + half(0);
    t[g * 3 + 1] = (t[g * 3 + 1] ?? 0n) + half(2);
    t[g * 3 + 2] = (t[g * 3 + 2] ?? 0n) + half(4);
    h.fill(0, at, at + 6);
    this.pending[g] = 0;
  }

  finish(groups: number, a: Aggregate): Nullable[] {
    const sums = grow(this.sums, groups);
    const comp = grow(this.compensation, groups);
    const seen = grow(this.seen, groups);
    this.halves = grow(this.halves, groups * 6);
    this.pending = grow(this.pending, groups);
    const outside = grow(this.outside, groups);
    return Array.from({ length: groups }, (_, g) => {
      if (seen[g] === 0) return null;
      let total: number;
      if (outside[g] !== 0) {
        total = Number.isFinite(sums[g]!) ? sums[g]! + comp[g]! : sums[g]!;
      } else {
        this.settle(g);
        const t = this.totals;
        total = exactSum(t[g * 3] ?? 0n, t[g * 3 + 1] ?? 0n, t[g * 3 + 2] ?? 0n);
      }
      return a.fn === 'avg' ? total / seen[g]! : total;
    });
  }
}

/** 2^-26 and 2^26: the halves of a split integer. */
const HALF_DOWN = 2 ** -26;
const HALF_UP = 2 ** 26;
/** Sums of 2^26 - 1 halves (each below 2^27) stay below 2^53: exact in a double. */
const HALVES_EXACT_FOR = 2 ** 26 - 1;

/**
 * sum / avg of int32 and int64, exact. int32 values are summed per batch in
 * doubles (exact while a partial stays below 2^53: chunks of 2^21 rows of
 * 32-bit values) and carried into a bigint per group; int64 values are added
 * as bigints.
 */
const INT32_CHUNK = 1 << 21;

class IntegerSum implements Accumulator {
  private totals: bigint[] = [];
  private seen: Float64Array<ArrayBuffer> = new Float64Array(0);

  constructor(
    private readonly field: string,
    private readonly int64: boolean,
  ) {}

  add(b: Batch, rows: Int32Array | null, n: number, ids: Int32Array, groups: number): void {
    const seen = (this.seen = grow(this.seen, groups));
    const totals = this.totals;
    while (totals.length < groups) totals.push(0n);
    const c = columnOf(b, this.field);
    if (this.int64) {
      if (c.kind !== 'bigint' && c.kind !== 'scalars') throw internalError(`expected an int64 column, got ${c.kind}`);
      const read = c.kind === 'bigint' ? bigintReader(c) : (i: number) => c.values[i] as bigint | null;
      for (let r = 0; r < n; r++) {
        const v = read(rows === null ? r : rows[r]!);
        if (v === null || v === undefined) continue;
        const g = ids[r]!;
        totals[g] = totals[g]! + v;
        seen[g]!++;
      }
      return;
    }
    const { values, present } = numbersAt(c, rows, n);
    const partial = new Float64Array(groups);
    for (let from = 0; from < n; from += INT32_CHUNK) {
      const to = Math.min(n, from + INT32_CHUNK);
      if (present === null) {
        for (let r = from; r < to; r++) {
          const g = ids[r]!;
          partial[g]! += values[r]!;
          seen[g]!++;
        }
      } else {
        for (let r = from; r < to; r++) {
          if (present[r] === 0) continue;
          const g = ids[r]!;
          partial[g]! += values[r]!;
          seen[g]!++;
        }
      }
      for (let g = 0; g < groups; g++) {
        if (partial[g] !== 0) {
          totals[g] = totals[g]! + BigInt(partial[g]!);
          partial[g] = 0;
        }
      }
    }
  }

  finish(groups: number, a: Aggregate): Nullable[] {
    const seen = grow(this.seen, groups);
    return Array.from({ length: groups }, (_, g) => {
      if (seen[g] === 0) return null;
      const total = this.totals[g] ?? 0n;
      return a.fn === 'avg' ? Number(total) / seen[g]! : total;
    });
  }
}

function bigintReader(c: Extract<Column, { kind: 'bigint' }>): (i: number) => bigint | null {
  const { values, valid } = c;
  return valid === null ? (i) => values[i]! : (i) => (bitSet(valid, i) ? values[i]! : null);
}

/**
 * min (sign 1) or max (sign -1) of any ordered type. Numbers and bigints
 * compare straight from their typed arrays; strings compare as UTF-8 bytes
 * (code-point order, as everywhere in Sluice) and are decoded only when they
 * become a group's best value.
 */
class Extreme implements Accumulator {
  private readonly best: Nullable[] = [];
  private readonly bestBytes: (Buffer | undefined)[] = [];

  constructor(
    private readonly field: string,
    private readonly sign: 1 | -1,
  ) {}

  add(b: Batch, live: Int32Array | null, n: number, ids: Int32Array, groups: number): void {
    const rows = live ?? identity(n);
    const { best, sign } = this;
    while (best.length < groups) best.push(null);
    const c = columnOf(b, this.field);
    switch (c.kind) {
      case 'number':
      case 'bigint': {
        const { values, valid } = c;
        for (let r = 0; r < rows.length; r++) {
          const i = rows[r]!;
          if (valid !== null && !bitSet(valid, i)) continue;
          const v = values[i]!;
          const g = ids[r]!;
          const cur = best[g];
          if (cur === null || (sign === 1 ? v < (cur as number | bigint) : v > (cur as number | bigint))) best[g] = v;
        }
        return;
      }
      case 'string': {
        const valid = c.valid;
        // A coded column (the column cache's) is read through its codes: row i's value is entry codes[i].
        const d = c.dictionary;
        const { offsets, bytes } = d === undefined ? c : d.entries;
        const codes = d?.codes;
        const kept = this.bestBytes;
        for (let r = 0; r < rows.length; r++) {
          const i = rows[r]!;
          if (valid !== null && !bitSet(valid, i)) continue;
          const g = ids[r]!;
          const at = codes === undefined ? i : codes[i]!;
          let cur = kept[g];
          if (cur === undefined && best[g] !== null) cur = kept[g] = Buffer.from(best[g] as string, 'utf8');
          // bytes[at] against the kept value: negative when row i sorts first.
          if (cur === undefined || sign * bytes.compare(cur, 0, cur.length, offsets[at], offsets[at + 1]) < 0) {
            kept[g] = Buffer.from(bytes.subarray(offsets[at], offsets[at + 1]));
            best[g] = null; // decoded in finish
          }
        }
        return;
      }
      case 'scalars': {
        for (let r = 0; r < rows.length; r++) {
          const v = c.values[rows[r]!];
          if (v === null || v === undefined) continue;
          const g = ids[r]!;
          const cur = this.current(g);
          if (cur === null || sign * compareScalars(v, cur) < 0) {
            best[g] = v;
            this.bestBytes[g] = undefined;
          }
        }
        return;
      }
      case 'boolean':
        throw internalError(`min/max over boolean field ${this.field}`);
      default:
        assertNever(c, 'column');
    }
  }

  /** A group's best value so far, decoding kept bytes when needed. */
  private current(g: number): Nullable {
    const bytes = this.bestBytes[g];
    if (bytes !== undefined) {
      this.best[g] = bytes.toString('utf8');
      this.bestBytes[g] = undefined;
    }
    return this.best[g] ?? null;
  }

  finish(groups: number): Nullable[] {
    return Array.from({ length: groups }, (_, g) => this.current(g));
  }
}
