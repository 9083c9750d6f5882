import { loadConfig } from '../../src/config/config.js';
import { Engine } from '../../src/engine/engine.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadCatalog } from '../../src/server/load-catalog.js';

/** The demo deployment (sluice.yaml), in-process: requests go through yoga.fetch, no port. */
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

export async function openDemo(configFile = 'sluice.yaml'): Promise<Demo> {
  const config = loadConfig(configFile);
  const engine = new Engine();
  const catalog = await loadCatalog(config.productsDir, engine);
  const gateway = createGateway({ config, catalog, engine, today: '2026-11-21' });
  return {
    gateway,
    engine,
    async query(query, variables, headers) {
      const res = await gateway.fetch('http://sluice.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse;
    },
  };
}
