import type { FieldType } from '../../contract/contract.js';
import { assertNever, internalError } from '../../errors.js';
import type { Expr } from '../../plan/expr.js';
import { aggregateName, LimitNode, type Aggregate, type FieldMask, type PlanNode, type ScanNode, type SortKey } from '../../plan/plan.js';
import type { Scalar } from '../../plan/scalar.js';
import { SPLIT } from '../kernels/exact-float-sum.js';
import { integerLiteral, quoteIdent, quoteString, type SqlDialect } from './dialect.js';

/**
 * Lowers an optimized, policy-injected plan to one SQL statement for an
 * external engine, keeping the plan's answer exactly (rows, order, values
 * in the plan's representation) whatever the engine.
 *
 * The statement keeps the plan's shape. Each node is a SELECT over the one
 * below it, and a node shares the SELECT below only where SQL evaluates
 * both in the plan's order:
 *
 *   Scan      SELECT <fields read as their types> FROM <relation> AS s WHERE <row filter> AND <scan filters> [LIMIT fetch]
 *   Filter    WHERE conjuncts, in the SELECT below unless that one limits, groups or masks
 *   Mask      always a SELECT of its own over its input, computing nothing but the masked
 *             columns; everything above reads them by name from that subquery, so no
 *             predicate, sort key, cursor or aggregate above a Mask can see a raw value
 *   Sort      ORDER BY keys, NULLS LAST written out, [LIMIT fetch]
 *   Limit     OFFSET/LIMIT, composed with one below it
 *   Count     SELECT count(*)
 *   Aggregate SELECT group fields, aggregates … GROUP BY, with count(*) OVER () when the
 *             plan bounds the groups (`maxGroups`; checked on the rows, see sql-rows.ts)
 *   Project   the final select list (columns a Project drops stay visible to ORDER BY)
 *
 * SQL does not keep a subquery's order, so the order a Sort gives is
 * carried up by field name and written again where a LIMIT needs it and at
 * the top.
 *
 * Predicates are in negation normal form (src/plan/expr.ts) and are
 * written as they are: `x <> v`, `x NOT IN (…)`, `NOT (x LIKE …)` are NULL
 * when x is NULL, and with AND/OR only above the leaves a NULL leaf keeps a
 * row exactly when a false one would (both AND and OR are monotone in
 * false < null < true, and WHERE keeps TRUE only). So SQL's three-valued
 * logic gives the plan's two-valued answer with no `IS NOT NULL` guards; only
 * an empty NOT IN list needs one.
 *
 * Masks follow src/policy/mask-value.ts exactly; round is written as
 * arithmetic (half away from zero), never ROUND(), whose ties differ between
 * engines. The hash mask calls a function the caller names (the key lives
 * in the engine, never in the statement).
 */
export interface LowerOptions {
  readonly dialect: SqlDialect;
  /** The FROM item that reads a scan's product version (a table name, `read_parquet([...])`, a view). */
  readonly relation: (scan: ScanNode) => string;
  /** The function computing the hash mask in the engine; plans with a hash mask fail without one. */
  readonly hashFunction?: string;
}

/** How a column's values come back: the plan's representation (src/plan/scalar.ts). */
export type SqlValue = 'string' | 'boolean' | 'number' | 'bigint' | 'date' | 'timestamp';

export interface SqlColumn {
  /** The plan's field name (`order_id`, `sum(total_amount)`, `count`). */
  readonly name: string;
  readonly value: SqlValue;
  /**
   * A sum or average of doubles, sent as the text of its exact parts
   * (`exactFloatSum` below) and finished by sql-rows.ts as the embedded
   * engine finishes it.
   */
  readonly exactSum?: 'sum' | 'avg';
}

export interface LoweredPlan {
  readonly sql: string;
  /** The statement's columns, in order: the plan's output fields. Rows are read by position. */
  readonly columns: readonly SqlColumn[];
  /**
   * Columns the statement has after the plan's fields, not part of the
   * answer: the group count below, or a placeholder when the plan's rows
   * have no field at all (SQL selects at least one column).
   */
  readonly extraColumns: number;
  /**
   * Set when an Aggregate with group fields bounds its groups: the first
   * extra column holds the number of groups formed; more than `max` is
   * RESOURCE_LIMIT (sql-rows.ts), as the embedded engine fails.
   */
  readonly maxGroups?: { readonly max: number };
}

/** The extra column counting an aggregate's groups. */
export const GROUPS_COLUMN = '$groups';
/** The extra column of a statement whose rows have no field. */
const NO_FIELDS_COLUMN = '$row';

export function lowerPlan(plan: PlanNode, options: LowerOptions): LoweredPlan {
  const ctx = new Lowering(options);
  const top = ctx.finish(ctx.lower(plan));
  const columns = top.fields.map((name) => {
    const exactSum = ctx.exactSums.get(name);
    return { name, value: valueOf(top.types.get(name)!), ...(exactSum !== undefined && { exactSum }) };
  });
  return {
    sql: render(top.layer, options.dialect, 0),
    columns,
    extraColumns: top.layer.select.size - columns.length,
    ...(top.maxGroups !== undefined && { maxGroups: { max: top.maxGroups } }),
  };
}

// --- the SELECTs being built ----------------------------------------------------------

type LayerKind = 'plain' | 'mask' | 'aggregate';

interface Layer {
  kind: LayerKind;
  /** Output column → its SQL over this layer's FROM, in order. */
  select: Map<string, string>;
  from: { readonly table: string; readonly alias: string } | { readonly sub: Layer; readonly alias: string };
  where: string[];
  groupBy: string[] | undefined;
  orderBy: string[] | undefined;
  offset: number;
  limit: number | undefined;
}

/** A lowered subplan: its SELECT, the plan's view of its rows, and the order they come in. */
interface Relation {
  layer: Layer;
  /** The plan's output fields, in order (a Project narrows them; the SELECT keeps more). */
  fields: readonly string[];
  /** Field → plan type, for literals, masks and how values come back. */
  types: Map<string, FieldType>;
  /** The order rows are in (a Sort below), by field; undefined when unordered. */
  ordering: readonly SortKey[] | undefined;
  /** The plan's group bound, when the layer carries GROUPS_COLUMN. */
  maxGroups: number | undefined;
}

class Lowering {
  private aliases = 0;
  private readonly d: SqlDialect;
  /** Output columns holding the exact parts of a float sum or average. */
  readonly exactSums = new Map<string, 'sum' | 'avg'>();

  constructor(private readonly options: LowerOptions) {
    this.d = options.dialect;
  }

  lower(n: PlanNode): Relation {
    switch (n.kind) {
      case 'scan':
        return this.scan(n);
      case 'filter': {
        const r = this.open(this.lower(n.input), 'filter');
        r.layer.where.push(...conjuncts(n.predicate).map((c) => this.predicate(c, r)));
        return r;
      }
      case 'project': {
        const r = this.lower(n.input);
        return { ...r, fields: n.fields.map((f) => this.known(f, r)) };
      }
      case 'sort': {
        // No keys: the input's order, cut at fetch (a plan the GraphQL layer does not build).
        if (n.keys.length === 0) return this.lower(n.fetch === undefined ? n.input : LimitNode.create(n.input, 0, n.fetch));
        const r = this.open(this.lower(n.input), 'sort');
        r.layer.orderBy = n.keys.map((k) => this.sortKey(k, r));
        r.layer.limit = n.fetch;
        return { ...r, ordering: n.keys };
      }
      case 'limit': {
        const r = this.open(this.lower(n.input), 'limit');
        this.writeOrder(r);
        const { offset, limit } = r.layer;
        r.layer.offset = offset + n.skip;
        const left = limit === undefined ? undefined : Math.max(0, limit - n.skip);
        r.layer.limit = left === undefined ? n.fetch : n.fetch === undefined ? left : Math.min(left, n.fetch);
        return r;
      }
      case 'mask':
        return this.mask(n.masks, this.lower(n.input));
      case 'count': {
        const r = this.open(this.lower(n.input), 'aggregate');
        r.layer.select = new Map([['count', 'count(*)']]);
        r.layer.orderBy = undefined;
        r.layer.kind = 'aggregate';
        return { layer: r.layer, fields: ['count'], types: new Map([['count', 'int32']]), ordering: undefined, maxGroups: undefined };
      }
      case 'aggregate':
        return this.aggregate(n.groupBy, n.aggregates, n.maxGroups, this.lower(n.input));
      default:
        return assertNever(n, 'plan node');
    }
  }

  /** The relation ready to be returned: its order written, only the plan's fields (and the group count) selected. */
  finish(r: Relation): Relation {
    if (r.ordering !== undefined && r.layer.orderBy === undefined) {
      r = r.layer.kind === 'mask' ? this.wrap(r) : r;
      this.writeOrder(r);
    }
    const select = new Map(r.fields.map((f) => [f, r.layer.select.get(f)!]));
    if (r.maxGroups !== undefined) select.set(GROUPS_COLUMN, r.layer.select.get(GROUPS_COLUMN)!);
    // Rows without fields (an aggregate of nothing, a projection of nothing): SQL selects at least one column.
    if (select.size === 0) select.set(NO_FIELDS_COLUMN, r.layer.select.get(NO_FIELDS_COLUMN) ?? 'TRUE');
    r.layer.select = select;
    return r;
  }

  private scan(n: ScanNode): Relation {
    const alias = 's';
    const select = new Map(n.fields.map((f) => [f.name, this.d.readField(`${alias}.${quoteIdent(f.column)}`, f.type)]));
    const layer: Layer = {
      kind: 'plain',
      select,
      from: { table: this.options.relation(n), alias },
      where: [],
      groupBy: undefined,
      orderBy: undefined,
      offset: 0,
      limit: n.fetch,
    };
    const r: Relation = {
      layer,
      fields: n.fields.map((f) => f.name),
      types: new Map(n.fields.map((f) => [f.name, f.type])),
      ordering: undefined,
      maxGroups: undefined,
    };
    // The policy's row filter first: it reads raw values, below every mask, as the caller's scan conjuncts may.
    const rowFilter = n.rowFilter === undefined ? [] : conjuncts(n.rowFilter);
    layer.where = [...rowFilter, ...n.filters.flatMap(conjuncts)].map((c) => this.predicate(c, r));
    return r;
  }

  /**
   * `r`, or `r` wrapped in a subquery, so that an operation of `kind` can be
   * added to its SELECT and run after everything already there: a mask's
   * SELECT takes nothing more; a filter, sort or aggregate goes above a
   * LIMIT, a GROUP BY or a mask; a LIMIT composes with one below it.
   */
  private open(r: Relation, kind: 'filter' | 'sort' | 'limit' | 'aggregate'): Relation {
    const l = r.layer;
    const limited = l.limit !== undefined || l.offset > 0;
    const wrap = l.kind === 'mask' || (kind !== 'limit' && (l.kind !== 'plain' || limited));
    if (!wrap) return { ...r };
    if (kind === 'aggregate' && r.maxGroups !== undefined) {
      throw internalError('lowering: an aggregate or count over an aggregate that bounds its groups');
    }
    return this.wrap(r);
  }

  /** `r` as a subquery, each of its columns selected by name. */
  private wrap(r: Relation): Relation {
    const alias = `t${++this.aliases}`;
    const select = new Map([...r.layer.select.keys()].map((name) => [name, `${alias}.${quoteIdent(name)}`]));
    const layer: Layer = {
      kind: 'plain',
      select,
      from: { sub: r.layer, alias },
      where: [],
      groupBy: undefined,
      orderBy: undefined,
      offset: 0,
      limit: undefined,
    };
    return { ...r, layer };
  }

  /** Before a LIMIT (and at the top): the order rows came in, written again over this SELECT. */
  private writeOrder(r: Relation): void {
    if (r.ordering !== undefined && r.layer.orderBy === undefined && r.layer.kind !== 'aggregate') {
      r.layer.orderBy = r.ordering.map((k) => this.sortKey(k, r));
    }
  }

  private mask(masks: readonly FieldMask[], input: Relation): Relation {
    const masked = new Set(masks.map((m) => m.field));
    // push_down_sort never moves a sort on a masked key below its mask: the raw order would show through.
    if (input.ordering?.some((k) => masked.has(k.field))) {
      throw internalError('lowering: a mask over rows sorted by a field it masks');
    }
    const r = this.wrap(input);
    r.layer.kind = 'mask';
    for (const m of masks) {
      const x = r.layer.select.get(m.field);
      if (x === undefined) throw internalError(`lowering: mask of ${m.field}, which the plan does not read`);
      r.layer.select.set(m.field, this.maskSql(m, x));
    }
    return r;
  }

  private aggregate(
    groupBy: readonly string[],
    aggregates: readonly Aggregate[],
    maxGroups: number | undefined,
    input: Relation,
  ): Relation {
    const r = this.open(this.splitForExactSums(aggregates, input), 'aggregate');
    const l = r.layer;
    const exprOf = (f: string) => this.known(f, r) && l.select.get(f)!;
    const select = new Map(groupBy.map((g) => [g, exprOf(g)]));
    const types = new Map(groupBy.map((g) => [g, r.types.get(g)!]));
    for (const a of aggregates) {
      if ((a.fn === 'sum' || a.fn === 'avg') && a.type === 'float64') this.exactSums.set(aggregateName(a), a.fn);
      select.set(aggregateName(a), this.aggregateSql(a, a.fn === 'count' ? '' : exprOf(a.field), l.select));
      types.set(aggregateName(a), aggregateType(a));
    }
    // One group and nothing computed: an aggregate still, so that it gives one row.
    if (select.size === 0) select.set(NO_FIELDS_COLUMN, 'count(*)');
    // Without group fields there is exactly one group: no bound to check.
    const bounded = maxGroups !== undefined && groupBy.length > 0;
    if (bounded) select.set(GROUPS_COLUMN, 'count(*) OVER ()');
    l.select = select;
    l.kind = 'aggregate';
    l.orderBy = undefined;
    if (groupBy.length > 0) l.groupBy = groupBy.map(exprOf);
    return {
      layer: l,
      fields: [...groupBy, ...aggregates.map(aggregateName)],
      types,
      ordering: undefined,
      maxGroups: bounded ? maxGroups : undefined,
    };
  }

  /**
   * `input`, under two SELECTs that split each value of a double summed or
   * averaged into the exact sum's integers (exactFloatSum): `f$c1` and
   * `f$r1` (what is left below 2^20), then `f$c2` and `f$c3`, which the
   * aggregate reads by name. In steps, so that no expression is written twice.
   */
  private splitForExactSums(aggregates: readonly Aggregate[], input: Relation): Relation {
    const fields = [...new Set(aggregates.flatMap((a) => ((a.fn === 'sum' || a.fn === 'avg') && a.type === 'float64' ? [a.field] : [])))];
    if (fields.length === 0) return input;
    const d = this.d;
    const lit = (v: number) => d.float(v);
    const first = this.wrap(input);
    for (const f of fields) {
      const x = this.known(f, first) && first.layer.select.get(f)!;
      const c1 = d.truncate(`${x} * ${lit(SPLIT.down1)}`);
      first.layer.select.set(`${f}$c1`, c1);
      first.layer.select.set(`${f}$r1`, `${x} - ${c1} * ${lit(SPLIT.up1)}`);
    }
    const second = this.wrap(first);
    for (const f of fields) {
      const r1 = second.layer.select.get(`${f}$r1`)!;
      const c2 = d.truncate(`${r1} * ${lit(SPLIT.down2)}`);
      second.layer.select.set(`${f}$c2`, c2);
      second.layer.select.set(`${f}$c3`, `(${r1} - ${c2} * ${lit(SPLIT.up2)}) * ${lit(SPLIT.down3)}`);
      second.layer.select.delete(`${f}$r1`);
    }
    // The aggregate reads the integers by name.
    return this.wrap(second);
  }

  private aggregateSql(a: Aggregate, x: string, select?: ReadonlyMap<string, string>): string {
    const d = this.d;
    switch (a.fn) {
      case 'count':
        return 'count(*)';
      case 'sum':
      case 'avg': {
        if (a.type === 'float64') {
          const part = (p: string) => select!.get(`${a.field}$${p}`)!;
          return exactFloatSum(d, x, [part('c1'), part('c2'), part('c3')]);
        }
        // count(x) is 0 exactly when the sum is NULL, and NULL / 0 is NULL: no division by zero.
        return a.fn === 'sum' ? d.sumIntegers(x) : `CAST(${d.sumIntegers(x)} AS ${d.sqlType('float64')}) / count(${x})`;
      }
      case 'min':
      case 'max':
        return `${a.fn}(${x})`;
      default:
        return assertNever(a, 'aggregate');
    }
  }

  private sortKey(k: SortKey, r: Relation): string {
    return `${this.exprOf(k.field, r)} ${k.direction === 'asc' ? 'ASC' : 'DESC'} NULLS ${k.nullsLast ? 'LAST' : 'FIRST'}`;
  }

  private known(field: string, r: Relation): string {
    if (!r.layer.select.has(field)) throw internalError(`lowering: field ${field} is not produced below`);
    return field;
  }

  private exprOf(field: string, r: Relation): string {
    const x = r.layer.select.get(field);
    if (x === undefined) throw internalError(`lowering: field ${field} is not produced below`);
    return x;
  }

  // --- predicates ------------------------------------------------------------------

  private predicate(e: Expr, r: Relation): string {
    switch (e.kind) {
      case 'const':
        return e.value ? 'TRUE' : 'FALSE';
      case 'and':
        return `(${e.args.map((a) => this.predicate(a, r)).join(' AND ')})`;
      case 'or':
        return `(${e.args.map((a) => this.predicate(a, r)).join(' OR ')})`;
      case 'isNull':
        return `${this.exprOf(e.field, r)} IS ${e.negated ? 'NOT ' : ''}NULL`;
      case 'compare':
        return `${this.exprOf(e.field, r)} ${COMPARE[e.op]} ${this.literal(e.value, r.types.get(e.field)!)}`;
      case 'in': {
        if (e.placeholder !== undefined) throw internalError(`lowering: IN list ${e.placeholder} was never bound`);
        const x = this.exprOf(e.field, r);
        // Plan semantics: IN () keeps nothing; NOT IN () keeps every non-null value.
        if (e.values.length === 0) return e.negated ? `${x} IS NOT NULL` : 'FALSE';
        const type = r.types.get(e.field)!;
        return `${x} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map((v) => this.literal(v, type)).join(', ')})`;
      }
      case 'text':
        return this.d.text(this.exprOf(e.field, r), e.op, e.pattern, e.negated);
      default:
        return assertNever(e, 'expression');
    }
  }

  private literal(v: Scalar, type: FieldType): string {
    switch (type) {
      case 'string':
        return quoteString(v as string);
      case 'boolean':
        return v ? 'TRUE' : 'FALSE';
      case 'int32':
      case 'int64':
        return integerLiteral(v as number | bigint);
      case 'float64':
        return this.d.float(Number(v));
      case 'date':
        return this.d.date(v as number);
      case 'timestamp':
        return this.d.timestamp(BigInt(v as bigint));
      default:
        return assertNever(type, 'field type');
    }
  }

  // --- masks (src/policy/mask-value.ts, in SQL) ---------------------------------------

  private maskSql(m: FieldMask, x: string): string {
    const d = this.d;
    switch (m.kind) {
      case 'null':
        return `CAST(NULL AS ${d.sqlType(m.type)})`;
      case 'redact':
        return `CASE WHEN ${x} IS NULL THEN NULL ELSE ${this.redacted(m.type)} END`;
      case 'hash':
        if (this.options.hashFunction === undefined)
          throw internalError('the plan hashes a field, but the engine was given no hash function');
        return `${this.options.hashFunction}(${x})`;
      case 'show_first_4':
        return `CASE WHEN length(${x}) <= 4 THEN ${x} ELSE substr(${x}, 1, 4) || ${this.stars(`length(${x}) - 4`)} END`;
      case 'show_last_4':
        return `CASE WHEN length(${x}) <= 4 THEN ${x} ELSE ${this.stars(`length(${x}) - 4`)} || substr(${x}, length(${x}) - 3) END`;
      case 'email_domain':
        return `CASE WHEN strpos(${x}, '@') = 0 THEN '***' ELSE '***@' || ${d.afterLastAt(x)} END`;
      case 'year':
        if (m.type !== 'date' && m.type !== 'timestamp') throw internalError(`year mask on a ${m.type} field`);
        return d.startOfYear(x, m.type);
      case 'round':
        return this.roundSql(m, x);
      default:
        return assertNever(m.kind, 'mask');
    }
  }

  /** `n` asterisks. length() is a bigint and DuckDB's rpad takes an integer; no string reaches 2^31 characters. */
  private stars(n: string): string {
    return `rpad('', CAST(${n} AS ${this.d.sqlType('int32')}), '*')`;
  }

  private redacted(type: FieldType): string {
    switch (type) {
      case 'string':
        return quoteString('***');
      case 'boolean':
        return 'FALSE';
      case 'int32':
        return `CAST(0 AS ${this.d.sqlType('int32')})`;
      case 'int64':
        return `CAST(0 AS ${this.d.sqlType('int64')})`;
      case 'float64':
        return this.d.float(0);
      case 'date':
        return this.d.date(0);
      case 'timestamp':
        return this.d.timestamp(0n);
      default:
        return assertNever(type, 'field type');
    }
  }

  /**
   * Nearest multiple of N, halves away from zero, as mask-value.ts computes
   * it: sign(x) × round-half-up(|x| / N) × N (sign is ±1 or 0, so the
   * product is exact). Integers (N an integer, as policies require):
   * (|x| + N div 2) div N × N in bigint, which for int32 equals the embedded
   * engine's double arithmetic (|x|/N never lands within rounding error of a
   * half). Doubles: JavaScript's Math.round(y) for y ≥ 0 is floor(y) +
   * (y − floor(y) ≥ 0.5), exactly (the subtraction is exact); floor(y + 0.5)
   * is not (it rounds 0.49999999999999994 up).
   */
  private roundSql(m: FieldMask, x: string): string {
    const d = this.d;
    const n = m.round ?? 1;
    if (m.type === 'int32' || m.type === 'int64') {
      const big = m.type === 'int32' ? `CAST(${x} AS ${d.sqlType('int64')})` : x;
      return `sign(${big}) * (${d.integerDivision(`abs(${big}) + ${integerLiteral(Math.floor(n / 2))}`, integerLiteral(n))} * ${integerLiteral(n)})`;
    }
    if (m.type !== 'float64') throw internalError(`round mask on a ${m.type} field`);
    const y = `abs(${x}) / ${d.float(n)}`;
    return `sign(${x}) * ((floor(${y}) + CASE WHEN ${y} - floor(${y}) >= ${d.float(0.5)} THEN ${d.float(1)} ELSE ${d.float(0)} END) * ${d.float(n)})`;
  }
}

const COMPARE = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/**
 * The parts of the exact sum of a double column (src/engine/kernels/exact-float-sum.ts),
 * as one text: `S1 S2 S3 outside count sum`. Each value was split below
 * (splitForExactSums: `c1`, `c2`, `c3`) with the same IEEE operations as
 * there (truncations, subtractions, scalings by powers of two: exact in
 * every engine) into three integers below 2^53, summed here exactly. `outside` counts values the split does not
 * cover (NaN, infinities, magnitudes past 2^73, bits below 2^-86), whose
 * group then takes the engine's own `sum`. NULL when no value is present.
 * sql-rows.ts rounds S1·2^20 + S2·2^-33 + S3·2^-86 once, as the embedded
 * engine does, so both give the same bits.
 */
function exactFloatSum(d: SqlDialect, x: string, [c1, c2, c3]: readonly [string, string, string]): string {
  const covered = `(abs(${x}) < ${d.float(SPLIT.limit)} AND ${c3} = ${d.truncate(c3)})`;
  const part = (c: string) => d.sumIntegers(`CASE WHEN ${covered} THEN CAST(${c} AS bigint) ELSE 0 END`);
  return [part(c1), part(c2), part(c3), `count(CASE WHEN NOT ${covered} THEN 1 END)`, `count(${x})`, `sum(${x})`]
    .map((v) => `CAST(${v} AS varchar)`)
    .join(` || ' ' || `);
}

const conjuncts = (e: Expr): readonly Expr[] => (e.kind === 'and' ? e.args : e.kind === 'const' && e.value ? [] : [e]);

/** The plan type of an aggregate's values (src/plan/plan.ts `Aggregate`); count is a plain number. */
function aggregateType(a: Aggregate): FieldType {
  switch (a.fn) {
    case 'count':
      return 'int32';
    case 'sum':
      return a.type === 'float64' ? 'float64' : 'int64';
    case 'avg':
      return 'float64';
    case 'min':
    case 'max':
      return a.type;
    default:
      return assertNever(a, 'aggregate');
  }
}

function valueOf(type: FieldType): SqlValue {
  switch (type) {
    case 'string':
    case 'boolean':
    case 'date':
    case 'timestamp':
      return type;
    case 'int32':
    case 'float64':
      return 'number';
    case 'int64':
      return 'bigint';
    default:
      return assertNever(type, 'field type');
  }
}

// --- text -----------------------------------------------------------------------------

/** One SELECT, its subqueries indented under it. */
function render(l: Layer, d: SqlDialect, depth: number): string {
  const pad = '  '.repeat(depth);
  const from =
    'table' in l.from ? `${l.from.table} AS ${l.from.alias}` : `(\n${render(l.from.sub, d, depth + 1)}\n${pad}) AS ${l.from.alias}`;
  // A column read as it is needs no alias: it already has the name.
  const items = [...l.select].map(([name, x]) => (x === `${l.from.alias}.${quoteIdent(name)}` ? x : `${x} AS ${quoteIdent(name)}`));
  const lines = [`${pad}SELECT ${items.join(', ')}`, `${pad}FROM ${from}`];
  if (l.where.length > 0) lines.push(`${pad}WHERE ${l.where.join(' AND ')}`);
  if (l.groupBy !== undefined) lines.push(`${pad}GROUP BY ${l.groupBy.join(', ')}`);
  if (l.orderBy !== undefined) lines.push(`${pad}ORDER BY ${l.orderBy.join(', ')}`);
  const page = d.offsetLimit(l.offset, l.limit);
  if (page !== '') lines.push(`${pad}${page}`);
  return lines.join('\n');
}
