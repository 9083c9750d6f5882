import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig, maskingKey } from '../../src/config/config.js';
import { EmbeddedEngine, type ScanReport } from '../../src/engine/engine.js';
import type { PlanNode } from '../../src/plan/plan.js';
import { maskValuesWith } from '../../src/policy/mask-value.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { DEMO_KEYS, type Demo, type GraphQLResponse } from './demo.js';

/**
 * A gateway whose engine counts what it runs: every plan handed to
 * `execute` and every scan report it returns. The relationship and
 * aggregate tests count plans and scans through it ("one customer scan for a
 * page of 500 orders"), never infer them from timing.
 */
export class CountingEngine extends EmbeddedEngine {
  readonly plans: PlanNode[] = [];
  readonly scans: ScanReport[] = [];

  override async execute(...args: Parameters<EmbeddedEngine['execute']>): ReturnType<EmbeddedEngine['execute']> {
    this.plans.push(args[0]);
    const result = await super.execute(...args);
    this.scans.push(...result.scans);
    return result;
  }

  reset(): void {
    this.plans.length = 0;
    this.scans.length = 0;
  }

  /** Scans of one product executed since the last reset. */
  scansOf(product: string): ScanReport[] {
    return this.scans.filter((s) => s.product === product);
  }

  /**
   * What the scans since the last reset read, as operators see it (traces,
   * metrics): per scan, per file (by name), row groups and rows. Sorted, so
   * plans that ran concurrently compare whatever order they finished in.
   */
  reads(): string[] {
    return this.scans
      .map((s) => `${s.product}: ${s.sources.map((f) => `${f.uri.split('/').pop()} ${f.rowGroupsScanned}g ${f.rowsScanned}r`).join(', ')}`)
      .sort();
  }
}

export interface CountedGateway extends Demo {
  readonly engine: CountingEngine;
}

/** A deployment (default: the demo's sluice.yaml) served in-process over a counting engine; requests carry the admin key unless told otherwise. */
export async function openCounted(configFile = 'sluice.yaml'): Promise<CountedGateway> {
  const config = loadConfig(configFile);
  const engine = new CountingEngine({ maskValues: maskValuesWith(maskingKey(config)) });
  const gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine, today: '2026-11-21' });
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

// --- temporary deployments ---------------------------------------------------------

export interface TestKey {
  readonly id: string;
  /** In clear; the config stores its SHA-256. */
  readonly key: string;
  readonly roles: readonly string[];
  readonly attributes?: Record<string, unknown>;
}

export function writeYaml(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stringify(value));
}

/** A demo contract as data, to change and write elsewhere (its source made absolute unless `location` is given). */
export function demoContract(
  product: string,
  major: number,
  location?: string,
): Record<string, unknown> & { limits?: Record<string, unknown> } {
  const file = resolve('products', product, `v${major}.yaml`);
  const contract = parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { source: { location: string } };
  return { ...contract, source: { ...contract.source, location: location ?? resolve(dirname(file), contract.source.location) } };
}

/**
 * Writes `<dir>/sluice.yaml` with these policies (file name → policy) and
 * keys, over `products` (default: the demo's products folder). Returns the
 * config's path.
 */
export function writeDeployment(
  dir: string,
  spec: { readonly policies: Record<string, unknown>; readonly keys: readonly TestKey[]; readonly products?: string },
): string {
  for (const [name, policy] of Object.entries(spec.policies)) writeYaml(join(dir, 'policies', `${name}.yaml`), policy);
  const file = join(dir, 'sluice.yaml');
  writeYaml(file, {
    server: { introspection: true },
    products: spec.products ?? resolve('products'),
    policies: './policies',
    auth: {
      apiKeys: spec.keys.map(({ key, ...k }) => ({ ...k, subject: k.id, sha256: createHash('sha256').update(key).digest('hex') })),
    },
    masking: { hashKeyEnv: 'SLUICE_HASH_KEY' },
  });
  return file;
}

/** The lineage paths of a response, as `a.b.c`. */
export function lineagePaths(res: GraphQLResponse): string[] {
  const lineage = res.extensions?.['lineage'] as { products: { path: string[] }[] } | undefined;
  return (lineage?.products ?? []).map((p) => p.path.join('.'));
}
