import type { GraphQLResolveInfo } from 'graphql';
import type { Contract, Relationship } from '../contract/contract.js';
import { compileConnection, type ConnectionArgs, type ConnectionResult } from './compile-connection.js';
import type { GatewayContext, SchemaOptions } from './context.js';
import { encodeCursor } from './cursor.js';
import { fieldsToRead } from './compile-relationship.js';
import { explainRelationships } from './resolve-relationship.js';
import { selectionOf } from './selection.js';
import { accessTo } from '../session/session.js';

/**
 * Resolves a product's root connection field: reads the selection, compiles
 * plans for the page and (only if selected) the total count, runs both in the
 * request's session and shapes the answer.
 */
export async function resolveConnection(
  contract: Contract,
  args: ConnectionArgs,
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  options: SchemaOptions,
  /** The served target of a relationship (for explain). */
  targetOf: (r: Relationship) => Contract | undefined = () => undefined,
): Promise<ConnectionResult> {
  const selection = selectionOf(info);
  const nodeSelection = selection.fields.get('nodes');
  // Selected fields, and the keys of selected relationships (read even when not selected).
  const nodeFields = fieldsToRead(contract, nodeSelection, ctx.session);
  const pageInfo = selection.fields.has('pageInfo');
  // A policy may lower the contract's page limits for this session (SPEC §4).
  const sessionMax = accessTo(ctx.session, contract.product, contract.major)?.maxPageSize;
  const limits = {
    defaultPageSize: Math.min(contract.limits.defaultPageSize, sessionMax ?? Infinity),
    maxPageSize: Math.min(contract.limits.maxPageSize, sessionMax ?? Infinity),
    ...(options.maxOffset !== undefined && { maxOffset: options.maxOffset }),
  };

  const plan = compileConnection(
    contract,
    args,
    { nodeFields, nodes: nodeSelection !== undefined, pageInfo, totalCount: selection.fields.has('totalCount') },
    limits,
    options.cursorSecret,
  );

  const path = pathOf(info);
  const [pageRows, countRows] = await Promise.all([
    plan.page ? ctx.run(plan.page, contract, path) : undefined,
    plan.count ? ctx.run(plan.count, contract, path) : undefined,
  ]);

  const result: { -readonly [K in keyof ConnectionResult]: ConnectionResult[K] } = {};
  if (pageRows) {
    const nodes = pageRows.slice(0, plan.first);
    result.nodes = nodes;
    ctx.delivered?.(contract, path, nodes.length);
    const last = nodes[nodes.length - 1];
    result.pageInfo = {
      hasNextPage: pageRows.length > plan.first,
      endCursor: last
        ? encodeCursor(
            options.cursorSecret,
            plan.fingerprint,
            plan.cursorKeys,
            plan.cursorKeys.map((k) => last[k.field] ?? null),
          )
        : null,
    };
  }
  if (countRows) result.totalCount = Number(countRows[0]?.['count'] ?? 0);
  if (ctx.explain) await explainRelationships(contract, nodeSelection, [...path.map(String), 'nodes'], ctx, info, targetOf);
  return result;
}

function pathOf(info: GraphQLResolveInfo): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
  return out;
}
