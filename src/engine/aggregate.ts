import { assertNever, internalError, SluiceError } from '../errors.js';
import { aggregateName, type Aggregate, type AggregateNode } from '../plan/plan.js';
import { compareScalars, type Nullable } from '../plan/scalar.js';
import { columnOf, liveCount, type Batch } from './batch.js';
import { bitSet, valueAt, type Column } from './column.js';

/**
 * The hash aggregate: groups the live rows of each batch by the group fields
 * and folds every aggregate column by column, over the decoded buffers
 * (typed arrays and UTF-8 bytes), never through row objects.
 *
 * Per batch: one pass per group field turns its values into small integer
 * codes (a dictionary per field), the codes of a row give its group id, and
 * then each aggregate runs one tight loop over its column and the group ids.
 * Memory is one accumulator per (group, aggregate) plus the dictionaries, so
 * `maxGroups` bounds it; the operator fails as soon as a group past the limit
 * forms (RESOURCE_LIMIT), it never returns a truncated answer.
 *
 * Semantics are SQL's (see `Aggregate` in src/plan/plan.ts): nulls are
 * ignored, no non-null value gives null, count(*) counts rows. Integer sums
 * are exact (bigint); float sums are compensated (Neumaier), so they do not
 * drift with the number of rows.
 */
export class HashAggregate {
  private readonly keys: KeyDictionary[];
  /** Group id by the codes of its key, for more than one group field. */
  private readonly groupOf = new Map<string, number>();
  /** Codes of each group's key values, one array per group field. */
  private readonly groupCodes: number[][];
  private groups = 0;
  private readonly accumulators: Accumulator[];

  constructor(private readonly node: AggregateNode) {
    this.keys = node.groupBy.map(() => new KeyDictionary());
    this.groupCodes = node.groupBy.map(() => []);
    this.accumulators = node.aggregates.map(accumulatorFor);
    // Without group fields there is exactly one group, even over no rows.
    if (node.groupBy.length === 0) this.newGroup();
  }

  offer(b: Batch): void {
    const live = liveCount(b);
    if (live === 0) return;
    const rows = b.selection ?? allRows(b.length);
    const ids = this.groupIds(b, rows);
    for (const acc of this.accumulators) acc.add(b, rows, ids, this.groups);
  }

  /** One batch: the group fields, then each aggregate under its name; groups in the order they formed. */
  result(): Batch {
    const columns = new Map<string, Column>();
    this.node.groupBy.forEach((field, k) => {
      const dict = this.keys[k]!;
      const codes = this.groupCodes[k]!;
      columns.set(field, { kind: 'scalars', values: codes.map((c) => dict.values[c]!) });
    });
    this.node.aggregates.forEach((a, k) => columns.set(aggregateName(a), { kind: 'scalars', values: this.accumulators[k]!.finish(this.groups) }));
    return { length: this.groups, columns, selection: null, ordinalBase: 0 };
  }

  /** The group id of each live row (indexed like `rows`). */
  private groupIds(b: Batch, rows: Int32Array): Int32Array {
    const n = rows.length;
    const ids = new Int32Array(n);
    const fields = this.node.groupBy;
    if (fields.length === 0) return ids;
    const codes = fields.map((f, k) => this.keys[k]!.encode(columnOf(b, f), rows));
    if (fields.length === 1) {
      const only = codes[0]!;
      const dict = this.keys[0]!;
      // A single group field: its codes are the group ids.
      while (this.groups < dict.values.length) {
        this.groupCodes[0]!.push(this.groups);
        this.newGroup();
      }
      return only;
    }
    // Few combinations of the fields' codes (the usual group-by): a dense
    // table of this batch's combinations in front of the map, so a row costs
    // an index computation, not a string key.
    const sizes = fields.map((_, k) => this.keys[k]!.values.length);
    const combinations = sizes.reduce((a, b) => a * b, 1);
    if (combinations <= 1 << 16) {
      const local = new Int32Array(combinations).fill(-1);
      for (let r = 0; r < n; r++) {
        let at = 0;
        for (let k = 0; k < codes.length; k++) at = at * sizes[k]! + codes[k]![r]!;
        let id = local[at]!;
        if (id < 0) local[at] = id = this.groupIdOf(codes, r);
        ids[r] = id;
      }
      return ids;
    }
    for (let r = 0; r < n; r++) ids[r] = this.groupIdOf(codes, r);
    return ids;
  }

  /** The group of row `r` (indexed like `rows`) by its fields' codes, formed if new. */
  private groupIdOf(codes: Int32Array[], r: number): number {
    let key = String(codes[0]![r]);
    for (let k = 1; k < codes.length; k++) key += `,${codes[k]![r]}`;
    let id = this.groupOf.get(key);
    if (id === undefined) {
      id = this.groups;
      this.groupOf.set(key, id);
      codes.forEach((c, k) => this.groupCodes[k]!.push(c[r]!));
      this.newGroup();
    }
    return id;
  }

  private newGroup(): void {
    const max = this.node.maxGroups;
    if (max !== undefined && this.groups >= max) {
      throw new SluiceError(
        'RESOURCE_LIMIT',
        'user',
        `the aggregate forms more than ${max} groups, the limit for this product (limits.maxGroups); group by fewer fields or narrow where`,
        { maxGroups: max },
      );
    }
    this.groups++;
  }
}

const allRows = (n: number): Int32Array => {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
};

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

  private code(v: Nullable): number {
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

/** One aggregate's state over every group. `add` may see group ids up to `groups - 1`. */
interface Accumulator {
  add(b: Batch, rows: Int32Array, ids: Int32Array, groups: number): void;
  finish(groups: number): Nullable[];
}

function accumulatorFor(a: Aggregate): Accumulator {
  switch (a.fn) {
    case 'count':
      return new CountRows();
    case 'sum':
    case 'avg':
      if (a.type === 'float64') return new FloatSum(a.field, a.fn === 'avg');
      if (a.type === 'int32' || a.type === 'int64') return new IntegerSum(a.field, a.type === 'int64', a.fn === 'avg');
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

/** Calls `f(row, value)` for the live rows whose value is not null, reading the column's buffer. */
function forEachNumber(c: Column, rows: Int32Array, f: (r: number, v: number) => void): void {
  if (c.kind === 'number') {
    const { values, valid } = c;
    if (valid === null) for (let r = 0; r < rows.length; r++) f(r, values[rows[r]!]!);
    else
      for (let r = 0; r < rows.length; r++) {
        const i = rows[r]!;
        if (bitSet(valid, i)) f(r, values[i]!);
      }
    return;
  }
  if (c.kind === 'scalars') {
    for (let r = 0; r < rows.length; r++) {
      const v = c.values[rows[r]!];
      if (v !== null && v !== undefined) f(r, v as number);
    }
    return;
  }
  throw internalError(`expected a number column, got ${c.kind}`);
}

class CountRows implements Accumulator {
  private counts: Float64Array<ArrayBuffer> = new Float64Array(0);

  add(_b: Batch, rows: Int32Array, ids: Int32Array, groups: number): void {
    const counts = (this.counts = grow(this.counts, groups));
    for (let r = 0; r < rows.length; r++) counts[ids[r]!]!++;
  }

  finish(groups: number): Nullable[] {
    const counts = grow(this.counts, groups);
    return Array.from({ length: groups }, (_, g) => counts[g]!);
  }
}

/** sum / avg of float64: Neumaier's compensated sum per group. */
class FloatSum implements Accumulator {
  private sums: Float64Array<ArrayBuffer> = new Float64Array(0);
  private compensation: Float64Array<ArrayBuffer> = new Float64Array(0);
  private seen: Float64Array<ArrayBuffer> = new Float64Array(0);

  constructor(
    private readonly field: string,
    private readonly average: boolean,
  ) {}

  add(b: Batch, rows: Int32Array, ids: Int32Array, groups: number): void {
    const sums = (this.sums = grow(this.sums, groups));
    const comp = (this.compensation = grow(this.compensation, groups));
    const seen = (this.seen = grow(this.seen, groups));
    forEachNumber(columnOf(b, this.field), rows, (r, v) => {
      const g = ids[r]!;
      const s = sums[g]!;
      const t = s + v;
      // Infinities make the correction NaN; the plain sum is then the answer.
      if (Number.isFinite(t)) comp[g]! += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      sums[g] = t;
      seen[g]!++;
    });
  }

  finish(groups: number): Nullable[] {
    const sums = grow(this.sums, groups);
    const comp = grow(this.compensation, groups);
    const seen = grow(this.seen, groups);
    return Array.from({ length: groups }, (_, g) => {
      if (seen[g] === 0) return null;
      const total = Number.isFinite(sums[g]!) ? sums[g]! + comp[g]! : sums[g]!;
      return this.average ? total / seen[g]! : total;
    });
  }
}

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
    private readonly average: boolean,
  ) {}

  add(b: Batch, rows: Int32Array, ids: Int32Array, groups: number): void {
    const seen = (this.seen = grow(this.seen, groups));
    const totals = this.totals;
    while (totals.length < groups) totals.push(0n);
    const c = columnOf(b, this.field);
    if (this.int64) {
      if (c.kind !== 'bigint' && c.kind !== 'scalars') throw internalError(`expected an int64 column, got ${c.kind}`);
      const read = c.kind === 'bigint' ? bigintReader(c) : (i: number) => c.values[i] as bigint | null;
      for (let r = 0; r < rows.length; r++) {
        const v = read(rows[r]!);
        if (v === null || v === undefined) continue;
        const g = ids[r]!;
        totals[g] = totals[g]! + v;
        seen[g]!++;
      }
      return;
    }
    const partial = new Float64Array(groups);
    const touched = new Uint8Array(groups);
    for (let from = 0; from < rows.length; from += INT32_CHUNK) {
      const chunk = rows.subarray(from, from + INT32_CHUNK);
      forEachNumber(c, chunk, (r, v) => {
        const g = ids[from + r]!;
        partial[g]! += v;
        touched[g] = 1;
        seen[g]!++;
      });
      for (let g = 0; g < groups; g++) {
        if (touched[g] === 1) {
          totals[g] = totals[g]! + BigInt(partial[g]!);
          partial[g] = 0;
          touched[g] = 0;
        }
      }
    }
  }

  finish(groups: number): Nullable[] {
    const seen = grow(this.seen, groups);
    return Array.from({ length: groups }, (_, g) => {
      if (seen[g] === 0) return null;
      const total = this.totals[g] ?? 0n;
      return this.average ? Number(total) / seen[g]! : total;
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

  add(b: Batch, rows: Int32Array, ids: Int32Array, groups: number): void {
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
        const { offsets, bytes, valid } = c;
        const kept = this.bestBytes;
        for (let r = 0; r < rows.length; r++) {
          const i = rows[r]!;
          if (valid !== null && !bitSet(valid, i)) continue;
          const g = ids[r]!;
          let cur = kept[g];
          if (cur === undefined && best[g] !== null) cur = kept[g] = Buffer.from(best[g] as string, 'utf8');
          // bytes[i] against the kept value: negative when row i sorts first.
          if (cur === undefined || sign * bytes.compare(cur, 0, cur.length, offsets[i], offsets[i + 1]) < 0) {
            kept[g] = Buffer.from(bytes.subarray(offsets[i], offsets[i + 1]));
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
