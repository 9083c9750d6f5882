import type { GraphQLResolveInfo } from 'graphql';
import type { Contract, Relationship } from '../contract/contract.js';
import type { Row } from '../plan/scalar.js';
import { compileByKey, type ByKeyArgs } from './compile-by-key.js';
import { fieldsToRead } from './compile-relationship.js';
import type { GatewayContext } from './context.js';
import { explainRelationships, levelPath } from './resolve-relationship.js';
import { selectionOf } from './selection.js';
import { pinSnapshot } from '../plan/plan.js';
import { snapshotIdFor, type AsOfArg } from './snapshot-selector.js';

/**
 * Resolves `<product>V<major>ByKey`: one plan in the request's session, run
 * through `ctx.run` like a connection's page (lineage and audit at the
 * field's path), returning the row or null. Relationships selected on the
 * row resolve from it as from a connection's nodes (their keys are read
 * with it).
 */
export async function resolveByKey(
  contract: Contract,
  args: ByKeyArgs & { readonly asOf?: AsOfArg | null },
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  targetOf: (r: Relationship) => Contract | undefined,
): Promise<Row | null> {
  const selection = selectionOf(info);
  const plan = compileByKey(contract, args, fieldsToRead(contract, selection, ctx.session));
  const path = levelPath(info);
  const snapshotId = await snapshotIdFor(contract, ctx, args.asOf);
  const rows = await ctx.run(snapshotId === undefined ? plan : pinSnapshot(plan, snapshotId), contract, path);
  const row = rows[0] ?? null;
  ctx.delivered?.(contract, path, row ? 1 : 0);
  if (ctx.explain) await explainRelationships(contract, selection, path, ctx, info, targetOf);
  return row;
}
