import type { GraphQLResolveInfo } from 'graphql';
import type { Contract, Relationship } from '../contract/contract.js';
import type { Row } from '../plan/scalar.js';
import { compileConnection, type ConnectionArgs, type ConnectionResult } from './compile-connection.js';
import type { GatewayContext, SchemaOptions } from './context.js';
import { encodeCursor } from './cursor.js';
import { fieldsToRead } from './compile-relationship.js';
import { explainRelationships } from './resolve-relationship.js';
import { connectionRows, selectionOf } from './selection.js';
import { accessTo } from '../session/session.js';
import { pinSnapshot, type PlanNode } from '../plan/plan.js';
import { snapshotIdFor, type AsOfArg } from './snapshot-selector.js';

/**
 * Resolves a product's root connection field: reads the selection, compiles
 * plans for the page and (only if selected) the total count, runs both in the
 * request's session and shapes the answer.
 */
export async function resolveConnection(
  contract: Contract,
  args: ConnectionArgs & { readonly asOf?: AsOfArg | null },
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  options: SchemaOptions,
  /** The served target of a relationship (for explain). */
  targetOf: (r: Relationship) => Contract | undefined = () => undefined,
): Promise<ConnectionResult> {
  const selection = selectionOf(info);
  // Selected fields (of nodes and edges), and the keys of selected relationships (read even when not selected).
  const nodeFields = fieldsToRead(contract, connectionRows(selection), ctx.session);
  const pageInfo = selection.fields.get('pageInfo');
  // A policy may lower the contract's page limits for this session (docs/policies.md).
  const sessionMax = accessTo(ctx.session, contract.product, contract.major)?.maxPageSize;
  const limits = {
    defaultPageSize: Math.min(contract.limits.defaultPageSize, sessionMax ?? Infinity),
    maxPageSize: Math.min(contract.limits.maxPageSize, sessionMax ?? Infinity),
    ...(options.maxOffset !== undefined && { maxOffset: options.maxOffset }),
  };

  const plan = compileConnection(
    contract,
    args,
    {
      nodeFields,
      nodes: selection.fields.has('nodes') || selection.fields.has('edges'),
      pageInfo: pageInfo !== undefined,
      totalCount: selection.fields.has('totalCount'),
      hasPreviousPage: pageInfo?.fields.has('hasPreviousPage') === true,
      hasNextPage: pageInfo?.fields.has('hasNextPage') === true,
    },
    limits,
    options.cursorSecret,
  );

  const path = pathOf(info);
  const cursor = args.after ?? args.before;
  const snapshotId = await snapshotIdFor(
    contract,
    ctx,
    args.asOf,
    cursor === null || cursor === undefined
      ? undefined
      : { value: cursor, argument: args.after ? 'after' : 'before', secret: options.cursorSecret },
  );
  const run = (p: PlanNode) => ctx.run(snapshotId === undefined ? p : pinSnapshot(p, snapshotId), contract, path);
  const [pageRows, countRows, earlierRows, laterRows] = await Promise.all([
    plan.page ? run(plan.page) : undefined,
    plan.count ? run(plan.count) : undefined,
    plan.earlier ? run(plan.earlier) : undefined,
    plan.later ? run(plan.later) : undefined,
  ]);

  const result: { -readonly [K in keyof ConnectionResult]: ConnectionResult[K] } = {};
  if (pageRows) {
    const more = pageRows.length > plan.first;
    // A backward page comes as a top-K of the reversed order: turned back here.
    const nodes = plan.backward ? pageRows.slice(0, plan.first).reverse() : pageRows.slice(0, plan.first);
    result.nodes = nodes;
    ctx.delivered?.(contract, path, nodes.length);
    const cursorOf = (row: Row) =>
      encodeCursor(
        options.cursorSecret,
        plan.fingerprint,
        plan.cursorKeys,
        plan.cursorKeys.map((k) => row[k.field] ?? null),
        snapshotId,
      );
    result.cursorOf = cursorOf;
    const first = nodes[0];
    const last = nodes[nodes.length - 1];
    const before = (earlierRows?.length ?? 0) > 0 || (plan.offset > 0 && nodes.length > 0);
    result.pageInfo = {
      hasNextPage: plan.backward ? (laterRows?.length ?? 0) > 0 : more,
      hasPreviousPage: plan.backward ? more : before,
      startCursor: first ? cursorOf(first) : null,
      endCursor: last ? cursorOf(last) : null,
    };
  }
  if (countRows) result.totalCount = Number(countRows[0]?.['count'] ?? 0);
  if (ctx.explain) {
    await explainRelationships(contract, selection.fields.get('nodes'), [...path.map(String), 'nodes'], ctx, info, targetOf);
    const edgeNodes = selection.fields.get('edges')?.fields.get('node');
    await explainRelationships(contract, edgeNodes, [...path.map(String), 'edges', 'node'], ctx, info, targetOf);
  }
  return result;
}

function pathOf(info: GraphQLResolveInfo): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
  return out;
}
