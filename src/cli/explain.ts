import { execute, GraphQLError, parse, validate } from 'graphql';
import type { SluiceConfig } from '../config/config.js';
import type { Catalog } from '../contract/catalog.js';
import { SluiceError } from '../errors.js';
import { buildSchema } from '../graphql/build-schema.js';
import type { GatewayContext } from '../graphql/context.js';
import { optimize } from '../optimizer/optimize.js';
import { printPlan } from '../plan/print-plan.js';
import type { PlanNode } from '../plan/plan.js';
import { analyze } from '../session/analyze.js';
import { ANONYMOUS, createSession } from '../session/session.js';

/**
 * `sluice explain`: runs the query through the real schema and compiler, but
 * captures each plan instead of executing it, then prints it as compiled,
 * after the analyzer (where policy is injected), and optimized — with the
 * same printer the tests and logs use.
 */
export interface ExplainOptions {
  readonly catalog: Catalog;
  readonly config: SluiceConfig;
  readonly document: string;
  readonly variables: Record<string, unknown>;
  readonly role?: string | undefined;
  readonly purpose?: string | undefined;
}

export async function explainQuery(o: ExplainOptions): Promise<string> {
  const schema = buildSchema(o.catalog, { cursorSecret: o.config.cursorSecret });
  let document;
  try {
    document = parse(o.document);
  } catch (e) {
    throw new SluiceError('GRAPHQL_PARSE_FAILED', 'user', (e as GraphQLError).message);
  }
  const problems = validate(schema, document);
  if (problems.length > 0) throw new SluiceError('GRAPHQL_VALIDATION_FAILED', 'user', problems[0]!.message);

  const session = createSession({
    caller: ANONYMOUS,
    visible: o.catalog.served(),
    limits: { timeoutMs: o.config.server.timeoutMs },
    ...(o.role !== undefined && { role: o.role }),
    ...(o.purpose !== undefined && { purpose: o.purpose }),
  });
  const captured: { path: string; plan: PlanNode }[] = [];
  const context: GatewayContext = {
    session,
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

  const sections = [`-- session: role=${session.role} purpose=${session.purpose}`];
  for (const { path, plan } of captured) {
    const what = plan.kind === 'count' ? 'totalCount' : 'page';
    const analyzed = analyze(plan, session);
    const { plan: optimized, applied } = optimize(analyzed);
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
