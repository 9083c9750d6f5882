import type { MaskKind } from '../plan/plan.js';

/**
 * A policy (docs/policies.md), as loaded from `policies/*.yaml` and checked against
 * the contracts. Frozen plain data; matching and combining happen per session
 * (effective-policy.ts).
 */
export interface PolicyMask {
  readonly kind: MaskKind;
  readonly round?: number;
}

export interface Policy {
  readonly id: string;
  readonly version: number;
  readonly description?: string;
  readonly product: string;
  /** Semver range of contract versions; absent = every version. */
  readonly versions?: string;
  /** Each given list must contain the session's value; absent = any. */
  readonly when: {
    readonly roles?: readonly string[];
    readonly purposes?: readonly string[];
    readonly tenants?: readonly string[];
  };
  readonly allow: {
    /** Granted fields, or '*' for every field of the version. */
    readonly fields: '*' | readonly string[];
    readonly aggregate: boolean;
  };
  /** In the `where` language; values may be `$caller.<name>` references. */
  readonly rowFilter?: Readonly<Record<string, unknown>>;
  /** As written: by field name. */
  readonly masks: Readonly<Record<string, PolicyMask>>;
  /**
   * The same masks by source column (strictest per column), resolved at load
   * over every version the policy matches: a mask follows its field's column
   * across renames (load-policies.ts). Absent in hand-built policies: masks
   * then apply by name only.
   */
  readonly columnMasks?: Readonly<Record<string, PolicyMask>>;
  readonly limits: { readonly maxPageSize?: number };
  /** The file it came from, as shown in messages. */
  readonly file: string;
}

export const CALLER_REF = /^\$caller\.([A-Za-z_][A-Za-z0-9_]*)$/;
