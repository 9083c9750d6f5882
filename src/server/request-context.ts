import type { Span } from '@opentelemetry/api';
import type { SluiceConfig } from '../config/config.js';
import type { Contract } from '../contract/contract.js';
import type { Engine, ResolvedSnapshot } from '../engine/engine.js';
import { SluiceError } from '../errors.js';
import type { GatewayContext } from '../graphql/context.js';
import { pinSnapshot, scansOf, type PlanNode } from '../plan/plan.js';
import type { Row } from '../plan/scalar.js';
import { resolveAccess } from '../policy/effective-policy.js';
import type { Policy } from '../policy/policy.js';
import type { AuditTrail } from '../response/audit.js';
import { LineageRecorder } from '../response/lineage.js';
import { runPlan } from '../session/run-plan.js';
import { createSession, type Session } from '../session/session.js';
import { inSpan } from '../telemetry/spans.js';
import type { Authenticated } from './authenticate.js';
import { unexpected, type ErrorLogger } from './mask-error.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * The request path: what one GraphQL request runs with (its session, lineage
 * recorder and audit trail), and how each plan its resolvers compile is run
 * (`runRequestPlan`): in a `plan` span, through the session (analyzer,
 * optimizer, engine: session/run-plan.ts), then recorded in lineage and the
 * audit trail, whether it answered or failed.
 */
export interface RequestContext extends GatewayContext {
  readonly lineage: LineageRecorder;
}

/** What every request of a gateway shares. */
export interface RequestPathOptions {
  readonly config: SluiceConfig;
  readonly engine: Engine;
  readonly policies: readonly Policy[];
  /** The product versions served (the catalog's, on the gateway's today). */
  readonly served: readonly Contract[];
  /** The request's audit trail (use-audit.ts). */
  readonly trailOf: (request: Request) => AuditTrail;
  /** The request's span, to parent its plans' spans (use-tracing.ts). */
  readonly spanOf: (request: Request) => Span | undefined;
  readonly metrics?: GatewayMetrics | undefined;
  readonly log: ErrorLogger;
}

/** The context of one request, from its authenticated caller. */
export function createRequestContext(o: RequestPathOptions, request: Request, authenticated: Authenticated): RequestContext {
  const { caller, role, purpose } = authenticated;
  const limits = o.config.server.limits;
  const who = { subject: caller.subject, tenant: caller.tenant, role, purpose, attributes: caller.attributes };
  const session = createSession({
    caller,
    role,
    purpose,
    access: resolveAccess(o.policies, o.served, who),
    limits: {
      timeoutMs: o.config.server.timeoutMs,
      maxRowsScanned: limits.maxRowsScanned,
      maxBytesRead: limits.maxBytesRead,
      maxMemoryBytes: limits.maxMemoryBytes,
    },
    signal: request.signal,
  });
  const lineage = new LineageRecorder(session);
  const trail = o.trailOf(request);
  trail.session = session;
  const snapshotOf = requestSnapshots(o.engine);
  const run = { engine: o.engine, session, lineage, trail, metrics: o.metrics, log: o.log, snapshotOf };
  return {
    session,
    lineage,
    delivered: (contract, path, rows) => trail.recordDelivered(path, contract, rows),
    run: (plan, contract, path) => runRequestPlan({ ...run, span: o.spanOf(request) }, plan, contract, path),
    snapshotOf,
  };
}

/**
 * One request's snapshots of Iceberg sources (SPEC §10: within one request,
 * one snapshot): each source and selector resolved once, the first time a
 * resolver or a plan needs it, and that answer kept for the request.
 */
function requestSnapshots(engine: Engine): NonNullable<GatewayContext['snapshotOf']> {
  const resolved = new Map<string, Promise<ResolvedSnapshot | null>>();
  return (source, label, selector) => {
    const key = `${source}\u0000${JSON.stringify(selector ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
    let found = resolved.get(key);
    if (found === undefined) {
      if (engine.resolveSnapshot === undefined)
        return Promise.reject(new SluiceError('SOURCE_UNSUPPORTED', 'source', `${label}: this engine does not read Iceberg tables`));
      found = engine.resolveSnapshot(source, label, selector);
      resolved.set(key, found);
    }
    return found;
  };
}

/** The plan with its table scans pinned to the request's snapshot (the current one unless a resolver pinned another). */
async function pinned(plan: PlanNode, snapshotOf: NonNullable<GatewayContext['snapshotOf']>): Promise<PlanNode> {
  const scan = scansOf(plan).find((s) => s.table !== undefined && s.table.snapshotId === undefined);
  if (scan === undefined) return plan;
  const snapshot = await snapshotOf(scan.source, scan.product);
  return snapshot === null ? plan : pinSnapshot(plan, snapshot.id);
}

/** What one request's plans run with. */
export interface RequestPlanRun {
  readonly engine: Engine;
  readonly session: Session;
  readonly lineage: LineageRecorder;
  readonly trail: AuditTrail;
  /** The request's span; undefined when it has none. */
  readonly span: Span | undefined;
  readonly metrics?: GatewayMetrics | undefined;
  readonly log: ErrorLogger;
  /** The request's snapshots of Iceberg sources; absent: scans read each table's current snapshot. */
  readonly snapshotOf?: NonNullable<GatewayContext['snapshotOf']>;
}

/**
 * Runs one plan of a request for the field at `path`, and records it in
 * lineage and the audit trail. Expected errors reach the caller as they are;
 * anything else is a bug, logged in full with the query id and answered
 * with the id only.
 */
export async function runRequestPlan(
  r: RequestPlanRun,
  plan: PlanNode,
  contract: Contract,
  path: readonly (string | number)[],
): Promise<Row[]> {
  const { session, lineage, trail } = r;
  // Lineage lists fields in the order their plans start, not finish.
  lineage.reserve(path, contract);
  try {
    if (r.snapshotOf !== undefined) plan = await pinned(plan, r.snapshotOf);
    const result = await inSpan(
      'plan',
      r.span,
      { 'sluice.product': contract.product, 'sluice.product.version': contract.version, 'sluice.path': path.join('.') },
      (span) => runPlan({ engine: r.engine, span, scanned: (scans) => r.metrics?.scanned(scans) }, session, plan),
    );
    lineage.record(path, contract, result);
    trail.recordPlan(path, contract, plan, result.optimized);
    return result.rows;
  } catch (e) {
    trail.recordPlan(path, contract, plan, undefined);
    lineage.recordFailure(path, contract);
    if (e instanceof SluiceError && e.fault !== 'internal') throw e;
    // A bug: log it in full with the query id, answer with the id only.
    r.log('unexpected error', { queryId: session.queryId, error: e instanceof Error ? e.stack : String(e) });
    throw unexpected(session.queryId);
  }
}
