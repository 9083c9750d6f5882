import { fieldOf, type Contract } from '../contract/contract.js';
import { userError } from '../errors.js';
import { Expr, type Expr as Predicate } from '../plan/expr.js';
import { CountNode, FilterNode, LimitNode, ProjectNode, ScanNode, SortNode, type PlanNode, type SortKey } from '../plan/plan.js';
import type { Nullable, Row } from '../plan/scalar.js';
import { decodeCursor, queryFingerprint, type CursorKey } from './cursor.js';
import { compileWhere, type WhereInput } from '../plan/compile-where.js';

/**
 * Compiles a connection request (SPEC §2: where, orderBy, first, after,
 * offset, and what is selected) into logical plans:
 *
 *   page:   Project(selected + sort keys)
 *             Limit(skip=offset, fetch=first+1)       -- one extra row tells hasNextPage
 *               Sort(orderBy…, primary key ASC)
 *                 Filter(where AND after-cursor)
 *                   Scan(every field)                 -- the optimizer narrows it
 *
 *   count:  Count(Filter(where)(Scan))                -- only when totalCount is selected
 *
 * The plans are deliberately naive; the analyzer and optimizer make them
 * valid and cheap. Limits are checked here, so a bad argument never runs.
 */
export interface ConnectionArgs {
  readonly where?: WhereInput | null;
  readonly orderBy?: readonly Record<string, 'ASC' | 'DESC' | null | undefined>[] | null;
  readonly first?: number | null;
  readonly after?: string | null;
  readonly offset?: number | null;
}

/** What the connection's fields resolve from (resolve-connection.ts, resolve-relationship.ts); parts not selected stay absent. */
export interface ConnectionResult {
  readonly nodes?: readonly Row[];
  readonly pageInfo?: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly totalCount?: number;
}

export interface ConnectionWants {
  /** Contract fields selected under `nodes`. */
  readonly nodeFields: readonly string[];
  readonly nodes: boolean;
  readonly pageInfo: boolean;
  readonly totalCount: boolean;
}

export interface PageLimits {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  /** Rows `offset` may skip (server.limits.maxOffset); absent: not limited. */
  readonly maxOffset?: number;
}

export interface ConnectionPlan {
  readonly page?: PlanNode;
  readonly count?: PlanNode;
  readonly first: number;
  readonly sortKeys: readonly SortKey[];
  readonly cursorKeys: readonly CursorKey[];
  readonly fingerprint: string;
}

export function compileConnection(
  contract: Contract,
  args: ConnectionArgs,
  wants: ConnectionWants,
  limits: PageLimits,
  cursorSecret: Buffer,
): ConnectionPlan {
  const first = args.first ?? limits.defaultPageSize;
  if (!Number.isInteger(first) || first < 0) throw userError(`first must be 0 or more (got ${first})`);
  if (first > limits.maxPageSize) {
    throw userError(
      `first must be at most ${limits.maxPageSize} for ${contract.product} v${contract.major} (got ${first}); page with after: endCursor`,
    );
  }
  const offset = args.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw userError(`offset must be 0 or more (got ${offset})`);
  // Skipped rows are sorted and held like returned ones (a top-K of offset + first + 1 rows).
  if (limits.maxOffset !== undefined && offset > limits.maxOffset) {
    throw userError(
      `offset must be at most ${limits.maxOffset} (got ${offset}; server.limits.maxOffset); page deeper with after: endCursor`,
      {
        limit: 'maxOffset',
        value: limits.maxOffset,
      },
    );
  }
  if (args.after !== null && args.after !== undefined && args.offset !== null && args.offset !== undefined) {
    throw userError('use either after or offset, not both');
  }

  const where = compileWhere(contract, args.where);
  const sortKeys = compileOrderBy(contract, args.orderBy);
  const cursorKeys = sortKeys.map((k) => ({ field: k.field, type: fieldOf(contract, k.field)!.type }));
  const fingerprint = queryFingerprint({ p: contract.product, m: contract.major, w: args.where ?? null, o: sortKeys });

  const scan = scanOf(contract);

  let page: PlanNode | undefined;
  if (wants.nodes || wants.pageInfo) {
    const conditions = [where];
    if (args.after !== null && args.after !== undefined) {
      const values = decodeCursor(cursorSecret, args.after, fingerprint, cursorKeys);
      conditions.push(afterKeyset(contract, sortKeys, values));
    }
    const filtered = filterOver(scan, Expr.and(conditions));
    const sorted = SortNode.create(filtered, sortKeys);
    const limited = LimitNode.create(sorted, offset, first + 1);
    const keep = [...new Set([...wants.nodeFields, ...sortKeys.map((k) => k.field)])];
    page = ProjectNode.create(limited, keep);
  }
  const count = wants.totalCount ? CountNode.create(filterOver(scan, where)) : undefined;
  return { ...(page && { page }), ...(count && { count }), first, sortKeys, cursorKeys, fingerprint };
}

/** A scan of every field of a product version: the optimizer narrows it to what a plan reads. */
export function scanOf(contract: Contract): ScanNode {
  return ScanNode.create({
    product: contract.product,
    major: contract.major,
    version: contract.version,
    source: contract.source.resolved,
    fields: contract.fields.map((f) => ({ name: f.name, column: f.column, type: f.type })),
    filters: [],
  });
}

/** A Filter, unless the predicate keeps every row. */
export const filterOver = (input: PlanNode, predicate: Predicate): PlanNode =>
  predicate.kind === 'const' && predicate.value ? input : FilterNode.create(input, predicate);

/** orderBy as given, then the primary key ascending as the final tie-breaker (SPEC §2). */
export function compileOrderBy(contract: Contract, orderBy: ConnectionArgs['orderBy']): SortKey[] {
  const keys: SortKey[] = [];
  (orderBy ?? []).forEach((entry, i) => {
    const given = Object.entries(entry ?? {}).filter(([, v]) => v !== null && v !== undefined);
    if (given.length !== 1) {
      throw userError(`orderBy[${i}]: give exactly one field per entry, e.g. [{ amount: DESC }, { order_id: ASC }]`);
    }
    const [field, direction] = given[0]!;
    if (keys.some((k) => k.field === field)) throw userError(`orderBy[${i}]: ${field} is already in orderBy`);
    keys.push({ field, direction: direction === 'DESC' ? 'desc' : 'asc', nullsLast: true });
  });
  for (const pk of contract.primaryKey) {
    if (!keys.some((k) => k.field === pk)) keys.push({ field: pk, direction: 'asc', nullsLast: true });
  }
  return keys;
}

/**
 * Rows strictly after the cursor row in sort order, nulls last in both
 * directions. For keys k1..kn with cursor values v1..vn:
 *
 *   after(i) = v_i is null:  k_i IS NULL AND after(i+1)
 *              otherwise:    k_i beyond v_i OR k_i IS NULL OR (k_i = v_i AND after(i+1))
 *
 * where "beyond" is > for ASC and < for DESC, and after(n+1) is false. The
 * primary key closes the list, so the order is total.
 */
export function afterKeyset(contract: Contract, keys: readonly SortKey[], values: readonly Nullable[]): Predicate {
  const build = (i: number): Predicate => {
    if (i >= keys.length) return Expr.const(false);
    const key = keys[i]!;
    const v = values[i]!;
    const nullable = fieldOf(contract, key.field)?.nullable ?? true;
    const rest = build(i + 1);
    if (v === null) return Expr.and([Expr.isNull(key.field), rest]);
    return Expr.or([
      Expr.compare(key.field, key.direction === 'asc' ? 'gt' : 'lt', v),
      ...(nullable ? [Expr.isNull(key.field)] : []),
      Expr.and([Expr.compare(key.field, 'eq', v), rest]),
    ]);
  };
  return build(0);
}
