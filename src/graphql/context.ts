import type { Contract } from '../contract/contract.js';
import type { PlanNode } from '../plan/plan.js';
import type { Row } from '../plan/scalar.js';
import type { Session } from '../session/session.js';
import type { ResolvedSnapshot, SnapshotSelector } from '../engine/engine.js';

/**
 * What resolvers get for a request: the session, and one way to run a plan in
 * it. Resolvers never reach the engine directly; `run` goes through the
 * analyzer and optimizer and records lineage for the field at `path`.
 */
export interface GatewayContext {
  readonly session: Session;
  run(plan: PlanNode, contract: Contract, path: readonly (string | number)[]): Promise<Row[]>;
  /** How many rows the field at `path` hands to the caller (for the audit trail). */
  delivered?(contract: Contract, path: readonly (string | number)[], rows: number): void;
  /**
   * Set by `sluice explain`, whose `run` captures plans and returns no rows:
   * resolvers then also hand `run` the plans that would only run once rows
   * exist (relationship batches, with their parent keys as a placeholder).
   */
  readonly explain?: boolean;
  /**
   * The snapshot of an Iceberg source that `selector` names (the current one
   * without), resolved once per request and selector: every plan of the
   * request reads the snapshot this returns. Absent where no engine reads
   * tables (explain).
   */
  snapshotOf?(source: string, label: string, selector?: SnapshotSelector): Promise<ResolvedSnapshot | null>;
}

/** Options fixed when the schema is built (the same for every request). */
export interface SchemaOptions {
  /** HMAC key for cursors; replicas sharing it accept each other's cursors. */
  readonly cursorSecret: Buffer;
  /** Date (YYYY-MM-DD) used to decide which versions are past their sunset. */
  readonly today?: string;
  /** Rows a connection's `offset` may skip (server.limits.maxOffset); absent: not limited. */
  readonly maxOffset?: number;
}

/**
 * What one caller's schema shows (caller-schema.ts builds it from the
 * session's combined policies): by `product@vN`, the versions it may read;
 * a version absent is absent from the schema.
 */
export interface SchemaView {
  readonly versions: ReadonlyMap<string, VersionView>;
}

export interface VersionView {
  /** Granted fields: the object type, where, orderBy and aggregates show these only. */
  readonly fields: ReadonlySet<string>;
  /** The aggregate root field is shown (every matching policy allows aggregation). */
  readonly aggregate: boolean;
  /** The lookup by key is shown (every primary-key field granted and unmasked). */
  readonly byKey: boolean;
  /** The policy's page limit, when lower than the contract's (for the arguments' descriptions). */
  readonly maxPageSize?: number;
}
