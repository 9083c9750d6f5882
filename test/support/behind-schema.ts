import { execute, parse } from 'graphql';
import { loadConfig } from '../../src/config/config.js';
import type { Engine } from '../../src/engine/engine.js';
import { SluiceError } from '../../src/errors.js';
import { buildSchema } from '../../src/graphql/build-schema.js';
import type { GatewayContext } from '../../src/graphql/context.js';
import { resolveAccess } from '../../src/policy/effective-policy.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { runPlan } from '../../src/session/run-plan.js';
import { createSession } from '../../src/session/session.js';
import type { GraphQLResponse } from './demo.js';

/**
 * Runs a query against the full schema (every served version and field) in
 * the session of a caller with `role`: what the resolvers and the analyzer
 * do when the caller's own schema (docs/frontend-apps.md) is not there to stop a request
 * first. The gateway never serves this; tests use it to check the checks
 * behind the schema (defence in depth).
 */
export async function executeBehindSchema(
  configFile: string,
  engine: Engine,
  query: string,
  who: { readonly role: string; readonly purpose?: string; readonly tenant?: string; readonly attributes?: Record<string, unknown> },
): Promise<GraphQLResponse> {
  const config = loadConfig(configFile);
  const { catalog, policies } = await loadDeployment(config, engine);
  const caller = {
    subject: 'behind-schema',
    roles: [who.role],
    ...(who.tenant !== undefined && { tenant: who.tenant }),
    attributes: who.attributes ?? {},
    credential: 'api-key' as const,
  };
  const purpose = who.purpose ?? 'unspecified';
  const session = createSession({
    caller,
    role: who.role,
    purpose,
    access: resolveAccess(policies, catalog.served(), { ...caller, role: who.role, purpose }),
    limits: { timeoutMs: 30_000 },
  });
  const contextValue: GatewayContext = { session, run: async (plan) => (await runPlan({ engine }, session, plan)).rows };
  const result = await execute({
    schema: buildSchema(catalog, { cursorSecret: config.cursorSecret }),
    document: parse(query),
    contextValue,
  });
  // As the gateway answers them: with the code of the error the resolver or analyzer threw.
  const errors = result.errors?.map((e) => ({
    ...e.toJSON(),
    extensions: { code: e.originalError instanceof SluiceError ? e.originalError.code : 'INTERNAL_SERVER_ERROR' },
  }));
  return JSON.parse(JSON.stringify({ ...result, ...(errors && { errors }) })) as GraphQLResponse;
}
