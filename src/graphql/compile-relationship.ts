import { fieldOf, type Contract, type Relationship } from '../contract/contract.js';
import { SluiceError, userError } from '../errors.js';
import { Expr, type Expr as Predicate } from '../plan/expr.js';
import { FilterNode, LimitNode, ProjectNode, SortNode, type PlanNode, type SortKey } from '../plan/plan.js';
import { compareScalars, type Nullable, type Row, type Scalar } from '../plan/scalar.js';
import { accessTo, type Session } from '../session/session.js';
import { compileOrderBy, scanOf, type ConnectionArgs, type PageLimits } from './compile-connection.js';
import { compileWhere } from '../plan/compile-where.js';
import type { Selection } from './selection.js';

/**
 * Relationships (docs/contracts.md, docs/graphql.md) as plans. All the parents of one level share
 * one batch plan over the target product, whatever their number:
 *
 *   Project(selected fields + target keys + sort keys)
 *     Limit(skip=0, fetch=maxRelatedRows+1)      -- one row past the bound tells it was passed
 *       Sort(orderBy…, target primary key ASC)   -- kind many; kind one when its key is not the target's primary key
 *         Filter(where AND target_key IN (every parent's key))
 *           Scan(target, every field)            -- the analyzer adds the target's policy here
 *
 * The plan is an ordinary plan of the target product, so the analyzer puts
 * the target's grants, row filter and masks under it: a related row the
 * caller may not see is simply not in the answer, and the key filter, above
 * the target's masks, compares masked values; the parent's keys come from the
 * parent's page, above the parent's masks. A relationship on a masked key
 * therefore joins masked values to masked values.
 *
 * Rows come back in the connection's order; `bucketByKey` splits them per
 * parent, keeping that order, and each parent's page (first, after) is cut
 * in memory. Memory is bounded by the target's `limits.maxRelatedRows`:
 * going past it is a RESOURCE_LIMIT error, not a silently short answer.
 */
export interface KeyPair {
  /** Field of the parent (source) product. */
  readonly from: string;
  /** Field of the target product. */
  readonly to: string;
}

export const keyPairs = (r: Relationship): KeyPair[] => Object.entries(r.on).map(([from, to]) => ({ from, to }));

/** A parent's key values, in `keyPairs` order; never null (a null key joins nothing). */
export type ParentKey = readonly Scalar[];

/** The key values, or 'placeholder' while planning for explain (the keys are unknown then). */
export type BatchKeys = readonly ParentKey[] | { readonly placeholder: string };

export interface RelationshipBatchArgs {
  readonly where?: ConnectionArgs['where'];
  readonly orderBy?: ConnectionArgs['orderBy'];
}

export interface RelationshipBatch {
  readonly plan: PlanNode;
  readonly sortKeys: readonly SortKey[];
  /** Rows past this bound make the batch fail (the plan reads one more to know). */
  readonly maxRows: number;
}

/**
 * Fields a row of `contract` must carry for `selection` (an object's
 * sub-selection): the selected contract fields, plus the parent keys of the
 * selected relationships that the session may read. A key the session may
 * not read is left out; the relationship's resolver then refuses it
 * (FORBIDDEN) without failing the rest of the page.
 */
export function fieldsToRead(contract: Contract, selection: Selection | undefined, session: Session): string[] {
  if (!selection) return [];
  const selected = [...selection.fields.keys()].filter((f) => fieldOf(contract, f) !== undefined);
  const granted = accessTo(session, contract.product, contract.major)?.fields;
  const keys = contract.relationships
    .filter((r) => selection.fields.has(r.name))
    .flatMap((r) => Object.keys(r.on))
    .filter((f) => granted?.has(f) === true);
  return [...new Set([...selected, ...keys])];
}

/** The batch plan of one relationship level: every parent key at once. */
export function compileRelationshipBatch(
  target: Contract,
  relationship: Relationship,
  keys: BatchKeys,
  args: RelationshipBatchArgs,
  fields: readonly string[],
): RelationshipBatch {
  const pairs = keyPairs(relationship);
  // Kind one on the target's primary key matches one row per key: no order to keep.
  const unique = relationship.kind === 'one' && target.primaryKey.every((pk) => pairs.some((p) => p.to === pk));
  const sortKeys = unique ? [] : compileOrderBy(target, relationship.kind === 'many' ? args.orderBy : null);
  const where = relationship.kind === 'many' ? compileWhere(target, args.where) : Expr.const(true);
  const scan = scanOf(target);
  const maxRows = target.limits.maxRelatedRows;
  const filtered = FilterNode.create(scan, Expr.and([where, keyPredicate(pairs, keys)]));
  const limited = LimitNode.create(sortKeys.length > 0 ? SortNode.create(filtered, sortKeys) : filtered, 0, maxRows + 1);
  const keep = [...new Set([...fields, ...pairs.map((p) => p.to), ...sortKeys.map((k) => k.field)])];
  return { plan: ProjectNode.create(limited, keep), sortKeys, maxRows };
}

/**
 * `to IN (values)`, one IN per key field. With several key fields this is a
 * superset of the exact pairs (the product of the lists); `bucketByKey`
 * matches whole keys, so the extra rows are dropped there.
 */
function keyPredicate(pairs: readonly KeyPair[], keys: BatchKeys): Predicate {
  if ('placeholder' in keys) return Expr.and(pairs.map((p) => Expr.inPlaceholder(p.to, `${keys.placeholder}.${p.from}`)));
  return Expr.and(
    pairs.map((p, k) => {
      const distinct = new Map<string, Scalar>();
      for (const key of keys) distinct.set(scalarKey(key[k]!), key[k]!);
      return Expr.in(p.to, [...distinct.values()].sort(compareScalars));
    }),
  );
}

/** The parent's key, or null when one of its values is null (SQL: a null key matches nothing). */
export function parentKeyOf(row: Row, pairs: readonly KeyPair[]): ParentKey | null {
  const out: Scalar[] = [];
  for (const p of pairs) {
    const v = row[p.from];
    if (v === undefined) throw new SluiceError('INTERNAL_SERVER_ERROR', 'internal', `parent row lacks key field ${p.from}`);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

const scalarKey = (v: Nullable): string => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));

/** A key as a string, equal for equal values of the same type (types match across a relationship). */
export const keyString = (key: readonly Nullable[]): string => key.map(scalarKey).join('\u0000');

/** The batch's rows by target key, each list in the plan's order. */
export function bucketByKey(rows: readonly Row[], pairs: readonly KeyPair[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const row of rows) {
    const k = keyString(pairs.map((p) => row[p.to] ?? null));
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(row);
  }
  return out;
}

/** A parent's page of a kind-many relationship: its size, and whether it is counted from the end (`last` / `before`). */
export interface RelationshipPage {
  readonly size: number;
  readonly backward: boolean;
}

/** Page size and direction of a kind-many relationship: the target's limits, lowered by the session's policy. */
export function relationshipPage(
  target: Contract,
  args: { readonly first?: number | null; readonly after?: string | null; readonly last?: number | null; readonly before?: string | null },
  limits: PageLimits,
): RelationshipPage {
  const given = (v: unknown) => v !== null && v !== undefined;
  const backward = given(args.last) || given(args.before);
  if (backward && (given(args.first) || given(args.after))) {
    const forward = (['first', 'after'] as const).filter((a) => given(args[a]));
    throw userError(
      `${forward.join(', ')} cannot be used with ${given(args.last) ? 'last' : 'before'}: page forward with first / after, or backward with last / before`,
    );
  }
  const name = backward ? 'last' : 'first';
  const n = (backward ? args.last : args.first) ?? limits.defaultPageSize;
  if (!Number.isInteger(n) || n < 0) throw userError(`${name} must be 0 or more (got ${n})`);
  if (n > limits.maxPageSize)
    throw userError(`${name} must be at most ${limits.maxPageSize} for ${target.product} v${target.major} (got ${n})`);
  return { size: n, backward };
}

/**
 * Where `row` sorts against the cursor's values: negative before it, 0 at
 * it, positive after it. The keyset of `keyset` (compile-connection.ts),
 * evaluated in memory on a parent's rows. Nulls sort last in both directions.
 */
export function compareToCursor(row: Row, keys: readonly SortKey[], values: readonly Nullable[]): number {
  for (let k = 0; k < keys.length; k++) {
    const a = row[keys[k]!.field] ?? null;
    const c = values[k] ?? null;
    if (a === null && c === null) continue;
    if (c === null) return -1;
    if (a === null) return 1;
    const d = compareScalars(a, c);
    if (d !== 0) return keys[k]!.direction === 'asc' ? d : -d;
  }
  return 0;
}

/** Whether `row` sorts strictly after the cursor's values. */
export const isAfter = (row: Row, keys: readonly SortKey[], values: readonly Nullable[]): boolean => compareToCursor(row, keys, values) > 0;
