import { existsSync, statSync } from 'node:fs';
import { Kind, TypeInfo, parse, validate, visit, visitWithTypeInfo, type ASTNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { Catalog } from '../contract/catalog.js';
import { rootFieldName, versionKey, type Contract } from '../contract/contract.js';
import { loadContracts, loadContract } from '../contract/load-contracts.js';
import { displayPath } from '../contract/yaml-file.js';
import { SluiceError } from '../errors.js';
import { buildSchema } from '../graphql/build-schema.js';
import type { ApiKeyConfig } from '../config/config.js';
import { schemaViewOf } from '../graphql/caller-schema.js';
import { resolveAccess } from '../policy/effective-policy.js';
import type { Policy } from '../policy/policy.js';
import type { PersistedManifest, PersistedOperation } from '../server/persisted-manifest.js';
import type { CallerSpec } from './print-sdl.js';
import { retiredFieldErrors, retiredVersions } from '../server/use-retired-versions.js';
import { stripSuggestions } from '../server/use-no-suggestions.js';

/**
 * `sluice persisted check` (docs/cli.md): every operation of the persisted
 * manifest against the schema the contracts generate — today's contracts, or
 * with `--against`, a proposed change to them — naming for each operation
 * that would break the field and the reason:
 *
 * - it no longer validates (a field, argument, operator or type is gone or
 *   changed; the version is retired: then the replacement is named);
 * - it validates but a field it reads changes its output type (Int → BigInt,
 *   non-null → nullable), so the client would decode something else;
 * - it asks for a page (`first:` literal) above the version's maxPageSize;
 * - no key that runs persisted operations (`persistedOnly`) may run it: it
 *   does not validate against the schema of any of their callers (each of
 *   their roles and purposes, docs/frontend-apps.md), so whoever it was written for can
 *   no longer run it.
 *
 * Uses of deprecated fields and versions are listed as warnings.
 */
export interface OperationProblem {
  readonly operation: string | null;
  readonly id: string;
  /** A schema coordinate (`OrdersV2.currency`, `Query.ordersV2(first:)`), when the problem is about one. */
  readonly field: string | null;
  readonly reason: string;
}

export interface PersistedCheckResult {
  readonly operations: number;
  readonly problems: readonly OperationProblem[];
  readonly warnings: readonly OperationProblem[];
  /** Names of the operations with problems, in manifest order. */
  readonly broken: readonly string[];
}

export interface PersistedCheckOptions {
  readonly manifest: PersistedManifest;
  /** The contracts deployed today. */
  readonly current: Catalog;
  /** The contracts after the proposed change; absent: check against `current`. */
  readonly proposed?: Catalog;
  readonly today?: string;
  /**
   * The keys that run persisted operations, with the policies (loaded
   * against the checked contracts) that decide their schemas; absent or no
   * keys: only the full schema is checked.
   */
  readonly runners?: { readonly policies: readonly Policy[]; readonly keys: readonly PersistedRunner[] };
}

/** A key that runs persisted operations, as every caller it may be (one per role and purpose it may use). */
export interface PersistedRunner {
  readonly id: string;
  readonly callers: readonly CallerSpec[];
}

/** The persistedOnly keys of the config: every role they hold, every purpose they may name (or `unspecified`). */
export function persistedRunners(apiKeys: readonly ApiKeyConfig[]): PersistedRunner[] {
  return apiKeys
    .filter((k) => k.persistedOnly)
    .map((k) => ({
      id: k.id,
      callers: k.roles.flatMap((role) =>
        (k.purposes ?? ['unspecified']).map((purpose) => ({
          role,
          purpose,
          ...(k.tenant !== undefined && { tenant: k.tenant }),
          attributes: k.attributes,
          subject: k.subject,
        })),
      ),
    }));
}

const SCHEMA_OPTIONS = { cursorSecret: Buffer.alloc(32) };

export function checkPersistedOperations(o: PersistedCheckOptions): PersistedCheckResult {
  const schemaOf = (catalog: Catalog) => buildSchema(catalog, { ...SCHEMA_OPTIONS, ...(o.today !== undefined && { today: o.today }) });
  const currentSchema = schemaOf(o.current);
  const target = o.proposed ?? o.current;
  const targetSchema = o.proposed ? schemaOf(o.proposed) : currentSchema;
  const retired = retiredVersions(target, o.today);
  const servedByRoot = new Map(target.served(o.today).map((c) => [rootFieldName(c.product, c.major), c]));
  const runners = (o.runners?.keys ?? []).map((key) => ({
    id: key.id,
    schemas: key.callers.map((who) => {
      const access = resolveAccess(o.runners!.policies, target.served(o.today), {
        subject: who.subject ?? key.id,
        tenant: who.tenant,
        role: who.role,
        purpose: who.purpose ?? 'unspecified',
        attributes: who.attributes ?? {},
      });
      return {
        who,
        schema: buildSchema(target, { ...SCHEMA_OPTIONS, ...(o.today !== undefined && { today: o.today }) }, schemaViewOf(access.granted)),
      };
    }),
  }));

  const problems: OperationProblem[] = [];
  const warnings: OperationProblem[] = [];
  for (const op of o.manifest.operations.values()) {
    const report = (into: OperationProblem[]) => (field: string | null, reason: string) =>
      into.push(Object.freeze({ operation: op.name, id: op.id, field, reason }));
    checkOperation(
      op,
      { currentSchema, targetSchema, retired, servedByRoot, compareTypes: o.proposed !== undefined, runners },
      report(problems),
      report(warnings),
    );
  }
  const broken = [...o.manifest.operations.values()].filter((op) => problems.some((p) => p.id === op.id)).map((op) => op.name ?? op.id);
  return { operations: o.manifest.operations.size, problems, warnings, broken };
}

interface CheckContext {
  readonly currentSchema: GraphQLSchema;
  readonly targetSchema: GraphQLSchema;
  readonly retired: ReturnType<typeof retiredVersions>;
  readonly servedByRoot: ReadonlyMap<string, Contract>;
  readonly compareTypes: boolean;
  readonly runners: readonly { readonly id: string; readonly schemas: readonly { who: CallerSpec; schema: GraphQLSchema }[] }[];
}

type Report = (field: string | null, reason: string) => void;

function checkOperation(op: PersistedOperation, ctx: CheckContext, problem: Report, warning: Report): void {
  const document = parse(op.document);
  const before = describeFields(ctx.currentSchema, document);
  const after = ctx.compareTypes ? describeFields(ctx.targetSchema, document) : before;
  const fieldOf = (node: ASTNode | undefined) =>
    node ? (before.get(node)?.coordinate ?? after.get(node)?.coordinate ?? nameOf(node)) : null;

  const retiredErrors = retiredFieldErrors(document, ctx.retired);
  for (const e of retiredErrors) problem(fieldOf(e.nodes?.[0]), e.message);
  const answered = new Set(retiredErrors.flatMap((e) => e.nodes ?? []));
  const errors = validate(ctx.targetSchema, document).filter((e) => !(e.nodes ?? []).some((n) => answered.has(n)));
  for (const e of errors) problem(fieldOf(e.nodes?.[0]), stripSuggestions(e.message));
  if (errors.length > 0 || retiredErrors.length > 0) return;

  for (const [node, now] of after) {
    const was = before.get(node);
    if (ctx.compareTypes && was && was.type !== now.type && node.kind === Kind.FIELD) {
      problem(now.coordinate, `output type changes from ${was.type} to ${now.type}`);
    }
    if (now.deprecated !== undefined) warning(now.coordinate, `deprecated: ${now.deprecated}`);
  }

  // Someone who runs persisted operations must be able to run it: valid in the schema of one of their callers.
  if (ctx.runners.length > 0) {
    const refusals: string[] = [];
    let first: ASTNode | undefined;
    const runnable = ctx.runners.some((key) =>
      key.schemas.some(({ who, schema }) => {
        const [e] = validate(schema, document);
        if (!e) return true;
        first ??= e.nodes?.[0];
        refusals.push(`${key.id} (role ${who.role}, purpose ${who.purpose ?? 'unspecified'}): ${stripSuggestions(e.message)}`);
        return false;
      }),
    );
    if (!runnable) problem(fieldOf(first), `no key that runs persisted operations may run it: ${refusals.join('; ')}`);
  }

  // Page sizes the operation writes down must stay within the version's limit.
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const s of d.selectionSet.selections) {
      if (s.kind !== Kind.FIELD) continue;
      const contract = ctx.servedByRoot.get(s.name.value);
      const first = s.arguments?.find((a) => a.name.value === 'first')?.value;
      if (contract && first?.kind === Kind.INT && Number(first.value) > contract.limits.maxPageSize) {
        problem(
          `Query.${s.name.value}(first:)`,
          `first: ${first.value} is above maxPageSize ${contract.limits.maxPageSize} of ${contract.product} ${contract.version}: the request would fail with BAD_USER_INPUT`,
        );
      }
    }
  }
}

interface FieldDescription {
  readonly coordinate: string;
  readonly type: string;
  readonly deprecated?: string;
}

/** For every field, argument and input field of a document: its schema coordinate and type in `schema`. */
function describeFields(schema: GraphQLSchema, document: DocumentNode): Map<ASTNode, FieldDescription> {
  const out = new Map<ASTNode, FieldDescription>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const def = typeInfo.getFieldDef();
        if (!parent || !def || node.name.value.startsWith('__')) return;
        out.set(node, {
          coordinate: `${parent.name}.${def.name}`,
          type: String(def.type),
          ...(def.deprecationReason != null && { deprecated: def.deprecationReason }),
        });
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const arg = typeInfo.getArgument();
        if (parent && field && arg) out.set(node, { coordinate: `${parent.name}.${field.name}(${arg.name}:)`, type: String(arg.type) });
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        const type = typeInfo.getInputType();
        if (parent && type && 'name' in parent) out.set(node, { coordinate: `${parent.name}.${node.name.value}`, type: String(type) });
      },
    }),
  );
  return out;
}

const nameOf = (node: ASTNode): string | null =>
  'name' in node && node.name && typeof node.name === 'object' && 'value' in node.name ? node.name.value : null;

/**
 * The contracts after a proposed change: a products folder replaces them
 * all; contract files replace the version of the same product and major (or
 * add it).
 */
export function proposedCatalog(current: Catalog, against: readonly string[]): Catalog {
  const byKey = new Map(current.contracts.map((c) => [versionKey(c.product, c.major), c]));
  for (const path of against) {
    if (!existsSync(path)) throw new SluiceError('BAD_USER_INPUT', 'user', `--against ${displayPath(path)} does not exist`);
    if (statSync(path).isDirectory()) {
      byKey.clear();
      for (const c of loadContracts(path)) byKey.set(versionKey(c.product, c.major), c);
    } else {
      const c = loadContract(path);
      byKey.set(versionKey(c.product, c.major), c);
    }
  }
  return new Catalog([...byKey.values()]);
}

export function formatPersistedCheckMarkdown(r: PersistedCheckResult, proposed: boolean): string {
  const lines: string[] = [];
  const subject = proposed ? 'the proposed contracts' : 'the current contracts';
  if (r.problems.length === 0) lines.push(`ok: all ${r.operations} persisted operation(s) are valid against ${subject}`);
  else {
    lines.push(
      `${r.broken.length} of ${r.operations} persisted operation(s) ${proposed ? 'would break' : 'are broken'} against ${subject}: ${r.broken.join(', ')}`,
      '',
    );
    lines.push(...problemTable(r.problems));
  }
  if (r.warnings.length > 0) lines.push('', `${r.warnings.length} warning(s):`, '', ...problemTable(r.warnings));
  return lines.join('\n');
}

function problemTable(problems: readonly OperationProblem[]): string[] {
  return [
    '| operation | id | field | reason |',
    '|---|---|---|---|',
    ...problems.map(
      (p) =>
        `| ${p.operation ?? '(anonymous)'} | \`${p.id.slice(0, 12)}…\` | ${p.field ? `\`${p.field}\`` : '—'} | ${p.reason.replace(/\|/g, '\\|')} |`,
    ),
  ];
}
