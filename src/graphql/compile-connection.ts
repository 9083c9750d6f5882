import { fieldOf, type Contract } from '../contract/contract.js';
import { userError } from '../errors.js';
import { Expr, type Expr as Predicate } from '../plan/expr.js';
import { CountNode, FilterNode, LimitNode, ProjectNode, ScanNode, SortNode, type PlanNode, type SortKey } from '../plan/plan.js';
import type { Nullable, Row } from '../plan/scalar.js';
import { decodeCursor, queryFingerprint, type CursorKey } from './cursor.js';
import { compileWhere, type WhereInput } from '../plan/compile-where.js';

/**
 * Compiles a connection request (docs/graphql.md, docs/frontend-apps.md: where, orderBy, first, after,
 * offset or last, before, and what is selected) into logical plans:
 *
 *   page (forward):  Project(selected + sort keys)
 *                      Limit(skip=offset, fetch=first+1)     -- one extra row tells hasNextPage
 *                        Sort(orderBy…, primary key ASC)
 *                          Filter(where AND after-cursor)
 *                            Scan(every field)               -- the optimizer narrows it
 *
 *   page (backward): Project(selected + sort keys)
 *                      Limit(skip=0, fetch=last+1)           -- one extra row tells hasPreviousPage
 *                        Sort(the same keys reversed; nulls of nullable keys first)
 *                          Filter(where AND before-cursor)
 *                            Scan(every field)
 *                    -- a top-K of the rows just before the cursor, turned back
 *                       into the connection's order by the resolver
 *
 *   count:           Count(Filter(where)(Scan))           -- only when totalCount is selected
 *
 *   earlier / later: Limit(fetch=1)(Filter(where AND at-or-before / at-or-after the cursor)(Scan))
 *                    -- only when the caller selects the flag of the other direction
 *                       (hasPreviousPage paging forward from a cursor or offset,
 *                       hasNextPage paging backward from a cursor)
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
  readonly last?: number | null;
  readonly before?: string | null;
}

/**
 * Relay's PageInfo (docs/frontend-apps.md). `hasNextPage` paging forward and
 * `hasPreviousPage` paging backward come from the one row read past the
 * page. The other direction, which the Relay specification leaves to the
 * server, is answered exactly too: paging forward, whether any row precedes
 * the page (one comes before an `after` cursor or is skipped by an `offset`);
 * paging backward, whether any row follows it (at or after the `before`
 * cursor). Without a cursor or offset there is nothing on that side: false.
 */
export interface PageInfo {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}

export const EMPTY_PAGE_INFO: PageInfo = Object.freeze({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });

/** What the connection's fields resolve from (resolve-connection.ts, resolve-relationship.ts); parts not selected stay absent. */
export interface ConnectionResult {
  readonly nodes?: readonly Row[];
  readonly pageInfo?: PageInfo;
  readonly totalCount?: number;
  /** The cursor of one of `nodes` (Relay edges): computed only for the edges whose cursor is selected. */
  readonly cursorOf?: (row: Row) => string;
}

export interface ConnectionWants {
  /** Contract fields selected under `nodes` and `edges { node }`. */
  readonly nodeFields: readonly string[];
  /** Rows are needed: `nodes`, `edges` or `pageInfo` is selected. */
  readonly nodes: boolean;
  readonly pageInfo: boolean;
  readonly totalCount: boolean;
  /** `pageInfo { hasPreviousPage }` is selected. */
  readonly hasPreviousPage?: boolean;
  /** `pageInfo { hasNextPage }` is selected. */
  readonly hasNextPage?: boolean;
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
  /** Whether a row precedes the page, when that needs a plan (see `PageWindow`). */
  readonly earlier?: PlanNode;
  /** Whether a row follows the page, when that needs a plan. */
  readonly later?: PlanNode;
  /** Rows asked for: `first`, or `last` when `backward`. */
  readonly first: number;
  /** `last` / `before`: the page plan returns rows in reverse order. */
  readonly backward: boolean;
  /** Rows skipped by `offset`: past a non-empty page rows precede it, which needs no plan. */
  readonly offset: number;
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
  const given = (v: unknown) => v !== null && v !== undefined;
  const backward = given(args.last) || given(args.before);
  if (backward) {
    const forward = (['first', 'after', 'offset'] as const).filter((a) => given(args[a]));
    if (forward.length > 0) {
      throw userError(
        `${forward.join(', ')} cannot be used with ${given(args.last) ? 'last' : 'before'}: page forward with first / after (or offset), or backward with last / before`,
      );
    }
  }
  const sizeArg = backward ? 'last' : 'first';
  const first = (backward ? args.last : args.first) ?? limits.defaultPageSize;
  if (!Number.isInteger(first) || first < 0) throw userError(`${sizeArg} must be 0 or more (got ${first})`);
  if (first > limits.maxPageSize) {
    throw userError(
      `${sizeArg} must be at most ${limits.maxPageSize} for ${contract.product} v${contract.major} (got ${first}); page with ${backward ? 'before: startCursor' : 'after: endCursor'}`,
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
  if (given(args.after) && given(args.offset)) {
    throw userError('use either after or offset, not both');
  }

  const where = compileWhere(contract, args.where);
  const sortKeys = compileOrderBy(contract, args.orderBy);
  const cursorKeys = sortKeys.map((k) => ({ field: k.field, type: fieldOf(contract, k.field)!.type }));
  const fingerprint = queryFingerprint({ p: contract.product, m: contract.major, w: args.where ?? null, o: sortKeys });
  // Checked before anything runs, whichever plans are made.
  const after = given(args.after) ? decodeCursor(cursorSecret, args.after!, fingerprint, cursorKeys) : undefined;
  const before = given(args.before) ? decodeCursor(cursorSecret, args.before!, fingerprint, cursorKeys, 'before') : undefined;

  const scan = scanOf(contract);
  const keep = [...new Set([...wants.nodeFields, ...sortKeys.map((k) => k.field)])];

  let page: PlanNode | undefined;
  if (wants.nodes || wants.pageInfo) {
    const conditions = [where];
    if (after) conditions.push(keyset(contract, sortKeys, after, 'after'));
    if (before) conditions.push(keyset(contract, sortKeys, before, 'before'));
    const filtered = filterOver(scan, Expr.and(conditions));
    const sorted = SortNode.create(filtered, backward ? reversed(contract, sortKeys) : sortKeys);
    const limited = LimitNode.create(sorted, offset, first + 1);
    page = ProjectNode.create(limited, keep);
  }
  const count = wants.totalCount ? CountNode.create(filterOver(scan, where)) : undefined;

  // The direction a page was not asked in (Relay leaves it optional): answered
  // exactly, by one row of the rows the cursor (or offset) puts on the other side.
  const exists = (side: Predicate) =>
    ProjectNode.create(LimitNode.create(filterOver(scan, Expr.and([where, side])), 0, 1), [...contract.primaryKey]);
  let earlier: PlanNode | undefined;
  let later: PlanNode | undefined;
  if (wants.hasPreviousPage && !backward) {
    if (after) earlier = exists(keyset(contract, sortKeys, after, 'before', true));
    else if (offset > 0) earlier = exists(Expr.const(true));
  }
  if (wants.hasNextPage && before) later = exists(keyset(contract, sortKeys, before, 'after', true));

  return {
    ...(page && { page }),
    ...(count && { count }),
    ...(earlier && { earlier }),
    ...(later && { later }),
    first,
    backward,
    offset,
    sortKeys,
    cursorKeys,
    fingerprint,
  };
}

/** The connection's order reversed: each key the other way, and the nulls of a nullable key (last going forward) first. */
export function reversed(contract: Contract, keys: readonly SortKey[]): SortKey[] {
  return keys.map((k) => ({
    field: k.field,
    direction: k.direction === 'asc' ? 'desc' : 'asc',
    nullsLast: !(fieldOf(contract, k.field)?.nullable ?? true),
  }));
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
    ...(contract.source.format === 'iceberg' && { table: { format: 'iceberg' } }),
  });
}

/** A Filter, unless the predicate keeps every row. */
export const filterOver = (input: PlanNode, predicate: Predicate): PlanNode =>
  predicate.kind === 'const' && predicate.value ? input : FilterNode.create(input, predicate);

/** orderBy as given, then the primary key ascending as the final tie-breaker (docs/graphql.md). */
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
 * directions (the keyset of `after`). For keys k1..kn with cursor values v1..vn:
 *
 *   after(i) = v_i is null:  k_i IS NULL AND after(i+1)
 *              otherwise:    k_i beyond v_i OR k_i IS NULL OR (k_i = v_i AND after(i+1))
 *
 * where "beyond" is > for ASC and < for DESC, and after(n+1) is false. The
 * primary key closes the list, so the order is total.
 */
export function afterKeyset(contract: Contract, keys: readonly SortKey[], values: readonly Nullable[]): Predicate {
  return keyset(contract, keys, values, 'after');
}

/**
 * Rows on one side of the cursor row in the connection's order (nulls last):
 * `after` as in `afterKeyset`; `before` its mirror,
 *
 *   before(i) = v_i is null:  k_i IS NOT NULL OR (k_i IS NULL AND before(i+1))
 *               otherwise:    k_i short of v_i OR (k_i = v_i AND before(i+1))
 *
 * ("short of" is < for ASC, > for DESC; a null is after every value, never
 * before one). `inclusive` takes the cursor row itself too: the last step is
 * true instead of false.
 */
export function keyset(
  contract: Contract,
  keys: readonly SortKey[],
  values: readonly Nullable[],
  side: 'after' | 'before',
  inclusive = false,
): Predicate {
  const build = (i: number): Predicate => {
    if (i >= keys.length) return Expr.const(inclusive);
    const key = keys[i]!;
    const v = values[i]!;
    const nullable = fieldOf(contract, key.field)?.nullable ?? true;
    const rest = build(i + 1);
    const up = (key.direction === 'asc') === (side === 'after');
    if (side === 'after') {
      if (v === null) return Expr.and([Expr.isNull(key.field), rest]);
      return Expr.or([
        Expr.compare(key.field, up ? 'gt' : 'lt', v),
        ...(nullable ? [Expr.isNull(key.field)] : []),
        Expr.and([Expr.compare(key.field, 'eq', v), rest]),
      ]);
    }
    if (v === null) return Expr.or([Expr.isNull(key.field, true), Expr.and([Expr.isNull(key.field), rest])]);
    return Expr.or([Expr.compare(key.field, up ? 'gt' : 'lt', v), Expr.and([Expr.compare(key.field, 'eq', v), rest])]);
  };
  return build(0);
}
