import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { createEngine } from '../../src/server/create-engine.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { writeYaml } from '../support/counting-gateway.js';
import { openDemo, type Demo } from '../support/demo.js';
import { IcebergRestCatalogStandIn } from '../support/iceberg-rest-catalog.js';

/**
 * An Iceberg product found through a REST catalog (docs/iceberg.md), end to end:
 * `catalogs:` in sluice.yaml, a contract with `source: { catalog, table }`,
 * OAuth client credentials, loadTable, the table's files read where the
 * catalog says it lives. The catalog is the loopback stand-in, which checks
 * every request and response against the official API description
 * (test/support/iceberg-rest-catalog.ts says what it cannot prove). The
 * answers must equal the same product read from storage directly.
 */
const TABLE = resolve('products/order_events/table');
const ID_ENV = 'SLUICE_TEST_LAKE_CLIENT_ID';
const SECRET_ENV = 'SLUICE_TEST_LAKE_CLIENT_SECRET';
let catalog: IcebergRestCatalogStandIn;
let dir: string;
let viaCatalog: Demo;
let direct: Demo;

function deployment(root: string, source: Record<string, unknown>): string {
  const contract = parse(readFileSync('products/order_events/v1.yaml', 'utf8')) as Record<string, unknown>;
  writeYaml(join(root, 'products/order_events/v1.yaml'), { ...contract, source, relationships: [] });
  writeYaml(join(root, 'policies/order_events-admin.yaml'), parse(readFileSync('policies/order_events-admin.yaml', 'utf8')));
  const config = parse(readFileSync('sluice.yaml', 'utf8')) as Record<string, unknown>;
  const file = join(root, 'sluice.yaml');
  writeYaml(file, {
    server: config['server'],
    auth: config['auth'],
    products: './products',
    policies: './policies',
    catalogs: { lake: { type: 'rest', uri: catalog.url, credential: { clientIdEnv: ID_ENV, clientSecretEnv: SECRET_ENV } } },
  });
  return file;
}

beforeAll(async () => {
  process.env[ID_ENV] = 'sluice-test';
  process.env[SECRET_ENV] = 'lake-secret-not-for-logs';
  catalog = await IcebergRestCatalogStandIn.start({
    clients: { 'sluice-test': 'lake-secret-not-for-logs' },
    tables: [{ namespace: ['sales'], name: 'order_events', directory: TABLE, location: TABLE }],
  });
  dir = mkdtempSync(join(tmpdir(), 'sluice-iceberg-catalog-'));
  viaCatalog = await openDemo(deployment(join(dir, 'catalog'), { format: 'iceberg', catalog: 'lake', table: 'sales.order_events' }));
  direct = await openDemo(deployment(join(dir, 'direct'), { format: 'iceberg', location: TABLE }));
});
afterAll(async () => {
  await viaCatalog?.engine.close();
  await direct?.engine.close();
  await catalog?.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env[ID_ENV];
  delete process.env[SECRET_ENV];
});

describe('an Iceberg product through a REST catalog', () => {
  it('answers as the same table read from storage, every request and response conforming to the REST catalog API', async () => {
    for (const query of [
      '{ orderEventsV1(first: 30, orderBy: [{ event_time: DESC }]) { nodes { event_id status region warehouse event_time } totalCount } }',
      '{ orderEventsV1(first: 5, asOf: { ref: "initial-load" }, where: { status: { eq: "paid" } }) { nodes { event_id } totalCount } }',
      '{ orderEventsV1Aggregate(groupBy: [region]) { key { region } count } }',
    ]) {
      const [a, b] = await Promise.all([viaCatalog.query(query), direct.query(query)]);
      expect(a.errors).toBeUndefined();
      expect(a.data).toEqual(b.data);
      const lineage = (r: typeof a) => (r.extensions!['lineage'] as { products: { snapshot: unknown; sources: unknown[] }[] }).products[0]!;
      expect(lineage(a).snapshot).toEqual(lineage(b).snapshot);
      expect(lineage(a).sources).toEqual(lineage(b).sources);
    }
    expect(catalog.requests.some((r) => r.route === 'token')).toBe(true);
    expect(catalog.requests.some((r) => r.route === 'loadTable')).toBe(true);
    expect(catalog.violations).toEqual([]);
  });

  it('a table the catalog does not have fails contract validation with SOURCE_UNAVAILABLE, naming neither the catalog address nor the secret', async () => {
    const root = join(dir, 'missing');
    const file = deployment(root, { format: 'iceberg', catalog: 'lake', table: 'sales.nowhere' });
    const config = loadConfig(file);
    const failure = loadDeployment(config, createEngine(config), { secrets: 'optional' });
    await expect(failure).rejects.toThrow(/source lake:sales\.nowhere/);
    const message = await failure.catch((e: Error) => e.message);
    expect(message).not.toContain(catalog.url);
    expect(message).not.toContain('lake-secret-not-for-logs');
    expect(catalog.violations).toEqual([]);
  });
});
