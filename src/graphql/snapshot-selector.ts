import type { Contract } from '../contract/contract.js';
import type { SnapshotSelector } from '../engine/engine.js';
import { SluiceError, userError } from '../errors.js';
import type { GatewayContext } from './context.js';
import { cursorSnapshot } from './cursor.js';

/**
 * `asOf: SnapshotSelector` on the root fields of an Iceberg-backed version
 * (docs/iceberg.md), and which snapshot a root field reads: the one its cursor was
 * minted on (a cursor pins its snapshot, whatever the table did since),
 * else the one `asOf` names, else the table's current one, each resolved
 * once per request (request-context.ts).
 */
export interface AsOfArg {
  readonly snapshotId?: bigint | null;
  /** DateTime: microseconds since the epoch. */
  readonly timestamp?: bigint | null;
  readonly ref?: string | null;
}

export function selectorOf(asOf: AsOfArg | null | undefined): SnapshotSelector | undefined {
  if (asOf === null || asOf === undefined) return undefined;
  const given = (['snapshotId', 'timestamp', 'ref'] as const).filter((k) => asOf[k] !== null && asOf[k] !== undefined);
  if (given.length !== 1) throw userError('asOf: give exactly one of snapshotId, timestamp or ref');
  if (asOf.snapshotId !== null && asOf.snapshotId !== undefined) return { snapshotId: asOf.snapshotId.toString() };
  if (asOf.ref !== null && asOf.ref !== undefined) return { ref: asOf.ref };
  // The snapshot log counts milliseconds: the last commit at or before the time given.
  const micros = asOf.timestamp!;
  return { timestampMs: Number(micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n)) };
}

/**
 * The snapshot id a root field's plans read; undefined for a Parquet
 * source, or where nothing resolves snapshots (explain: plans are printed,
 * not run). `cursor` is the `after` or `before` given, if any.
 */
export async function snapshotIdFor(
  contract: Contract,
  ctx: GatewayContext,
  asOf: AsOfArg | null | undefined,
  cursor?: { readonly value: string; readonly argument: 'after' | 'before'; readonly secret: Buffer },
): Promise<string | undefined> {
  const selector = selectorOf(asOf);
  if (contract.source.format !== 'iceberg' || ctx.snapshotOf === undefined) return undefined;
  const pinned = cursor === undefined ? undefined : cursorSnapshot(cursor.secret, cursor.value);
  if (pinned !== undefined) {
    try {
      return (await ctx.snapshotOf(contract.source.resolved, contract.product, { snapshotId: pinned }))?.id;
    } catch (e) {
      if (e instanceof SluiceError && e.code === 'BAD_USER_INPUT')
        throw userError(
          `${cursor!.argument}: this cursor reads snapshot ${pinned} of ${contract.product}, which no longer exists (it has expired); start again without ${cursor!.argument}`,
          { snapshotId: pinned },
        );
      throw e;
    }
  }
  return (await ctx.snapshotOf(contract.source.resolved, contract.product, selector))?.id;
}
