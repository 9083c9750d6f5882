import { loadConfig, type LimitsConfig, type SluiceConfig } from '../../src/config/config.js';
import type { Engine } from '../../src/engine/engine.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';

/** The demo API keys (sluice.yaml stores their hashes; README lists them). */
export const DEMO_KEYS = { analyst: 'demo-analyst-key', partner: 'demo-partner-key', admin: 'demo-admin-key' } as const;

/**
 * The demo deployment (sluice.yaml), in-process: requests go through
 * yoga.fetch, no port. Requests carry the admin key unless `headers` say
 * otherwise (`{ 'x-api-key': '' }` to go without).
 */
export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface Demo {
  readonly gateway: Gateway;
  readonly engine: Engine;
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
}

/**
 * `engineFor`: makes the engine (say, with an object store the caller keeps a handle on); default createEngine.
 * `limits`: server.limits to change from the config file's.
 */
export async function openDemo(
  configFile = 'sluice.yaml',
  engineFor: (config: SluiceConfig) => Engine = createEngine,
  limits: Partial<LimitsConfig> = {},
): Promise<Demo> {
  const loaded = loadConfig(configFile);
  const config = { ...loaded, server: { ...loaded.server, limits: { ...loaded.server.limits, ...limits } } };
  const engine = engineFor(config);
  const gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine, today: '2026-11-21' });
  // As `serve` does before it says it is ready.
  await engine.ready();
  return {
    gateway,
    engine,
    async query(query, variables, headers) {
      const sent = Object.entries({ 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin, ...headers }).filter(
        ([, v]) => v !== '',
      );
      const res = await gateway.fetch('http://sluice.test/graphql', {
        method: 'POST',
        headers: Object.fromEntries(sent),
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse;
    },
  };
}

/**
 * A response's text without what differs between runs or deployments by
 * design: query and decision ids, the contract hash, file names and etags.
 * Everything else (data, errors, row groups read, policies, masks) stays, in
 * the order the gateway wrote it.
 */
export function comparableText(text: string): string {
  type Lineage = {
    queryId?: string;
    decisionId?: string;
    products?: { contractHash?: string; sources?: { uri?: string; etag?: string }[] }[];
  };
  const body = JSON.parse(text) as GraphQLResponse & { extensions?: { lineage?: Lineage } };
  const lineage = body.extensions?.lineage;
  if (lineage) {
    delete lineage.queryId;
    delete lineage.decisionId;
    for (const p of lineage.products ?? []) {
      delete p.contractHash;
      for (const s of p.sources ?? []) {
        delete s.uri;
        delete s.etag;
      }
    }
  }
  return JSON.stringify(body);
}
