import { loadConfig } from '../../src/config/config.js';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import type { DeprecationUsage } from '../../src/response/deprecation-usage.js';
import type { AuditSink } from '../../src/response/audit.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment, type Deployment } from '../../src/server/load-catalog.js';
import type { PersistedManifest } from '../../src/server/persisted-manifest.js';

/** The demo API keys (sluice.yaml stores their hashes; the README lists them). */
export const KEYS = { analyst: 'demo-analyst-key', partner: 'demo-partner-key', admin: 'demo-admin-key' } as const;

export interface Answer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

let deployment: Promise<{ config: ReturnType<typeof loadConfig>; deployment: Deployment; engine: EmbeddedEngine }> | undefined;

/** The demo deployment (sluice.yaml), loaded once per test file. */
export function demoDeployment() {
  deployment ??= (async () => {
    const config = loadConfig('sluice.yaml');
    const engine = new EmbeddedEngine();
    return { config, engine, deployment: await loadDeployment(config, engine, { secrets: 'optional' }) };
  })();
  return deployment;
}

export interface GatewayOptions {
  readonly today?: string;
  readonly usage?: DeprecationUsage;
  readonly manifest?: PersistedManifest;
  readonly audit?: AuditSink;
}

/** A gateway over the demo deployment, in-process (yoga.fetch, no port). */
export async function demoGateway(o: GatewayOptions = {}): Promise<Gateway> {
  const { config, engine, deployment } = await demoDeployment();
  return createGateway({ config, ...deployment, engine, today: o.today ?? '2026-11-21', ...o });
}

/** POSTs a GraphQL request body with an API key (none for `key: ''`). */
export async function post(gateway: Gateway, body: unknown, key: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { 'x-api-key': key }), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

export const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.['code']);
