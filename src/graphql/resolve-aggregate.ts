import type { GraphQLResolveInfo } from 'graphql';
import { fieldOf, isNumeric, isOrdered, type Contract } from '../contract/contract.js';
import { SluiceError } from '../errors.js';
import type { Nullable, Row } from '../plan/scalar.js';
import { compileAggregate, type AggregateArgs, type AggregateWants } from './compile-aggregate.js';
import type { GatewayContext } from './context.js';
import { levelPath } from './resolve-relationship.js';
import { selectionOf } from './selection.js';
import { pinSnapshot } from '../plan/plan.js';
import { snapshotIdFor, type AsOfArg } from './snapshot-selector.js';

/** One group as the `<Type>Group` object resolves it; aggregate objects are keyed by field name. */
export interface AggregateGroup {
  readonly key: Row | null;
  readonly count: number;
  readonly sum: Row;
  readonly avg: Row;
  readonly min: Row;
  readonly max: Row;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Resolves `<product>V<major>Aggregate`: computes only the aggregates
 * selected (`count`, and the fields under `sum`, `avg`, `min`, `max`), runs
 * one plan in the request's session and shapes one object per group.
 */
export async function resolveAggregate(
  contract: Contract,
  args: AggregateArgs & { readonly asOf?: AsOfArg | null },
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<AggregateGroup[]> {
  const selection = selectionOf(info);
  const under = (name: string, fits: (c: Contract, f: string) => boolean) =>
    [...(selection.fields.get(name)?.fields.keys() ?? [])].filter((f) => fits(contract, f));
  const numeric = (c: Contract, f: string) => isNumeric(fieldOf(c, f)?.type ?? 'boolean');
  const ordered = (c: Contract, f: string) => fieldOf(c, f) !== undefined && isOrdered(fieldOf(c, f)!.type);
  const wants: AggregateWants = {
    count: selection.fields.has('count'),
    sum: under('sum', numeric),
    avg: under('avg', numeric),
    min: under('min', ordered),
    max: under('max', ordered),
  };
  const { plan, groupBy } = compileAggregate(contract, args, wants);
  const path = levelPath(info);
  const snapshotId = await snapshotIdFor(contract, ctx, args.asOf);
  const rows = await ctx.run(snapshotId === undefined ? plan : pinSnapshot(plan, snapshotId), contract, path);
  ctx.delivered?.(contract, path, rows.length);
  return rows.map((row) => ({
    key: groupBy.length > 0 ? Object.fromEntries(groupBy.map((f) => [f, row[f] ?? null])) : null,
    count: Number(row['count(*)'] ?? 0),
    sum: Object.fromEntries(wants.sum.map((f) => [f, checkedSum(contract, f, row[`sum(${f})`] ?? null)])),
    avg: Object.fromEntries(wants.avg.map((f) => [f, row[`avg(${f})`] ?? null])),
    min: Object.fromEntries(wants.min.map((f) => [f, row[`min(${f})`] ?? null])),
    max: Object.fromEntries(wants.max.map((f) => [f, row[`max(${f})`] ?? null])),
  }));
}

/** Integer sums are exact; one past the 64 bits of BigInt is refused rather than wrapped or rounded. */
function checkedSum(contract: Contract, field: string, v: Nullable): Nullable {
  if (typeof v === 'bigint' && (v < INT64_MIN || v > INT64_MAX)) {
    throw new SluiceError(
      'RESOURCE_LIMIT',
      'user',
      `the sum of ${field} of ${contract.product} v${contract.major} over a group exceeds the 64-bit range of BigInt; group more finely or narrow where`,
    );
  }
  return v;
}
