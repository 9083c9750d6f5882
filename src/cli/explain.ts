import { execute, GraphQLError, parse, validate } from 'graphql';
import type { SluiceConfig } from '../config/config.js';
import type { Catalog } from '../contract/catalog.js';
import { SluiceError } from '../errors.js';
import { buildSchema } from '../graphql/build-schema.js';
import { schemaViewOf } from '../graphql/caller-schema.js';
import { stripSuggestions } from '../server/use-no-suggestions.js';
import type { GatewayContext } from '../graphql/context.js';
import { printPlan } from '../plan/print-plan.js';
import type { PlanNode } from '../plan/plan.js';
import { preparePlan, type PreparedPlan } from '../session/prepare-plan.js';
import { resolveAccess } from '../policy/effective-policy.js';
import type { Policy } from '../policy/policy.js';
import { ANONYMOUS, createSession, fullAccess, type Caller } from '../session/session.js';

/**
 * `sluice explain`: runs the query through the real schema and compiler, but
 * captures each plan instead of executing it, then prints it as compiled,
 * after the analyzer (where policy is injected), and optimized — with the
 * same printer the tests and logs use.
 */
export interface ExplainOptions {
  readonly catalog: Catalog;
  readonly policies: readonly Policy[];
  readonly config: SluiceConfig;
  readonly document: string;
  readonly variables: Record<string, unknown>;
  readonly role?: string | undefined;
  readonly purpose?: string | undefined;
  readonly tenant?: string | undefined;
  /** Caller attributes for `$caller.*` references, e.g. { regions: ['EU'] }. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export async function explainQuery(o: ExplainOptions): Promise<string> {
  let document;
  try {
    document = parse(o.document);
  } catch (e) {
    throw new SluiceError('GRAPHQL_PARSE_FAILED', 'user', (e as GraphQLError).message);
  }

  // Without --role: the operator's view, every field, no policy. With it: the
  // policies that role (and purpose, tenant, attributes) would get.
  const served = o.catalog.served();
  const caller: Caller =
    o.role === undefined
      ? ANONYMOUS
      : {
          subject: 'explain',
          roles: [o.role],
          ...(o.tenant !== undefined && { tenant: o.tenant }),
          attributes: o.attributes ?? {},
          credential: 'anonymous',
        };
  const purpose = o.purpose ?? 'unspecified';
  const role = o.role ?? 'operator';
  const session = createSession({
    caller,
    role,
    purpose,
    access:
      o.role === undefined
        ? fullAccess(served)
        : resolveAccess(o.policies, served, { subject: caller.subject, tenant: o.tenant, role, purpose, attributes: caller.attributes }),
    limits: { timeoutMs: o.config.server.timeoutMs },
  });
  // With --role, the schema that caller gets (docs/frontend-apps.md): what it may not use fails validation, as on the server.
  const schemaOptions = { cursorSecret: o.config.cursorSecret, maxOffset: o.config.server.limits.maxOffset };
  const schema = buildSchema(o.catalog, schemaOptions, o.role === undefined ? undefined : schemaViewOf(session.access));
  const problems = validate(schema, document);
  if (problems.length > 0) throw new SluiceError('GRAPHQL_VALIDATION_FAILED', 'user', stripSuggestions(problems[0]!.message));
  const captured: { path: string; plan: PlanNode }[] = [];
  const context: GatewayContext = {
    session,
    explain: true,
    run: async (plan, _contract, path) => {
      captured.push({ path: path.join('.'), plan });
      return [];
    },
  };
  const result = await execute({ schema, document, variableValues: o.variables, contextValue: context });
  const firstError = result.errors?.[0];
  if (firstError) {
    const original = firstError.originalError;
    throw original instanceof SluiceError ? original : new SluiceError('BAD_USER_INPUT', 'user', firstError.message);
  }

  const sections = [
    `-- session: role=${session.role} purpose=${session.purpose}${o.tenant ? ` tenant=${o.tenant}` : ''}`,
    ...session.denied.map((d) => `-- denied: ${d.product} v${d.major}: ${d.reason}`),
  ];
  for (const { path, plan } of captured) {
    const what = describe(plan, path);
    let prepared: PreparedPlan;
    try {
      prepared = await preparePlan(plan, session);
    } catch (e) {
      // A relationship into a product this session cannot use is refused
      // for that field only; show it, and go on with the others.
      if (!(e instanceof SluiceError) || !path.includes('.')) throw e;
      sections.push(`== ${path} (${what})`, '-- logical plan', printPlan(plan), `-- refused by the analyzer: ${e.code}: ${e.message}`);
      continue;
    }
    const { analyzed, optimized, applied } = prepared;
    sections.push(
      `== ${path} (${what})`,
      '-- logical plan',
      printPlan(plan),
      '-- after analyzer (policy)',
      printPlan(analyzed),
      `-- optimized (${applied.length > 0 ? applied.join(', ') : 'no rule applied'})`,
      printPlan(optimized),
    );
  }
  return sections.join('\n');
}

/** What a captured plan is for: a page, a totalCount, an aggregate, or a relationship batch. */
function describe(plan: PlanNode, path: string): string {
  if (path.includes('.'))
    return 'relationship batch: one plan for every parent at this level; the key list is bound when the parents are known';
  let n: PlanNode | undefined = plan;
  for (; n; n = n.kind === 'scan' ? undefined : n.input) if (n.kind === 'aggregate') return 'aggregate';
  if (path.endsWith('ByKey')) return 'lookup by key';
  return plan.kind === 'count' ? 'totalCount' : 'page';
}
