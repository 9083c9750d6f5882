import type { AuthConfig } from '../config/config.js';
import { CALLER_REF, type Policy } from './policy.js';

/**
 * Row filters may refer to the caller (`$caller.<name>`, row-filter.ts); a
 * reference the caller lacks denies access (the filter fails closed). That
 * is right for one caller, but when no configured credential can ever
 * provide the name — no API key lists it among its `attributes`, and the
 * JWT claim mapping does not map it — every caller the policy applies to is
 * denied: most likely a misspelling, which `serve` warns about at start-up.
 */
export interface UnprovidedReference {
  readonly policy: string;
  readonly name: string;
}

/** Every `$caller.<name>` a row filter refers to. */
export function callerReferences(filter: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof filter === 'string') {
    const name = CALLER_REF.exec(filter)?.[1];
    if (name !== undefined) into.add(name);
  } else if (Array.isArray(filter)) for (const f of filter) callerReferences(f, into);
  else if (filter !== null && typeof filter === 'object') for (const v of Object.values(filter)) callerReferences(v, into);
  return into;
}

/** What every authenticated caller has, whatever the credential. */
const ALWAYS = new Set(['subject', 'role', 'purpose']);

/** The `$caller` references of `policies` that no credential configured in `auth` provides, by policy. */
export function unprovidedCallerReferences(policies: readonly Policy[], auth: AuthConfig): UnprovidedReference[] {
  const provided = new Set(ALWAYS);
  for (const key of auth.apiKeys) {
    if (key.tenant !== undefined) provided.add('tenant');
    for (const name of Object.keys(key.attributes)) provided.add(name);
  }
  if (auth.jwt?.claims.tenant !== undefined) provided.add('tenant');
  for (const name of auth.jwt?.claims.attributes ?? []) provided.add(name);
  const out: UnprovidedReference[] = [];
  const seen = new Set<string>();
  for (const p of policies) {
    for (const name of callerReferences(p.rowFilter)) {
      if (provided.has(name) || seen.has(`${p.id}\u0000${name}`)) continue;
      seen.add(`${p.id}\u0000${name}`);
      out.push({ policy: p.id, name });
    }
  }
  return out;
}
