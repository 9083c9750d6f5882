import { assertNever } from '../../../../errors.js';
import type { CompareExpr, Expr, InExpr, LeafExpr, TextExpr } from '../../../../plan/expr.js';
import type { Scalar } from '../../../../plan/scalar.js';
import type { FieldSummary } from '../spec/manifest.js';
import { applyTransform, isMonotone, resultType, type PartitionSpec, type Transform } from '../spec/partition.js';
import type { PrimitiveType } from '../spec/types.js';
import { compareValues, valueFromBinary, type IcebergValue } from '../spec/values.js';
import type { BoundField } from './bind-fields.js';

/**
 * Pruning manifests and data files (docs/iceberg.md) with three-valued verdicts:
 * a predicate is `never` true for any row of a manifest or file, `always`
 * true for every row, or `maybe`. `never` skips it; `always` is what the
 * governance rule needs (below).
 *
 * What is known of a field's values in a file:
 * - its partition value: exact for identity, a projection for the time
 *   transforms (year, month, day, hour) and truncate (order-preserving:
 *   comparisons project onto them), and for bucket equalities only
 *   (`x = v` ⇒ bucket = bucket(v), murmur3 as in the spec);
 * - the manifest entry's column metrics: lower/upper bounds (Iceberg's
 *   single-value binary encoding), null, value and NaN counts;
 * - a constant, once the file is known to lack the column (default or null).
 * A manifest is judged by its partition-field summaries the same way.
 *
 * String and binary upper bounds may be truncated (Iceberg writes 16
 * characters by default and increments the last one, other writers may
 * not): an upper bound U only excludes a value v that is above U without
 * starting with U, and only proves `v < x` when x does not start with U.
 *
 * Governance (the row-filter rule): with a row filter, a caller's filter
 * may prune a manifest or file only where the row filter is `always` true
 * in it; otherwise pruning by the caller's predicate would tell the caller
 * something about rows the row filter hides. See `pruneVerdict`.
 */
export type Verdict = 'never' | 'maybe' | 'always';

/** What is known of one field in a file or manifest; every part is optional. */
export interface FieldFacts {
  readonly type: PrimitiveType;
  /** Every row holds exactly this value (null: every row is null). */
  readonly constant?: { readonly value: IcebergValue | null };
  readonly lower?: IcebergValue;
  readonly upper?: IcebergValue;
  /** The upper bound may be a truncated prefix (strings and binary). */
  readonly upperMayBeTruncated?: boolean;
  /** The lower bound may be a truncated prefix: still a lower bound, but not a value. */
  readonly lowerMayBeTruncated?: boolean;
  readonly nullCount?: number;
  readonly valueCount?: number;
  readonly nanCount?: number;
  /** Partition projections: `transform(x)` is `value` for every row. */
  readonly projections?: readonly { readonly transform: Transform; readonly value: IcebergValue | null }[];
  /** Manifest summaries of partition values (not of the column itself). */
  readonly summaries?: readonly {
    readonly transform: Transform;
    readonly summary: FieldSummary;
    readonly lower?: IcebergValue;
    readonly upper?: IcebergValue;
  }[];
}

export type FactsOf = (field: string) => readonly FieldFacts[] | undefined;

/** The verdict of a predicate (negation normal form, src/plan/expr.ts) given what is known per field. */
export function judge(e: Expr, facts: FactsOf): Verdict {
  switch (e.kind) {
    case 'const':
      return e.value ? 'always' : 'never';
    case 'and': {
      let all = true;
      for (const a of e.args) {
        const v = judge(a, facts);
        if (v === 'never') return 'never';
        all &&= v === 'always';
      }
      return all ? 'always' : 'maybe';
    }
    case 'or': {
      let none = true;
      for (const a of e.args) {
        const v = judge(a, facts);
        if (v === 'always') return 'always';
        none &&= v === 'never';
      }
      return none ? 'never' : 'maybe';
    }
    case 'compare':
    case 'in':
    case 'text':
    case 'isNull': {
      const known = facts(e.field);
      if (known === undefined) return 'maybe';
      let sawAlways = false;
      for (const f of known) {
        const v = judgeLeaf(e, f);
        if (v === 'never') return 'never';
        sawAlways ||= v === 'always';
      }
      return sawAlways ? 'always' : 'maybe';
    }
    default:
      return assertNever(e, 'expression');
  }
}

/**
 * Whether a manifest or file is skipped, and by which predicate. Without a
 * row filter the caller's filter prunes wherever it is `never` true; with
 * one, the row filter prunes wherever it is `never` true, and the caller's
 * filter only where the row filter is `always` true.
 */
export function pruneVerdict(rowFilter: Expr | undefined, filter: Expr | undefined, facts: FactsOf): 'row-filter' | 'filter' | undefined {
  if (rowFilter !== undefined) {
    const r = judge(rowFilter, facts);
    if (r === 'never') return 'row-filter';
    if (r !== 'always') return undefined;
  }
  if (filter !== undefined && judge(filter, facts) === 'never') return 'filter';
  return undefined;
}

const isFloat = (t: PrimitiveType) => t.type === 'float' || t.type === 'double';
const isPrefixed = (t: PrimitiveType) => t.type === 'string' || t.type === 'binary' || t.type === 'fixed';

function judgeLeaf(e: LeafExpr, f: FieldFacts): Verdict {
  if (f.constant !== undefined) return exactly(e, f.constant.value, f.type);
  let verdict = judgeByMetrics(e, f);
  if (verdict === 'never') return verdict;
  for (const p of f.projections ?? []) {
    const v = p.transform.kind === 'identity' ? exactly(e, p.value, f.type) : judgeProjection(e, f.type, p.transform, p.value);
    if (v === 'never') return v;
    if (v === 'always') verdict = 'always';
  }
  for (const s of f.summaries ?? []) {
    const v = judgeSummary(e, f.type, s.transform, s.summary, s.lower, s.upper);
    if (v === 'never') return v;
    if (v === 'always') verdict = 'always';
  }
  return verdict;
}

/** The leaf on a known value (every row holds it). */
function exactly(e: LeafExpr, value: IcebergValue | null, type: PrimitiveType): Verdict {
  if (e.kind === 'isNull') return (value === null) !== e.negated ? 'always' : 'never';
  if (value === null) return 'never';
  if (e.kind === 'compare') {
    const lit = literal(e.value, type);
    if (lit === undefined) return 'maybe';
    if (typeof value === 'number' && Number.isNaN(value)) return e.op === 'ne' ? 'always' : 'never';
    const c = compareValues(value, lit);
    const ok = { eq: c === 0, ne: c !== 0, lt: c < 0, lte: c <= 0, gt: c > 0, gte: c >= 0 }[e.op];
    return ok ? 'always' : 'never';
  }
  if (e.kind === 'in') {
    if (e.placeholder !== undefined) return 'maybe';
    const lits = e.values.map((v) => literal(v, type));
    if (lits.some((l) => l === undefined)) return 'maybe';
    const found = lits.some((l) => compareValues(value, l!) === 0 && !(typeof value === 'number' && Number.isNaN(value)));
    return found !== e.negated ? 'always' : 'never';
  }
  if (typeof value !== 'string') return 'maybe';
  const hit =
    e.op === 'contains' ? value.includes(e.pattern) : e.op === 'startsWith' ? value.startsWith(e.pattern) : value.endsWith(e.pattern);
  return hit !== e.negated ? 'always' : 'never';
}

/** The leaf against column metrics. */
function judgeByMetrics(e: LeafExpr, f: FieldFacts): Verdict {
  const { nullCount, valueCount } = f;
  const allNull = nullCount !== undefined && valueCount !== undefined && nullCount === valueCount;
  const noNulls = nullCount === 0;
  if (e.kind === 'isNull') {
    if (allNull) return e.negated ? 'never' : 'always';
    if (noNulls) return e.negated ? 'always' : 'never';
    return 'maybe';
  }
  if (allNull) return 'never';
  const { lower, upper } = f;
  // NaN is left out of bounds and fails every comparison but `ne` / NOT IN.
  const noNaN = !isFloat(f.type) || f.nanCount === 0;
  const coverable = noNulls && noNaN;
  const truncUp = isPrefixed(f.type) && f.upperMayBeTruncated !== false;
  const truncLow = isPrefixed(f.type) && f.lowerMayBeTruncated !== false;
  /** Every value v ≤ x is certain (v < x when strict). */
  const belowAll = (x: IcebergValue, strict: boolean) => {
    if (upper === undefined) return false;
    // A truncated upper bound only proves this for values that do not start with it.
    if (truncUp && startsWith(x, upper)) return false;
    const c = compareValues(upper, x);
    return strict ? c < 0 : c <= 0;
  };
  /** Some value may be ≥ x (> x when strict). */
  const mayReach = (x: IcebergValue, strict: boolean) => {
    if (upper === undefined) return true;
    if (truncUp && startsWith(x, upper)) return true;
    const c = compareValues(upper, x);
    return strict ? c > 0 : c >= 0;
  };
  const mayBeBelow = (x: IcebergValue, strict: boolean) => {
    if (lower === undefined) return true;
    const c = compareValues(lower, x);
    return strict ? c < 0 : c <= 0;
  };
  const aboveAll = (x: IcebergValue, strict: boolean) => {
    if (lower === undefined) return false;
    const c = compareValues(lower, x);
    return strict ? c > 0 : c >= 0;
  };
  const single = lower !== undefined && upper !== undefined && !truncUp && !truncLow && compareValues(lower, upper) === 0;
  switch (e.kind) {
    case 'compare': {
      const x = literal(e.value, f.type);
      if (x === undefined || (typeof x === 'number' && Number.isNaN(x))) return 'maybe';
      switch (e.op) {
        case 'eq':
          if (!mayBeBelow(x, false) || !mayReach(x, false)) return 'never';
          return single && coverable && compareValues(lower!, x) === 0 ? 'always' : 'maybe';
        case 'ne':
          if (single && noNaN && compareValues(lower!, x) === 0) return 'never';
          return coverable && (aboveAll(x, true) || belowAll(x, true)) ? 'always' : 'maybe';
        case 'lt':
          if (!mayBeBelow(x, true)) return 'never';
          return coverable && belowAll(x, true) ? 'always' : 'maybe';
        case 'lte':
          if (!mayBeBelow(x, false)) return 'never';
          return coverable && belowAll(x, false) ? 'always' : 'maybe';
        case 'gt':
          if (!mayReach(x, true)) return 'never';
          return coverable && aboveAll(x, true) ? 'always' : 'maybe';
        case 'gte':
          if (!mayReach(x, false)) return 'never';
          return coverable && aboveAll(x, false) ? 'always' : 'maybe';
        default:
          return assertNever(e as never, 'comparison');
      }
    }
    case 'in': {
      if (e.placeholder !== undefined) return 'maybe';
      const xs = e.values.map((v) => literal(v, f.type));
      if (xs.some((x) => x === undefined)) return 'maybe';
      const inside = (x: IcebergValue) => mayBeBelow(x, false) && mayReach(x, false);
      if (!e.negated) {
        if (!xs.some((x) => inside(x!))) return 'never';
        return single && coverable && xs.some((x) => compareValues(lower!, x!) === 0) ? 'always' : 'maybe';
      }
      if (single && noNaN && xs.some((x) => compareValues(lower!, x!) === 0)) return 'never';
      return coverable && xs.every((x) => !inside(x!)) ? 'always' : 'maybe';
    }
    case 'text': {
      if (e.op !== 'startsWith' || e.negated || f.type.type !== 'string') return 'maybe';
      const p = e.pattern;
      // Values starting with p lie in [p, p + anything]: none when every value is below p, or above it without starting with it.
      if (upper !== undefined && compareValues(upper, p) < 0 && !startsWith(p, upper)) return 'never';
      if (lower !== undefined && compareValues(lower, p) > 0 && !startsWith(lower, p)) return 'never';
      return 'maybe';
    }
    default:
      return assertNever(e, 'leaf');
  }
}

/** A non-identity partition value: `transform(x) = value` for every row. */
function judgeProjection(e: LeafExpr, type: PrimitiveType, t: Transform, value: IcebergValue | null): Verdict {
  if (t.kind === 'void' || t.kind === 'unknown') return 'maybe';
  // A null partition value means a null source value (every transform maps only null to null).
  if (value === null) return e.kind === 'isNull' ? (e.negated ? 'never' : 'always') : 'never';
  if (e.kind === 'isNull') return e.negated ? 'always' : 'never';
  return judgeProjectedRange(e, type, t, value, value);
}

/** A manifest's summary of one partition field: every file's partition value lies in [lower, upper] (plus nulls when containsNull). */
function judgeSummary(
  e: LeafExpr,
  type: PrimitiveType,
  t: Transform,
  s: FieldSummary,
  lower: IcebergValue | undefined,
  upper: IcebergValue | undefined,
): Verdict {
  if (t.kind === 'void' || t.kind === 'unknown') return 'maybe';
  const empty = lower === undefined && upper === undefined;
  const allNull = empty && s.containsNull && s.containsNan === false;
  if (e.kind === 'isNull') {
    if (!s.containsNull) return e.negated ? (t.kind === 'identity' ? 'always' : 'maybe') : 'never';
    if (allNull) return e.negated ? 'never' : 'always';
    return 'maybe';
  }
  if (allNull) return 'never';
  if (t.kind === 'identity') {
    // Identity summaries bound the values themselves: the column rules apply (string bounds treated as possibly truncated).
    return judgeByMetrics(e, {
      type,
      ...(lower !== undefined && { lower }),
      ...(upper !== undefined && { upper }),
      ...(!s.containsNull && { nullCount: 0 }),
      ...(s.containsNan === false && { nanCount: 0 }),
    });
  }
  if (lower === undefined || upper === undefined) return 'maybe';
  return judgeProjectedRange(e, type, t, lower, upper);
}

/**
 * A leaf projected through a transform onto partition values known to lie
 * in [lower, upper]: `never` or `maybe`. Equalities project through every
 * transform; comparisons through order-preserving ones; startsWith through
 * truncate.
 */
function judgeProjectedRange(
  e: CompareExpr | InExpr | TextExpr,
  type: PrimitiveType,
  t: Transform,
  lower: IcebergValue,
  upper: IcebergValue,
): Verdict {
  const project = (v: Scalar) => {
    const x = literal(v, type);
    return x === undefined ? undefined : applyTransform(t, type, x);
  };
  const outside = (p: IcebergValue) => compareValues(p, lower) < 0 || compareValues(p, upper) > 0;
  switch (e.kind) {
    case 'compare': {
      if (e.op === 'ne') return 'maybe';
      const p = project(e.value);
      if (p === undefined) return 'maybe';
      if (e.op === 'eq') return outside(p) ? 'never' : 'maybe';
      if (!isMonotone(t)) return 'maybe';
      if ((e.op === 'lt' || e.op === 'lte') && compareValues(lower, p) > 0) return 'never';
      if ((e.op === 'gt' || e.op === 'gte') && compareValues(upper, p) < 0) return 'never';
      return 'maybe';
    }
    case 'in': {
      if (e.negated || e.placeholder !== undefined) return 'maybe';
      const ps = e.values.map(project);
      if (ps.some((p) => p === undefined)) return 'maybe';
      return ps.every((p) => outside(p!)) ? 'never' : 'maybe';
    }
    case 'text': {
      if (t.kind !== 'truncate' || e.op !== 'startsWith' || e.negated || typeof lower !== 'string' || typeof upper !== 'string')
        return 'maybe';
      const pattern = Array.from(e.pattern);
      // A pattern as long as the width truncates to one partition value; a shorter one is a prefix of the values it admits.
      if (pattern.length >= t.width) return outside(pattern.slice(0, t.width).join('')) ? 'never' : 'maybe';
      const p = e.pattern;
      if (compareValues(upper, p) < 0 && !upper.startsWith(p)) return 'never';
      if (compareValues(lower, p) > 0 && !lower.startsWith(p)) return 'never';
      return 'maybe';
    }
    default:
      return assertNever(e, 'leaf');
  }
}

/** A predicate's literal (a plan scalar) as a value of the column's Iceberg type; undefined when it does not fit. */
export function literal(v: Scalar, type: PrimitiveType): IcebergValue | undefined {
  switch (type.type) {
    case 'int':
    case 'date':
      return typeof v === 'number' ? v : typeof v === 'bigint' ? (v >= -(2n ** 31n) && v < 2n ** 31n ? Number(v) : undefined) : undefined;
    case 'long':
    case 'timestamp':
    case 'timestamptz':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
    case 'float':
    case 'double':
      return typeof v === 'number' ? v : undefined;
    case 'string':
      return typeof v === 'string' ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    default:
      return undefined;
  }
}

function startsWith(x: IcebergValue, prefix: IcebergValue): boolean {
  if (typeof x === 'string' && typeof prefix === 'string') return x.startsWith(prefix);
  if (x instanceof Uint8Array && prefix instanceof Uint8Array) return prefix.every((b, i) => x[i] === b) && x.length >= prefix.length;
  return false;
}

/**
 * What a data file's manifest entry says of each bound field: its column
 * metrics and its partition values (identity exact, other transforms as
 * projections).
 */
export function fileFacts(
  fields: readonly BoundField[],
  spec: PartitionSpec,
  file: {
    readonly partition: ReadonlyMap<number, IcebergValue | null>;
    readonly lowerBounds?: ReadonlyMap<number, Uint8Array>;
    readonly upperBounds?: ReadonlyMap<number, Uint8Array>;
    readonly nullValueCounts?: ReadonlyMap<number, number>;
    readonly valueCounts?: ReadonlyMap<number, number>;
    readonly nanValueCounts?: ReadonlyMap<number, number>;
  },
  constants?: ReadonlyMap<number, IcebergValue | null>,
): FactsOf {
  const byName = new Map<string, FieldFacts[]>();
  for (const f of fields) {
    const id = f.fieldId;
    const constant = constants?.get(id);
    if (constants?.has(id)) {
      byName.set(f.name, [{ type: f.icebergType, constant: { value: constant ?? null } }]);
      continue;
    }
    const lowerBytes = file.lowerBounds?.get(id);
    const upperBytes = file.upperBounds?.get(id);
    const lower = lowerBytes === undefined ? undefined : valueFromBinary(f.icebergType, lowerBytes);
    const upper = upperBytes === undefined ? undefined : valueFromBinary(f.icebergType, upperBytes);
    const nullCount = file.nullValueCounts?.get(id);
    const valueCount = file.valueCounts?.get(id);
    const nanCount = file.nanValueCounts?.get(id);
    const projections = spec.fields
      .filter((p) => p.sourceId === id && file.partition.has(p.fieldId))
      .map((p) => ({ transform: p.transform, value: file.partition.get(p.fieldId)! }));
    byName.set(f.name, [
      {
        type: f.icebergType,
        ...(lower !== undefined && !(typeof lower === 'number' && Number.isNaN(lower)) && { lower }),
        ...(upper !== undefined && !(typeof upper === 'number' && Number.isNaN(upper)) && { upper }),
        ...(nullCount !== undefined && { nullCount }),
        ...(valueCount !== undefined && { valueCount }),
        ...(nanCount !== undefined && { nanCount }),
        projections,
      },
    ]);
  }
  return (name) => byName.get(name);
}

/** What a manifest's partition summaries say of each bound field. */
export function manifestFacts(fields: readonly BoundField[], spec: PartitionSpec, summaries: readonly FieldSummary[] | undefined): FactsOf {
  const byName = new Map<string, FieldFacts[]>();
  if (summaries === undefined || summaries.length !== spec.fields.length) return () => undefined;
  for (const f of fields) {
    const parts: NonNullable<FieldFacts['summaries']>[number][] = [];
    spec.fields.forEach((p, i) => {
      if (p.sourceId !== f.fieldId) return;
      const s = summaries[i]!;
      const type = resultType(p.transform, f.icebergType);
      if (type === undefined) return;
      const lower = s.lowerBound === undefined ? undefined : valueFromBinary(type, s.lowerBound);
      const upper = s.upperBound === undefined ? undefined : valueFromBinary(type, s.upperBound);
      parts.push({ transform: p.transform, summary: s, ...(lower !== undefined && { lower }), ...(upper !== undefined && { upper }) });
    });
    if (parts.length > 0) byName.set(f.name, [{ type: f.icebergType, summaries: parts }]);
  }
  return (name) => byName.get(name);
}
