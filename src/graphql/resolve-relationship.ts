import DataLoader from 'dataloader';
import { getArgumentValues, GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { fieldOf, typeName, type Contract, type Relationship } from '../contract/contract.js';
import { SluiceError } from '../errors.js';
import type { Row } from '../plan/scalar.js';
import { accessTo } from '../session/session.js';
import {
  bucketByKey,
  compileRelationshipBatch,
  fieldsToRead,
  compareToCursor,
  keyPairs,
  keyString,
  parentKeyOf,
  relationshipPage,
  type ParentKey,
  type RelationshipBatchArgs,
} from './compile-relationship.js';
import { compileOrderBy, type ConnectionResult } from './compile-connection.js';
import type { GatewayContext, SchemaOptions } from './context.js';
import { decodeCursor, encodeCursor, queryFingerprint } from './cursor.js';
import { connectionRows, selectionOf, type Selection } from './selection.js';

/**
 * Resolves relationship fields (docs/graphql.md) without N+1: every parent at one
 * level asks one DataLoader for its key, and the loader runs one batch plan
 * (compile-relationship.ts) for all of them through `ctx.run` — the same
 * session, so the target's grants, row filter and masks apply, and lineage
 * and audit get one entry for the level, at the path without list indices
 * (`ordersV2.nodes.customer`).
 *
 * Loaders live as long as the request's context and are keyed by level path,
 * arguments and fields read: parents at one path share them; a different
 * alias or argument is a different batch. DataLoader dispatches once the
 * current round of resolvers has asked, which graphql-js does for a whole
 * list before awaiting any of it, so nested levels batch too.
 *
 * Governance, per case:
 * - a parent key the session may not read: this field is FORBIDDEN (null,
 *   with the error), the rest of the page is answered;
 * - a target the session may not see at all: the batch is refused by the
 *   analyzer, and every parent's field is null with that FORBIDDEN error
 *   (which says no more than that the product is not available);
 * - a related row hidden by the target's row filter: absent (kind many) or
 *   null (kind one), with no error, exactly like a row that does not exist;
 * - a target field not granted: FORBIDDEN, as anywhere else.
 */
type Loader = DataLoader<ParentKey, Row[], string>;

/** What every parent at one level shares: computed once, by the first parent to ask. */
interface Level {
  readonly path: readonly string[];
  readonly fields: readonly string[];
  readonly loader: Loader;
}

const levelsOf = new WeakMap<GatewayContext, Map<string, Level>>();

/**
 * The level of the field `info` resolves, by path without indices (and
 * arguments: validation makes fields merged under one response key agree on
 * them, but a batch must never serve other arguments' rows).
 */
function levelFor(
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  args: string,
  rows: (s: Selection) => Selection | undefined,
  target: Contract,
  load: (keys: readonly ParentKey[], path: readonly string[], fields: readonly string[]) => Promise<Map<string, Row[]>>,
): Level {
  const path = levelPath(info);
  const id = `${path.join('.')}|${args}`;
  let levels = levelsOf.get(ctx);
  if (!levels) levelsOf.set(ctx, (levels = new Map()));
  let level = levels.get(id);
  if (!level) {
    const fields = fieldsToRead(target, rows(selectionOf(info)), ctx.session);
    const loader = new DataLoader<ParentKey, Row[], string>(
      async (keys) => {
        const buckets = await load(keys, path, fields);
        return keys.map((k) => buckets.get(keyString(k)) ?? []);
      },
      { cacheKeyFn: keyString },
    );
    levels.set(id, (level = { path, fields, loader }));
  }
  return level;
}

/** The field's path without list indices: one name per level (`ordersV2.nodes.customer`). */
export function levelPath(info: GraphQLResolveInfo): string[] {
  const out: string[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) if (typeof p.key === 'string') out.unshift(p.key);
  return out;
}

const stable = (v: unknown) => JSON.stringify(v ?? null, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

/** The parent's key, after checking the session may read it; null when it holds a null. */
function parentKey(source: Contract, relationship: Relationship, parent: Row, ctx: GatewayContext): ParentKey | null {
  const granted = accessTo(ctx.session, source.product, source.major)?.fields;
  const refused = Object.keys(relationship.on).filter((f) => !granted?.has(f));
  if (refused.length > 0) {
    throw new SluiceError(
      'FORBIDDEN',
      'user',
      `relationship ${relationship.name} joins on ${refused.join(', ')} of ${source.product} v${source.major}, which this session may not read`,
      { fields: refused },
    );
  }
  return parentKeyOf(parent, keyPairs(relationship));
}

/** Runs one batch: every key of the level in one plan; fails past the target's maxRelatedRows. */
async function runBatch(
  target: Contract,
  relationship: Relationship,
  keys: readonly ParentKey[],
  args: RelationshipBatchArgs,
  fields: readonly string[],
  ctx: GatewayContext,
  path: readonly string[],
): Promise<Map<string, Row[]>> {
  const batch = compileRelationshipBatch(target, relationship, keys, args, fields);
  const rows = await ctx.run(batch.plan, target, path);
  if (rows.length > batch.maxRows) {
    throw new SluiceError(
      'RESOURCE_LIMIT',
      'user',
      `${path.join('.')}: the ${keys.length} parents of this level have more than ${batch.maxRows} related ${target.product} rows (limits.maxRelatedRows of ${target.product} v${target.major}); ask for fewer parents or narrow where`,
    );
  }
  return bucketByKey(rows, keyPairs(relationship));
}

/** A `kind: one` field: the related row, or null. */
export async function resolveOne(
  source: Contract,
  relationship: Relationship,
  target: Contract,
  parent: Row,
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<Row | null> {
  const key = parentKey(source, relationship, parent, ctx);
  if (key === null) return null;
  const level = levelFor(
    ctx,
    info,
    '',
    (s) => s,
    target,
    (keys, path, fields) => runBatch(target, relationship, keys, {}, fields, ctx, path),
  );
  // Several rows may share a non-unique target key: the first by primary key wins.
  const row = (await level.loader.load(key))[0] ?? null;
  if (row) ctx.delivered?.(target, level.path, 1);
  return row;
}

export interface ManyArgs extends RelationshipBatchArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

/**
 * A `kind: many` field: this parent's page of the related rows, cut from the
 * parent's rows the batch loaded (all of them, in the connection's order),
 * forward from `after` or backward to `before`. Both flags of pageInfo are
 * exact, as the rows on either side are at hand.
 */
export async function resolveMany(
  source: Contract,
  relationship: Relationship,
  target: Contract,
  parent: Row,
  args: ManyArgs,
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  options: SchemaOptions,
): Promise<ConnectionResult> {
  const sessionMax = accessTo(ctx.session, target.product, target.major)?.maxPageSize;
  const page = relationshipPage(target, args, {
    defaultPageSize: Math.min(target.limits.defaultPageSize, sessionMax ?? Infinity),
    maxPageSize: Math.min(target.limits.maxPageSize, sessionMax ?? Infinity),
  });
  const key = parentKey(source, relationship, parent, ctx);
  const batchArgs: RelationshipBatchArgs = { where: args.where ?? null, orderBy: args.orderBy ?? null };
  const level = levelFor(
    ctx,
    info,
    stable(batchArgs),
    (s) => connectionRows(s),
    target,
    (keys, path, fields) => runBatch(target, relationship, keys, batchArgs, fields, ctx, path),
  );
  const path = level.path;
  const sortKeys = compileOrderBy(target, batchArgs.orderBy);

  // A cursor belongs to one parent's connection: its fingerprint holds the
  // relationship and the parent's key besides where and orderBy. Checked
  // before anything runs.
  const cursorKeys = sortKeys.map((k) => ({ field: k.field, type: fieldOf(target, k.field)!.type }));
  const fingerprint = queryFingerprint({
    p: target.product,
    m: target.major,
    w: args.where ?? null,
    o: sortKeys,
    r: `${source.product}@v${source.major}.${relationship.name}`,
    k: key === null ? null : keyString(key),
  });
  const given = (c: string | null | undefined): c is string => c !== null && c !== undefined;
  const after = given(args.after) ? decodeCursor(options.cursorSecret, args.after, fingerprint, cursorKeys) : undefined;
  const before = given(args.before) ? decodeCursor(options.cursorSecret, args.before, fingerprint, cursorKeys, 'before') : undefined;

  const all = key === null ? [] : await level.loader.load(key);
  // The page is all[start, end).
  let start = 0;
  let end = all.length;
  if (after !== undefined) {
    start = all.findIndex((row) => compareToCursor(row, sortKeys, after) > 0);
    if (start < 0) start = all.length;
  }
  if (before !== undefined) {
    end = all.findIndex((row) => compareToCursor(row, sortKeys, before) >= 0);
    if (end < 0) end = all.length;
  }
  if (page.backward) start = Math.max(0, end - page.size);
  else end = Math.min(all.length, start + page.size);
  const nodes = all.slice(start, Math.max(start, end));
  ctx.delivered?.(target, path, nodes.length);
  const cursorOf = (row: Row) =>
    encodeCursor(
      options.cursorSecret,
      fingerprint,
      cursorKeys,
      cursorKeys.map((k) => row[k.field] ?? null),
    );
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: first ? cursorOf(first) : null,
      endCursor: last ? cursorOf(last) : null,
    },
    totalCount: all.length,
    cursorOf,
  };
}

/**
 * For `sluice explain`: the batch plans the relationships selected under
 * `selection` (rows of `contract` at `path`) would run, with the parent keys
 * as a placeholder — explain runs no plan, so no parent row and no key is
 * known — and so on down nested relationships. Each plan goes to `ctx.run`,
 * which explain captures.
 */
export async function explainRelationships(
  contract: Contract,
  selection: Selection | undefined,
  path: readonly string[],
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  targetOf: (r: Relationship) => Contract | undefined,
): Promise<void> {
  if (!selection) return;
  const type = info.schema.getType(typeName(contract.product, contract.major));
  if (!(type instanceof GraphQLObjectType)) return;
  for (const relationship of contract.relationships) {
    const target = targetOf(relationship);
    const fieldDef = type.getFields()[relationship.name];
    if (!target || !fieldDef) continue;
    for (const node of selection.nodes.get(relationship.name) ?? []) {
      const levelAt = [...path, node.alias?.value ?? relationship.name];
      const args = getArgumentValues(fieldDef, node, info.variableValues) as ManyArgs;
      const sub = selection.fields.get(relationship.name);
      const rows = relationship.kind === 'many' ? connectionRows(sub) : sub;
      const fields = fieldsToRead(target, rows, ctx.session);
      const batchArgs = { where: args.where ?? null, orderBy: args.orderBy ?? null };
      const placeholder = `$${path.join('.')}`;
      await ctx.run(compileRelationshipBatch(target, relationship, { placeholder }, batchArgs, fields).plan, target, levelAt);
      await explainRelationships(target, rows, relationship.kind === 'many' ? [...levelAt, 'nodes'] : levelAt, ctx, info, targetOf);
    }
  }
}
