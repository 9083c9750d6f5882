import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { versionKey, type Contract } from '../contract/contract.js';
import { ScanBudget, type ScanLimits } from '../engine/engine.js';
import type { Access, Denial, EffectivePolicy } from '../policy/effective-policy.js';

/**
 * A session is the control boundary of one request (docs/policies.md), after Apache
 * DataFusion's `SessionContext`: who is calling, in which role and for which
 * purpose, which product versions it may see, and its limits. Sessions are
 * frozen and share nothing mutable; what they share (contracts, footers,
 * decoded data) is immutable or cached under keys that include everything
 * that changes an answer. The one thing a session counts, its budget, is its
 * own.
 */
export interface Caller {
  readonly subject: string;
  readonly roles: readonly string[];
  readonly tenant?: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** How the caller proved who it is. */
  readonly credential: 'anonymous' | 'api-key' | 'jwt';
  /** The configured id of the API key used (never the key itself). */
  readonly keyId?: string;
  /** When set, the only purposes this caller may name in `X-Purpose`. */
  readonly purposes?: readonly string[];
  /** The caller may run persisted operations only (docs/persisted-operations.md). */
  readonly persistedOnly?: boolean;
}

/** Page limits are per product: see EffectivePolicy. */
export interface SessionLimits extends ScanLimits {
  /** Wall-clock budget of the whole request. */
  readonly timeoutMs: number;
}

export interface Session {
  readonly queryId: string;
  readonly decisionId: string;
  readonly caller: Caller;
  readonly role: string;
  readonly purpose: string;
  /** Product versions this session may see, by `product@vN`. */
  readonly catalog: ReadonlyMap<string, Contract>;
  /** What the session may do with each of them: the combined policies. */
  readonly access: ReadonlyMap<string, EffectivePolicy>;
  /** Versions a matching policy would open but that were denied (for the audit). */
  readonly denied: readonly Denial[];
  readonly limits: SessionLimits;
  /** Rows, bytes and decoded memory the request's plans have used, against `limits` (RESOURCE_LIMIT). */
  readonly budget: ScanBudget;
  readonly startedAt: number;
  /** Aborted when the request ends or its deadline passes. */
  readonly signal: AbortSignal;
}

export const ANONYMOUS: Caller = Object.freeze({
  subject: 'anonymous',
  roles: Object.freeze(['anonymous']),
  attributes: Object.freeze({}),
  credential: 'anonymous',
});

export interface SessionOptions {
  readonly caller: Caller;
  readonly role?: string;
  readonly purpose?: string;
  readonly access: Access;
  readonly limits: SessionLimits;
  readonly signal?: AbortSignal;
  readonly queryId?: string;
}

export function createSession(o: SessionOptions): Session {
  const queryId = o.queryId ?? randomUUID();
  const { signal, end } = sessionSignal(o.limits.timeoutMs, o.signal);
  // Every read in flight listens to the request's signal and stops listening when it ends: a scan of
  // many files has many at once, which is not the leak Node's default warning (past 10) looks for.
  setMaxListeners(0, signal);
  const session: Session = Object.freeze({
    queryId,
    decisionId: `d-${randomUUID()}`,
    caller: o.caller,
    role: o.role ?? o.caller.roles[0] ?? 'anonymous',
    purpose: o.purpose ?? 'unspecified',
    catalog: new Map([...o.access.granted].map(([key, e]) => [key, e.contract])),
    access: o.access.granted,
    denied: o.access.denied,
    limits: Object.freeze({ ...o.limits }),
    budget: new ScanBudget(o.limits),
    startedAt: Date.now(),
    signal,
  });
  endings.set(session, end);
  return session;
}

/**
 * Ends a session whose request has been answered: its deadline timer is
 * cleared and it stops listening to the request's signal. Until then (or its
 * deadline) the timer holds the session's signal; a session never ended
 * lets go of it at its deadline.
 */
export function endSession(s: Session): void {
  endings.get(s)?.();
  endings.delete(s);
}

const endings = new WeakMap<Session, () => void>();

/**
 * Aborted at the deadline (a TimeoutError, as AbortSignal.timeout gives) or
 * when the request's own signal aborts. One controller and one timer that
 * the end clears: AbortSignal.timeout and AbortSignal.any keep every
 * signal alive through weak references and finalizers until the timeout
 * passes, which under load held tens of thousands of answered requests'
 * signals and timers for the whole timeout, and cost the collector and
 * the heap (bench/run.ts, HTTP load).
 */
function sessionSignal(timeoutMs: number, request: AbortSignal | undefined): { signal: AbortSignal; end: () => void } {
  const controller = new AbortController();
  const onRequestAbort = () => {
    clearTimeout(timer);
    controller.abort(request!.reason);
  };
  const timer = setTimeout(() => {
    request?.removeEventListener('abort', onRequestAbort);
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, timeoutMs);
  // The deadline alone never keeps a process alive.
  timer.unref();
  if (request?.aborted === true) onRequestAbort();
  else request?.addEventListener('abort', onRequestAbort, { once: true });
  return {
    signal: controller.signal,
    end: () => {
      clearTimeout(timer);
      request?.removeEventListener('abort', onRequestAbort);
    },
  };
}

export const sessionSees = (s: Session, product: string, major: number): Contract | undefined => s.catalog.get(versionKey(product, major));

export const accessTo = (s: Session, product: string, major: number): EffectivePolicy | undefined =>
  s.access.get(versionKey(product, major));

/** Unrestricted access to every given version: for tools run by the operator (explain without a role). */
export function fullAccess(contracts: readonly Contract[]): Access {
  return {
    granted: new Map(
      contracts.map((c) => [
        versionKey(c.product, c.major),
        { contract: c, policies: [], fields: new Set(c.fields.map((f) => f.name)), masks: [], aggregate: true },
      ]),
    ),
    denied: [],
  };
}
