import { userError } from '../../../../errors.js';
import type { Snapshot, TableMetadata } from '../spec/table-metadata.js';

/**
 * `asOf` (docs/iceberg.md): exactly one of a snapshot id, a time or a ref; none
 * means the table's current snapshot. Ids are compared as integers written
 * in decimal, so `"0042"`, `42` and `42n` name the same snapshot.
 */
export type SnapshotSelector =
  | { readonly snapshotId: string | bigint }
  /** Milliseconds since the epoch: the last snapshot in the snapshot log committed at or before it. */
  | { readonly timestampMs: number }
  /** A branch or tag. */
  | { readonly ref: string };

/**
 * The selected snapshot; null for the current snapshot of a table that has
 * none yet. An unknown id or ref, or a time before the first commit, is
 * BAD_USER_INPUT naming it.
 */
export function selectSnapshot(metadata: TableMetadata, selector?: SnapshotSelector): Snapshot | null {
  if (selector === undefined) {
    return metadata.currentSnapshotId === undefined ? null : metadata.snapshots.get(metadata.currentSnapshotId)!;
  }
  if ('snapshotId' in selector) {
    const id = decimalId(selector.snapshotId);
    const found = id === undefined ? undefined : metadata.snapshots.get(id);
    if (found === undefined)
      throw userError(`snapshot ${shown(String(selector.snapshotId))} does not exist in this table (it may have expired)`, {
        snapshotId: shown(String(selector.snapshotId)),
      });
    return found;
  }
  if ('ref' in selector) {
    const ref = metadata.refs.get(selector.ref);
    if (ref === undefined) throw userError(`the table has no branch or tag named ${JSON.stringify(shown(selector.ref))}`);
    const found = metadata.snapshots.get(ref.snapshotId);
    if (found === undefined) throw userError(`the snapshot of ${ref.type} ${JSON.stringify(shown(selector.ref))} no longer exists`);
    return found;
  }
  const t = selector.timestampMs;
  if (!Number.isFinite(t)) throw userError('asOf timestamp is not a valid time');
  // Writers before the snapshot log: the snapshots' own commit times stand in for it.
  const log =
    metadata.snapshotLog.length > 0
      ? metadata.snapshotLog
      : [...metadata.snapshots.values()]
          .map((s) => ({ timestampMs: s.timestampMs, snapshotId: s.id }))
          .sort((a, b) => a.timestampMs - b.timestampMs);
  let chosen: string | undefined;
  for (const e of log) if (e.timestampMs <= t) chosen = e.snapshotId;
  const iso = new Date(t).toISOString();
  if (chosen === undefined) throw userError(`no snapshot of this table was committed at or before ${iso}`);
  const found = metadata.snapshots.get(chosen);
  if (found === undefined)
    throw userError(`snapshot ${chosen}, current at ${iso}, no longer exists (it has expired)`, { snapshotId: chosen });
  return found;
}

function decimalId(id: string | bigint): string | undefined {
  if (typeof id === 'bigint') return id.toString();
  return /^-?\d{1,40}$/.test(id.trim()) ? BigInt(id.trim()).toString() : undefined;
}

/** Caller input echoed in a message, bounded. */
const shown = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);
