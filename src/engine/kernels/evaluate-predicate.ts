import { assertNever, internalError } from '../../errors.js';
import { Expr, type CompareExpr, type CompareOp, type InExpr, type TextExpr } from '../../plan/expr.js';
import { compareScalars, valueKey, type Scalar } from '../../plan/scalar.js';
import { liveCount, narrow, type Batch } from '../columnar/batch.js';
import { bitSet, type BitmapIndex, type Column, type NumberArray, type StringDictionary } from '../columnar/column.js';
import { countIndexed } from '../index/bitmap-index.js';

/**
 * Compiles a predicate against one batch's columns into a row test.
 *
 * Predicates arrive in negation normal form with every leaf false on NULL
 * (src/plan/expr.ts), so plain two-valued logic gives SQL's answer: each
 * leaf first checks the row is not null, and `ne`, `notIn` and negated text
 * tests therefore never match nulls. Only `isNull` looks at nulls.
 *
 * Leaves run over the decoded buffers: numbers and bigints straight from the
 * typed arrays, strings as UTF-8 bytes (byte order is code-point order, and a
 * UTF-8 substring match is a string substring match), so filtering decodes no
 * strings.
 */
export type RowTest = (i: number) => boolean;

const ALWAYS: RowTest = () => true;
const NEVER: RowTest = () => false;

export function compilePredicate(e: Expr, columns: ReadonlyMap<string, Column>): RowTest {
  switch (e.kind) {
    case 'const':
      return e.value ? ALWAYS : NEVER;
    case 'and': {
      // Cheapest first: a typed-array comparison rejects most rows before a string is looked at.
      const tests = [...e.args].sort((a, b) => cost(a, columns) - cost(b, columns)).map((a) => compilePredicate(a, columns));
      if (tests.length === 2) {
        const [a, b] = tests as [RowTest, RowTest];
        return (i) => a(i) && b(i);
      }
      return (i) => {
        for (const t of tests) if (!t(i)) return false;
        return true;
      };
    }
    case 'or': {
      const tests = e.args.map((a) => compilePredicate(a, columns));
      if (tests.length === 2) {
        const [a, b] = tests as [RowTest, RowTest];
        return (i) => a(i) || b(i);
      }
      return (i) => {
        for (const t of tests) if (t(i)) return true;
        return false;
      };
    }
    case 'isNull': {
      const c = columnFor(columns, e.field);
      if (c.kind === 'scalars') {
        const v = c.values;
        return e.negated ? (i) => v[i] !== null : (i) => v[i] === null;
      }
      const valid = c.valid;
      if (valid === null) return e.negated ? ALWAYS : NEVER;
      return e.negated ? (i) => bitSet(valid, i) : (i) => !bitSet(valid, i);
    }
    case 'compare':
    case 'in':
    case 'text': {
      const c = columnFor(columns, e.field);
      if (c.kind === 'string' && c.dictionary !== undefined) return viaDictionary(e, c.valid, c.dictionary);
      if (e.kind === 'compare') return compileCompare(e, c);
      return e.kind === 'in' ? compileIn(e, c) : compileText(e, c);
    }
    default:
      return assertNever(e, 'expression');
  }
}

/**
 * Rows whose value is exactly `p` (non-empty): every occurrence of `p` in the
 * column's bytes (Buffer#indexOf, a native search) that starts a row and
 * spans it whole. 1 at a matching row.
 */
function rowsHolding(offsets: Int32Array, bytes: Buffer, p: Buffer): Uint8Array {
  const rows = offsets.length - 1;
  const out = new Uint8Array(Math.max(0, rows));
  for (let at = bytes.indexOf(p); at !== -1; at = bytes.indexOf(p, at + 1)) {
    // The last row starting at or before `at` (empty rows share their start with the next row).
    let lo = 0;
    let hi = rows - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    if (offsets[lo] === at && offsets[lo + 1]! - at === p.length) out[lo] = 1;
  }
  return out;
}

/** A leaf over a dictionary-coded string column: each distinct value tested once, rows by their code. */
function viaDictionary(e: CompareExpr | InExpr | TextExpr, valid: Uint8Array | null, d: StringDictionary): RowTest {
  const table = codeTable(e, d);
  const codes = d.codes;
  return guard(valid, (i) => table[codes[i]!] === 1);
}

/** 1 at the codes whose value passes the leaf (nulls aside). */
function codeTable(e: CompareExpr | InExpr | TextExpr, d: StringDictionary): Uint8Array {
  const test = compilePredicate(e, new Map([[e.field, d.entries]]));
  const table = new Uint8Array(d.values.length);
  for (let k = 0; k < table.length; k++) table[k] = test(k) ? 1 : 0;
  return table;
}

/**
 * The live rows of `b` that pass `e`. Without a limit, a conjunction runs
 * a conjunct at a time over the whole batch (selection-vector refinement, as
 * vectorised engines do): each conjunct is one tight loop over its typed
 * arrays that keeps the rows passing it, with no call per row, and later
 * conjuncts see only the survivors. Leaves over numbers and dictionary codes
 * have such loops; any other conjunct tests its survivors through its
 * compiled `RowTest`. With a limit, rows are tested one at a time and testing
 * stops once `limit` pass (`narrow`), which is cheaper for a page.
 */
export function selectRows(e: Expr, b: Batch, limit = Infinity): Batch {
  if (limit !== Infinity) return narrow(b, compilePredicate(e, b.columns), limit);
  const { rows, m } = passing(e, b);
  return rows === b.selection ? b : { ...b, selection: rows!.subarray(0, m) };
}

/**
 * How many live rows of `b` pass `e`: `selectRows` for a consumer that reads
 * no field (a count), in a scratch selection reused from batch to batch.
 */
export function countRows(e: Expr, b: Batch): number {
  if (b.selection === null) {
    const indexed = countByIndex(e, b.columns, b.length);
    if (indexed !== undefined) return indexed;
  }
  if (scratch.length < b.length) scratch = new Int32Array(b.length);
  return passing(e, b, scratch, true).m;
}

let scratch = new Int32Array(0);

/**
 * The count when every conjunct is a leaf over a column chunk with a bitmap
 * index (bitmap-index.ts), else undefined. Each leaf is tested once per
 * distinct value; rows are never visited.
 */
function countByIndex(e: Expr, columns: ReadonlyMap<string, Column>, n: number): number | undefined {
  if (e.kind === 'const') return undefined;
  const parts: { index: BitmapIndex; passes: Uint8Array }[] = [];
  for (const c of Expr.conjuncts(e)) {
    if (c.kind !== 'compare' && c.kind !== 'in' && c.kind !== 'text') return undefined;
    const column = columns.get(c.field);
    if (column?.kind === 'string' && column.index !== undefined && column.dictionary !== undefined) {
      parts.push({ index: column.index, passes: codeTable(c, column.dictionary) });
    } else if (column?.kind === 'number' && column.index !== undefined) {
      const distinct: Column = { kind: 'number', values: Float64Array.from(column.index.values as number[]), valid: null };
      const test = compilePredicate(c, new Map([[c.field, distinct]]));
      parts.push({ index: column.index, passes: Uint8Array.from(column.index.values, (_, k) => (test(k) ? 1 : 0)) });
    } else {
      return undefined;
    }
  }
  return countIndexed(parts, n);
}

/** The first `m` of `rows` pass (null: every row of the batch does, m is its length). */
function passing(e: Expr, b: Batch, into?: Int32Array, countOnly = false): { rows: Int32Array | null; m: number } {
  const all = { rows: b.selection, m: liveCount(b) };
  if (e.kind === 'const') return e.value ? all : { rows: new Int32Array(0), m: 0 };
  const conjuncts = e.kind === 'and' ? [...e.args].sort((x, y) => cost(x, b.columns) - cost(y, b.columns)) : [e];
  if (conjuncts.length === 0) return all;
  // The first conjunct writes into `out`, the next ones keep survivors in
  // place (a row is written at or before where it was read).
  const out = into ?? new Int32Array(all.m);
  let m = all.m;
  let rows = b.selection;
  for (let k = 0; k < conjuncts.length; k++) {
    // Only the count of the last conjunct's survivors is needed for a count: it need not write them.
    m = keepPassing(conjuncts[k]!, b.columns, rows, m, out, countOnly && k === conjuncts.length - 1);
    rows = out;
    if (m === 0) break;
  }
  return { rows: out, m };
}

/**
 * Writes the rows of `rows[0..m)` (null: rows 0..m-1) passing `e` to `out`
 * (which may be `rows`), in order; returns how many. With `countOnly`, a
 * kernel may only count them (`out` then holds no answer).
 */
function keepPassing(
  e: Expr,
  columns: ReadonlyMap<string, Column>,
  rows: Int32Array | null,
  m: number,
  out: Int32Array,
  countOnly = false,
): number {
  if (e.kind === 'compare' || e.kind === 'in' || e.kind === 'text') {
    const c = columnFor(columns, e.field);
    if (c.kind === 'string' && c.dictionary !== undefined) {
      if (c.valid !== null) [rows, m] = [out, keepValid(c.valid, rows, m, out)];
      const table = codeTable(e, c.dictionary);
      return countOnly ? countCodes(table, c.dictionary.codes, rows, m) : keepCodes(table, c.dictionary.codes, rows, m, out);
    }
    if (e.kind === 'compare' && c.kind === 'number') {
      if (c.valid !== null) [rows, m] = [out, keepValid(c.valid, rows, m, out)];
      const { lo, hi, outside } = rangeOf(e.op, numberLiteral(e.value, e.field));
      // int32 columns (quantities, ids, dates) get a loop of their own, whose element loads see one array type only.
      if (c.values instanceof Int32Array) return keepInRangeInt32(c.values, lo, hi, outside ? 0 : 1, rows, m, out);
      return keepInRange(c.values, lo, hi, outside ? 0 : 1, rows, m, out);
    }
  }
  // A call per row anyway: branching on its outcome costs no more, as in `narrow`.
  const test = compilePredicate(e, columns);
  let j = 0;
  for (let k = 0; k < m; k++) {
    const i = rows === null ? k : rows[k]!;
    if (test(i)) out[j++] = i;
  }
  return j;
}

// The kernels below are written out, not built from a shared loop and a
// per-leaf closure: a loop calling different closures cannot inline them and
// pays a call per row. Each writes every row and advances past it only if it
// passes, so there is no branch on the outcome, which a filter of middling
// selectivity would mispredict.

function keepValid(valid: Uint8Array, rows: Int32Array | null, m: number, out: Int32Array): number {
  let j = 0;
  if (rows === null) {
    for (let i = 0; i < m; i++) {
      out[j] = i;
      j += (valid[i >> 3]! >> (i & 7)) & 1;
    }
  } else {
    for (let k = 0; k < m; k++) {
      const i = rows[k]!;
      out[j] = i;
      j += (valid[i >> 3]! >> (i & 7)) & 1;
    }
  }
  return j;
}

/** `table` holds 1 at the codes that pass. */
function keepCodes(table: Uint8Array, codes: Uint16Array, rows: Int32Array | null, m: number, out: Int32Array): number {
  let j = 0;
  if (rows === null) {
    for (let i = 0; i < m; i++) {
      out[j] = i;
      j += table[codes[i]!]!;
    }
  } else {
    for (let k = 0; k < m; k++) {
      const i = rows[k]!;
      out[j] = i;
      j += table[codes[i]!]!;
    }
  }
  return j;
}

/** How many of the rows have a code `table` passes. */
function countCodes(table: Uint8Array, codes: Uint16Array, rows: Int32Array | null, m: number): number {
  let n = 0;
  if (rows === null) for (let i = 0; i < m; i++) n += table[codes[i]!]!;
  else for (let k = 0; k < m; k++) n += table[codes[rows[k]!]!]!;
  return n;
}

/** `keepInRange` for int32 values: the same loop, kept apart so its loads stay monomorphic (about a fifth faster). */
function keepInRangeInt32(
  values: Int32Array,
  lo: number,
  hi: number,
  inside: 0 | 1,
  rows: Int32Array | null,
  m: number,
  out: Int32Array,
): number {
  let j = 0;
  if (rows === null) {
    for (let i = 0; i < m; i++) {
      const v = values[i]!;
      out[j] = i;
      j += (v >= lo && v <= hi ? 1 : 0) ^ inside ^ 1;
    }
  } else {
    for (let k = 0; k < m; k++) {
      const i = rows[k]!;
      const v = values[i]!;
      out[j] = i;
      j += (v >= lo && v <= hi ? 1 : 0) ^ inside ^ 1;
    }
  }
  return j;
}

/** Rows with lo <= value <= hi when `inside` is 1, the others when 0 (NaN is never inside). */
function keepInRange(
  values: NumberArray,
  lo: number,
  hi: number,
  inside: 0 | 1,
  rows: Int32Array | null,
  m: number,
  out: Int32Array,
): number {
  let j = 0;
  if (rows === null) {
    for (let i = 0; i < m; i++) {
      const v = values[i]!;
      out[j] = i;
      j += (v >= lo && v <= hi ? 1 : 0) ^ inside ^ 1;
    }
  } else {
    for (let k = 0; k < m; k++) {
      const i = rows[k]!;
      const v = values[i]!;
      out[j] = i;
      j += (v >= lo && v <= hi ? 1 : 0) ^ inside ^ 1;
    }
  }
  return j;
}

/**
 * Every comparison with a number as a closed range, so one kernel runs them
 * all: v > x is v >= the next double above x (exact for doubles and the
 * integers they hold), and v != x is "outside [x, x]". NaN compares false
 * with everything, as the row-at-a-time tests do: it is outside every range,
 * and a NaN bound makes the range empty.
 */
export function rangeOf(op: CompareOp, x: number): { lo: number; hi: number; outside: boolean } {
  switch (op) {
    case 'eq':
      return { lo: x, hi: x, outside: false };
    case 'ne':
      return { lo: x, hi: x, outside: true };
    case 'gte':
      return { lo: x, hi: Infinity, outside: false };
    case 'lte':
      return { lo: -Infinity, hi: x, outside: false };
    case 'gt':
      return x === Infinity ? { lo: Infinity, hi: -Infinity, outside: false } : { lo: nextUp(x), hi: Infinity, outside: false };
    case 'lt':
      return x === -Infinity ? { lo: Infinity, hi: -Infinity, outside: false } : { lo: -Infinity, hi: -nextUp(-x), outside: false };
    default:
      return assertNever(op, 'comparison');
  }
}

/** The smallest double above x (x itself for NaN and +Infinity). */
function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const bits = new BigInt64Array(f.buffer);
  bits[0] = bits[0]! + (x > 0 ? 1n : -1n);
  return f[0]!;
}

/** A rough per-row cost of a conjunct, for ordering: leaves over typed arrays, then strings, then nested logic. */
function cost(e: Expr, columns: ReadonlyMap<string, Column>): number {
  switch (e.kind) {
    case 'const':
      return 0;
    case 'isNull':
      return 1;
    case 'compare':
    case 'in':
    case 'text': {
      const c = columns.get(e.field);
      const kind = c?.kind === 'string' && c.dictionary !== undefined ? 'codes' : c?.kind;
      // Dictionary codes cost a table lookup, little more than a number, but low-cardinality columns reject fewer rows.
      const base = kind === 'number' || kind === 'bigint' || kind === 'boolean' ? 2 : kind === 'codes' ? 2.5 : kind === 'scalars' ? 4 : 3;
      return e.kind === 'text' ? base + 2 : base;
    }
    case 'and':
    case 'or':
      return 10;
    default:
      return assertNever(e, 'expression');
  }
}

function columnFor(columns: ReadonlyMap<string, Column>, field: string): Column {
  const c = columns.get(field);
  if (c === undefined) throw internalError(`predicate reads field ${field}, which is not in the batch`);
  return c;
}

/** Only rows whose value is present can match a leaf. */
function guard(valid: Uint8Array | null, test: RowTest): RowTest {
  if (valid === null) return test;
  return (i) => bitSet(valid, i) && test(i);
}

const OUTCOME: Record<CompareOp, (c: number) => boolean> = {
  eq: (c) => c === 0,
  ne: (c) => c !== 0,
  lt: (c) => c < 0,
  lte: (c) => c <= 0,
  gt: (c) => c > 0,
  gte: (c) => c >= 0,
};

function compileCompare(e: CompareExpr, c: Column): RowTest {
  switch (c.kind) {
    case 'number':
      return guard(c.valid, compareTypedArray(c.values, e.op, numberLiteral(e.value, e.field)));
    case 'bigint':
      return guard(c.valid, compareTypedArray(c.values, e.op, bigintLiteral(e.value, e.field)));
    case 'boolean': {
      const bits = c.bits;
      const x = booleanLiteral(e.value, e.field) ? 1 : 0;
      const outcome = OUTCOME[e.op];
      return guard(c.valid, (i) => outcome((bitSet(bits, i) ? 1 : 0) - x));
    }
    case 'string': {
      const { offsets, bytes } = c;
      const p = Buffer.from(stringLiteral(e.value, e.field), 'utf8');
      const n = p.length;
      // Equality byte by byte in JS: cheaper than a call into Buffer#compare for short values;
      // for longer ones (an e-mail, an id), the rows holding them are found by searching the column's bytes.
      const found = n >= 4 && (e.op === 'eq' || e.op === 'ne') ? rowsHolding(offsets, bytes, p) : undefined;
      const equal =
        found !== undefined
          ? (i: number): boolean => found[i] === 1
          : (i: number): boolean => {
              const s = offsets[i]!;
              if (offsets[i + 1]! - s !== n) return false;
              for (let k = 0; k < n; k++) if (bytes[s + k] !== p[k]) return false;
              return true;
            };
      if (e.op === 'eq') return guard(c.valid, equal);
      if (e.op === 'ne') return guard(c.valid, (i) => !equal(i));
      const outcome = OUTCOME[e.op];
      // Buffer#compare orders the row's bytes (source) against p (target).
      return guard(c.valid, (i) => outcome(bytes.compare(p, 0, n, offsets[i], offsets[i + 1])));
    }
    case 'scalars': {
      const v = c.values;
      const x = e.value;
      const outcome = OUTCOME[e.op];
      return (i) => {
        const y = v[i]!;
        return y !== null && outcome(compareScalars(y, x));
      };
    }
    default:
      return assertNever(c, 'column');
  }
}

/** One closure per operator, so the hot loop has no dispatch on `op`. */
function compareTypedArray<T extends number | bigint>(values: ArrayLike<T>, op: CompareOp, x: T): RowTest {
  switch (op) {
    case 'eq':
      return (i) => values[i] === x;
    case 'ne':
      return (i) => values[i] !== x;
    case 'lt':
      return (i) => values[i]! < x;
    case 'lte':
      return (i) => values[i]! <= x;
    case 'gt':
      return (i) => values[i]! > x;
    case 'gte':
      return (i) => values[i]! >= x;
    default:
      return assertNever(op, 'comparison');
  }
}

/** Up to this many values, an `IN` over strings compares bytes; past it, it hashes them. */
const SMALL_IN_LIST = 8;

function compileIn(e: InExpr, c: Column): RowTest {
  const neg = e.negated;
  switch (c.kind) {
    case 'number': {
      const set = new Set(e.values.map((v) => numberLiteral(v, e.field)));
      const values: NumberArray = c.values;
      return guard(c.valid, (i) => set.has(values[i]!) !== neg);
    }
    case 'bigint': {
      const set = new Set(e.values.map((v) => bigintLiteral(v, e.field)));
      const values = c.values;
      return guard(c.valid, (i) => set.has(values[i]!) !== neg);
    }
    case 'boolean': {
      const set = new Set(e.values.map((v) => booleanLiteral(v, e.field)));
      const bits = c.bits;
      return guard(c.valid, (i) => set.has(bitSet(bits, i)) !== neg);
    }
    case 'string': {
      // Candidates grouped by byte length: most rows are rejected by one lookup.
      const byLength = new Map<number, Buffer[]>();
      for (const v of e.values) {
        const p = Buffer.from(stringLiteral(v, e.field), 'utf8');
        const same = byLength.get(p.length);
        if (same === undefined) byLength.set(p.length, [p]);
        else same.push(p);
      }
      const { offsets, bytes } = c;
      // Many values of one length: a row of that length is looked up in a set
      // of their bytes (as latin1, one character a byte, so exact) instead of
      // compared with each, which made a long list cost a comparison per value per row.
      if (e.values.length > SMALL_IN_LIST) {
        const keys = new Set<string>();
        for (const same of byLength.values()) for (const p of same) keys.add(p.toString('latin1'));
        return guard(c.valid, (i) => {
          const s = offsets[i]!;
          const end = offsets[i + 1]!;
          return (byLength.has(end - s) && keys.has(bytes.toString('latin1', s, end))) !== neg;
        });
      }
      return guard(c.valid, (i) => {
        const s = offsets[i]!;
        const end = offsets[i + 1]!;
        const candidates = byLength.get(end - s);
        let hit = false;
        if (candidates !== undefined) {
          for (const p of candidates) {
            if (bytes.compare(p, 0, p.length, s, end) === 0) {
              hit = true;
              break;
            }
          }
        }
        return hit !== neg;
      });
    }
    case 'scalars': {
      const v = c.values;
      const set = new Set(e.values.map(valueKey));
      return (i) => {
        const y = v[i]!;
        return y !== null && set.has(valueKey(y)) !== neg;
      };
    }
    default:
      return assertNever(c, 'column');
  }
}

function compileText(e: TextExpr, c: Column): RowTest {
  const neg = e.negated;
  if (c.kind === 'scalars') {
    const v = c.values;
    const match = stringMatcher(e);
    return (i) => {
      const y = v[i]!;
      return typeof y === 'string' && match(y) !== neg;
    };
  }
  if (c.kind !== 'string') throw internalError(`text operator ${e.op} on non-string field ${e.field}`);
  const { offsets, bytes } = c;
  const p = Buffer.from(e.pattern, 'utf8');
  const n = p.length;
  switch (e.op) {
    case 'startsWith':
      return guard(
        c.valid,
        (i) => (offsets[i + 1]! - offsets[i]! >= n && bytes.compare(p, 0, n, offsets[i], offsets[i]! + n) === 0) !== neg,
      );
    case 'endsWith':
      return guard(
        c.valid,
        (i) => (offsets[i + 1]! - offsets[i]! >= n && bytes.compare(p, 0, n, offsets[i + 1]! - n, offsets[i + 1]) === 0) !== neg,
      );
    case 'contains':
      return guard(c.valid, (i) => containsBytes(bytes, offsets[i]!, offsets[i + 1]!, p) !== neg);
    default:
      return assertNever(e.op, 'text operator');
  }
}

function stringMatcher(e: TextExpr): (s: string) => boolean {
  const p = e.pattern;
  switch (e.op) {
    case 'contains':
      return (s) => s.includes(p);
    case 'startsWith':
      return (s) => s.startsWith(p);
    case 'endsWith':
      return (s) => s.endsWith(p);
    default:
      return assertNever(e.op, 'text operator');
  }
}

/** Naive search: values are short, and a bounded loop never looks past the row. */
function containsBytes(bytes: Uint8Array, start: number, end: number, p: Uint8Array): boolean {
  const n = p.length;
  if (n === 0) return true;
  const first = p[0];
  const last = end - n;
  outer: for (let k = start; k <= last; k++) {
    if (bytes[k] !== first) continue;
    for (let j = 1; j < n; j++) if (bytes[k + j] !== p[j]) continue outer;
    return true;
  }
  return false;
}

// Literals are typed by the plan (src/plan/scalar.ts); a literal of another
// type is a bug upstream, except integers given as numbers for int64 fields,
// which are converted exactly.
function numberLiteral(v: Scalar, field: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw internalError(`literal ${String(v)} for numeric field ${field}`);
}

function bigintLiteral(v: Scalar, field: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw internalError(`literal ${String(v)} for int64/timestamp field ${field}`);
}

function booleanLiteral(v: Scalar, field: string): boolean {
  if (typeof v === 'boolean') return v;
  throw internalError(`literal ${String(v)} for boolean field ${field}`);
}

function stringLiteral(v: Scalar, field: string): string {
  if (typeof v === 'string') return v;
  throw internalError(`literal ${String(v)} for string field ${field}`);
}
