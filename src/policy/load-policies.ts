import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import type { Catalog } from '../contract/catalog.js';
import { fieldOf, type Contract, type ContractField } from '../contract/contract.js';
import { displayPath, readYaml } from '../contract/yaml-file.js';
import { ConfigError, ConfigErrors } from '../errors.js';
import { MASK_KINDS } from '../plan/plan.js';
import { maskApplies } from './mask-value.js';
import { CALLER_REF, type Policy, type PolicyMask } from './policy.js';
import { checkRowFilter } from './row-filter.js';

/**
 * Loads `policies/*.yaml` (docs/policies.md) and checks each against the contracts it
 * matches: the product exists, the version range is valid and matches a
 * version, every granted, masked or filtered field exists, every mask fits
 * its field's type (`null` only on nullable fields, `round` only on numbers,
 * with an integer step on integer fields), and the row filter is valid `where`
 * language. Every problem is reported with file and line; all files are read
 * before failing.
 *
 * Masks and grants name fields, but what they protect is a source column, and
 * a field may be renamed from one major version to the next (orders v1
 * `amount` is v2 `total_amount`). The two are resolved in opposite directions,
 * each the one that fails closed:
 *
 * - a mask follows the column: a mask on F masks, in every version the policy
 *   matches, every field reading a column that F reads in some matched version
 *   (`columnMasks`), so masking `total_amount` masks v1's `amount` too, and
 *   the mask must fit each of those fields;
 * - a grant never follows a rename by itself: a grant list naming F, where
 *   another matched version serves F's column under another name G without
 *   listing G, is refused, naming the version and G. The author then grants
 *   G as well or narrows `versions:`; access is never widened by inference,
 *   and a version never silently lacks a field its author meant to grant.
 */
const nameList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const maskSchema = z.union([
  z.enum(MASK_KINDS).refine((k) => k !== 'round', 'round needs a step: { round: N }'),
  z.strictObject({ round: z.number().positive('round: N must be positive') }),
]);

const policySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"'),
  version: z.number().int().nonnegative(),
  description: z.string().optional(),
  product: z.string().min(1),
  versions: z.string().optional(),
  when: z.strictObject({ roles: nameList.optional(), purposes: nameList.optional(), tenants: nameList.optional() }).default({}),
  allow: z.strictObject({
    // `"*"` or a list; a list holding "*" grants every field too.
    fields: z
      .union([z.literal('*'), z.array(z.string().min(1)).min(1)])
      .transform((v) => (v === '*' || v.includes('*') ? ('*' as const) : v)),
    aggregate: z.boolean().default(false),
  }),
  rowFilter: z.record(z.string(), z.unknown()).optional(),
  masks: z.record(z.string(), maskSchema).default({}),
  limits: z.strictObject({ maxPageSize: z.number().int().positive().optional() }).default({}),
});

export function loadPolicies(dir: string, catalog: Catalog): Policy[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) throw new ConfigErrors([new ConfigError(displayPath(dir), 'policies must be a folder')]);
  const errors: ConfigError[] = [];
  const policies: Policy[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    try {
      const policy = loadPolicy(join(dir, name), catalog);
      const dup = policies.find((p) => p.id === policy.id);
      if (dup) throw new ConfigError(policy.file, `duplicate policy id "${policy.id}" (also ${dup.file})`);
      policies.push(policy);
    } catch (e) {
      if (e instanceof ConfigError) errors.push(e);
      else if (e instanceof ConfigErrors) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length > 0) throw new ConfigErrors(errors);
  return policies;
}

export function loadPolicy(file: string, catalog: Catalog): Policy {
  const parsed = readYaml(file, policySchema);
  const raw = parsed.value;
  const shown = displayPath(file);
  const at = (path: (string | number)[], message: string) => {
    const line = parsed.lineOf(path);
    return new ConfigError(line === undefined ? shown : `${shown}:${line}`, `${path.join('.')}: ${message}`);
  };

  if (raw.versions !== undefined && semver.validRange(raw.versions) === null) {
    throw at(['versions'], `"${raw.versions}" is not a semver range (e.g. ">=2", "^1.2")`);
  }
  const versions = catalog.contracts.filter((c) => c.product === raw.product);
  if (versions.length === 0) throw at(['product'], `unknown product "${raw.product}"`);
  const matched = versions.filter((c) => raw.versions === undefined || semver.satisfies(c.version, raw.versions));
  if (matched.length === 0) {
    throw at(['versions'], `matches no version of ${raw.product} (${versions.map((c) => c.version).join(', ')})`);
  }
  // A field must exist in at least one matched version; versions without it simply do not have it.
  const fieldIn = (name: string) => matched.flatMap((c) => fieldOf(c, name) ?? []);
  // The fields of every matched version reading a column that `name` reads somewhere.
  const sameColumn = (name: string) => {
    const columns = new Set(fieldIn(name).map((f) => f.column));
    return matched.flatMap((c) => c.fields.filter((f) => columns.has(f.column)).map((f) => ({ contract: c, field: f })));
  };

  if (raw.allow.fields !== '*') {
    const granted = new Set(raw.allow.fields);
    raw.allow.fields.forEach((f, i) => {
      if (fieldIn(f).length === 0) throw at(['allow', 'fields', i], `unknown field "${f}" in ${raw.product} ${rangeText(raw.versions)}`);
      const renamed = sameColumn(f).find(({ contract, field }) => !granted.has(field.name) && fieldOf(contract, f) === undefined);
      if (renamed) {
        const { contract, field } = renamed;
        throw at(
          ['allow', 'fields', i],
          `${f} reads column ${field.column}, which ${contract.product} ${contract.version} serves as ${field.name}: ` +
            `grant ${field.name} as well, or limit the policy with versions: (a grant does not follow a rename by itself)`,
        );
      }
    });
  }
  const masks: Record<string, PolicyMask> = {};
  const columnMasks: Record<string, PolicyMask> = {};
  for (const [field, spec] of Object.entries(raw.masks)) {
    const mask: PolicyMask = Object.freeze(typeof spec === 'string' ? { kind: spec } : { kind: 'round', round: spec.round });
    if (fieldIn(field).length === 0) throw at(['masks', field], `unknown field "${field}" in ${raw.product} ${rangeText(raw.versions)}`);
    for (const { contract, field: f } of sameColumn(field)) {
      const via =
        f.name === field
          ? ''
          : `${field} reads column ${f.column}, which ${contract.product} ${contract.version} serves as ${f.name}, masked too: `;
      checkMask(mask, f, (m) => at(['masks', field], `${via}${m}`));
      const before = columnMasks[f.column];
      if (before === undefined || stricterMask(mask, before) < 0) columnMasks[f.column] = mask;
    }
    masks[field] = mask;
  }
  if (raw.rowFilter !== undefined) {
    for (const c of matched) {
      const problem = checkRowFilter(c, raw.rowFilter);
      if (problem) throw at(['rowFilter', ...problem.path], `${problem.message} (in ${c.product} ${c.version})`);
    }
  }

  return Object.freeze({
    id: raw.id,
    version: raw.version,
    ...(raw.description !== undefined && { description: raw.description }),
    product: raw.product,
    ...(raw.versions !== undefined && { versions: raw.versions }),
    when: Object.freeze({ ...raw.when }),
    allow: Object.freeze({ fields: raw.allow.fields === '*' ? '*' : Object.freeze([...raw.allow.fields]), aggregate: raw.allow.aggregate }),
    ...(raw.rowFilter !== undefined && { rowFilter: Object.freeze(raw.rowFilter) }),
    masks: Object.freeze(masks),
    columnMasks: Object.freeze(columnMasks),
    limits: Object.freeze({ ...raw.limits }),
    file: shown,
  });
}

function checkMask(mask: PolicyMask, f: ContractField, fail: (message: string) => ConfigError): void {
  if (!maskApplies(mask.kind, f.type)) throw fail(`mask ${mask.kind} cannot keep the type of ${f.name} (${f.type})`);
  if (mask.kind === 'null' && !f.nullable) throw fail(`mask null on ${f.name}, which is nullable: false`);
  if (mask.kind === 'round' && (f.type === 'int32' || f.type === 'int64') && !Number.isInteger(mask.round)) {
    throw fail(`round on the integer field ${f.name} needs an integer step`);
  }
}

/** Strictest first: by the order docs/policies.md gives, and a coarser round before a finer one. */
export function stricterMask(a: PolicyMask, b: PolicyMask): number {
  const d = MASK_KINDS.indexOf(a.kind) - MASK_KINDS.indexOf(b.kind);
  return d !== 0 ? d : (b.round ?? 0) - (a.round ?? 0);
}

const rangeText = (range: string | undefined) => (range === undefined ? '(any version)' : `versions ${range}`);

/** Does this policy name the contract's product and version range? */
export function policyCovers(p: Policy, c: Contract): boolean {
  return p.product === c.product && (p.versions === undefined || semver.satisfies(c.version, p.versions));
}

export { CALLER_REF };
