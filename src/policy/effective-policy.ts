import { versionKey, type Contract } from '../contract/contract.js';
import { Expr } from '../plan/expr.js';
import type { FieldMask } from '../plan/plan.js';
import { policyCovers, stricterMask } from './load-policies.js';
import type { Policy, PolicyMask } from './policy.js';
import { resolveRowFilter, type CallerValues } from './row-filter.js';

/**
 * What a session may do with one product version: the policies that match
 * the caller (role, purpose, tenant, version), combined most-restrictively
 * (docs/policies.md): granted fields are the intersection, row filters are ANDed,
 * limits take the minimum, aggregation needs every policy's consent, and a
 * field masked by any policy is masked, by the strictest mask.
 *
 * Deny by default: no matching policy, no access. A `$caller.*` reference the
 * caller lacks denies the version (fail closed), and so does a combination
 * that grants no field.
 */
export interface EffectivePolicy {
  readonly contract: Contract;
  readonly policies: readonly { readonly id: string; readonly version: number }[];
  readonly fields: ReadonlySet<string>;
  readonly rowFilter?: Expr;
  /** Masks of granted fields, in contract field order. */
  readonly masks: readonly FieldMask[];
  readonly aggregate: boolean;
  readonly maxPageSize?: number;
}

export interface Denial {
  readonly product: string;
  readonly major: number;
  readonly policies: readonly string[];
  readonly reason: string;
}

export interface Access {
  /** By `product@vN`. */
  readonly granted: ReadonlyMap<string, EffectivePolicy>;
  readonly denied: readonly Denial[];
}

export function matches(p: Policy, c: Contract, who: CallerValues): boolean {
  const { roles, purposes, tenants } = p.when;
  return (
    policyCovers(p, c) &&
    (roles === undefined || roles.includes(who.role)) &&
    (purposes === undefined || purposes.includes(who.purpose)) &&
    (tenants === undefined || (who.tenant !== undefined && tenants.includes(who.tenant)))
  );
}

export function resolveAccess(policies: readonly Policy[], contracts: readonly Contract[], who: CallerValues): Access {
  const granted = new Map<string, EffectivePolicy>();
  const denied: Denial[] = [];
  for (const c of contracts) {
    const matching = policies.filter((p) => matches(p, c, who));
    if (matching.length === 0) continue;
    const result = combine(c, matching, who);
    if ('reason' in result) denied.push({ product: c.product, major: c.major, policies: matching.map((p) => p.id), reason: result.reason });
    else granted.set(versionKey(c.product, c.major), result);
  }
  return { granted, denied };
}

function combine(c: Contract, matching: readonly Policy[], who: CallerValues): EffectivePolicy | { reason: string } {
  let fields = new Set(c.fields.map((f) => f.name));
  for (const p of matching) {
    if (p.allow.fields !== '*') {
      const allowed = new Set(p.allow.fields);
      fields = new Set([...fields].filter((f) => allowed.has(f)));
    }
  }
  if (fields.size === 0) return { reason: 'the matching policies grant no field in common' };

  const filters: Expr[] = [];
  for (const p of matching) {
    if (!p.rowFilter) continue;
    const r = resolveRowFilter(c, p.rowFilter, who);
    if ('denied' in r) return { reason: `policy ${p.id}: ${r.denied}` };
    filters.push(r.predicate);
  }

  const masks: FieldMask[] = [];
  for (const f of c.fields) {
    if (!fields.has(f.name)) continue;
    // By name, and by the column it reads (a mask follows a renamed field: load-policies.ts).
    const strictest = matching
      .flatMap((p) => [p.masks[f.name], p.columnMasks?.[f.column]])
      .filter((m): m is PolicyMask => m !== undefined)
      .sort(stricterMask)[0];
    if (strictest)
      masks.push({ field: f.name, type: f.type, kind: strictest.kind, ...(strictest.round !== undefined && { round: strictest.round }) });
  }

  const pageSizes = matching.flatMap((p) => (p.limits.maxPageSize === undefined ? [] : [p.limits.maxPageSize]));
  const rowFilter = filters.length > 0 ? Expr.and(filters) : undefined;
  return Object.freeze({
    contract: c,
    policies: matching.map((p) => ({ id: p.id, version: p.version })),
    fields,
    ...(rowFilter !== undefined && { rowFilter }),
    masks,
    aggregate: matching.every((p) => p.allow.aggregate),
    ...(pageSizes.length > 0 && { maxPageSize: Math.min(...pageSizes) }),
  });
}
