import type { Span } from '@opentelemetry/api';
import type { SluiceConfig } from '../config/config.js';
import type { Contract } from '../contract/contract.js';
import type { Engine, ResolvedSnapshot } from '../engine/engine.js';
import { SluiceError } from '../errors.js';
import type { GatewayContext } from '../graphql/context.js';
import { pinSnapshot, scansOf, type PlanNode } from '../plan/plan.js';
import type { Row } from '../plan/scalar.js';
import { resolveAccess, type Access } from '../policy/effective-policy.js';
import type { Policy } from '../policy/policy.js';
import type { AuditTrail } from '../response/audit.js';
import { LineageRecorder } from '../response/lineage.js';
import type { ResultCache } from '../session/result-cache.js';
import { runPlan } from '../session/run-plan.js';
import { createSession, endSession, type Session } from '../session/session.js';
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
  /** The caller's access (accessResolver). */
  readonly accessOf: (a: Authenticated) => Access;
  /** The request's audit trail (use-audit.ts). */
  readonly trailOf: (request: Request) => AuditTrail;
  /** The request's span, to parent its plans' spans (use-tracing.ts). */
  readonly spanOf: (request: Request) => Span | undefined;
  readonly metrics?: GatewayMetrics | undefined;
  readonly log: ErrorLogger;
  /** The result cache (server.resultCache); undefined: off. */
  readonly results?: ResultCache | undefined;
}

/**
 * The caller's access under one gateway's policies, resolved once per caller,
 * role and purpose: the caller schema and the session both need it, and an
 * API key's caller is the same object on every request, so its access is
 * resolved once for the gateway's life (a reload builds a new gateway). A
 * token's caller is made per request and goes with it (weak keys).
 */
export function accessResolver(policies: readonly Policy[], served: readonly Contract[]): (a: Authenticated) => Access {
  const resolved = new WeakMap<Authenticated['caller'], Map<string, Access>>();
  return ({ caller, role, purpose }) => {
    let byView = resolved.get(caller);
    if (byView === undefined) resolved.set(caller, (byView = new Map()));
    const key = `${role}\u0000${purpose}`;
    let access = byView.get(key);
    if (access === undefined) {
      const who = { subject: caller.subject, tenant: caller.tenant, role, purpose, attributes: caller.attributes };
      byView.set(key, (access = resolveAccess(policies, served, who)));
    }
    return access;
  };
}

/**
 * The context of one request, from its authenticated caller; what the
 * caller's policies grant comes from o.accessOf, the same memo the caller's
 * schema is chosen from.
 */
export function createRequestContext(o: RequestPathOptions, request: Request, authenticated: Authenticated): RequestContext {
  const { caller, role, purpose } = authenticated;
  const limits = o.config.server.limits;
  const session = createSession({
    caller,
    role,
    purpose,
    access: o.accessOf(authenticated),
    limits: {
      timeoutMs: o.config.server.timeoutMs,
      maxRowsScanned: limits.maxRowsScanned,
      maxBytesRead: limits.maxBytesRead,
      maxMemoryBytes: limits.maxMemoryBytes,
    },
    signal: request.signal,
  });
  const sessions = sessionsOf.get(request);
  if (sessions === undefined) sessionsOf.set(request, [session]);
  else sessions.push(session);
  const lineage = new LineageRecorder(session);
  const trail = o.trailOf(request);
  trail.session = session;
  const snapshotOf = requestSnapshots(o.engine);
  const run = { engine: o.engine, session, lineage, trail, metrics: o.metrics, log: o.log, snapshotOf, results: o.results };
  return {
    session,
    lineage,
    delivered: (contract, path, rows) => trail.recordDelivered(path, contract, rows),
    run: (plan, contract, path) => runRequestPlan({ ...run, span: o.spanOf(request) }, plan, contract, path),
    snapshotOf,
  };
}

/** The sessions of each request in flight (one per operation of a batch). */
const sessionsOf = new WeakMap<Request, Session[]>();

/** Ends the sessions of an answered request (session.ts, endSession): their deadlines are cleared. */
export function endRequestSessions(request: Request): void {
  for (const s of sessionsOf.get(request) ?? []) endSession(s);
  sessionsOf.delete(request);
}

/**
 * One request's snapshots of Iceberg sources (docs/iceberg.md: within one request,
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
  readonly results?: ResultCache | undefined;
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
      (span) =>
        runPlan(
          {
            engine: r.engine,
            span,
            scanned: (scans) => {
              r.metrics?.scanned(scans);
              trail.recordScans(path, contract, scans);
            },
            ...(r.results && { results: r.results }),
          },
          session,
          plan,
        ),
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
