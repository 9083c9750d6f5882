/**
 * The whole path a lakehouse deployment takes, through the gateway: a
 * contract naming a table of a REST catalog (`catalogs:` with
 * `accessDelegation: vended-credentials`), the catalog vending short-lived
 * S3 credentials for the table's prefix, the table's metadata, manifests
 * and data files read from S3 with them, and answers equal to the same
 * table read from local storage.
 *
 * S3 is s3rver behind a proxy (test/s3/fault-proxy.ts) that plays S3's
 * credential check, which s3rver leaves out: it lets a request through only
 * when it carries a key the catalog stand-in vended and that had not expired
 * when it arrived. The deployment's own credentials are refused, so an
 * answer proves the vended ones were used. s3rver checks no signature: what
 * is proven is that the right key id and session token are sent while
 * valid, not that AWS would accept the signature.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FaultProxy } from '../s3/fault-proxy.js';
import { startS3, type TestS3 } from '../s3/s3-server.js';
import { writeYaml } from '../support/counting-gateway.js';
import { openDemo, type Demo, type GraphQLResponse } from '../support/demo.js';
import { IcebergRestCatalogStandIn } from '../support/iceberg-rest-catalog.js';

const TABLE = resolve('products/order_events/table');
const LOCATION = 's3://lake/warehouse/sales/order_events';
const ID_ENV = 'SLUICE_TEST_VEND_CLIENT_ID';
const SECRET_ENV = 'SLUICE_TEST_VEND_CLIENT_SECRET';
const CLIENT_SECRET = 'vend-secret-not-for-logs';
const AWS_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

let s3: TestS3;
let proxy: FaultProxy;
let catalog: IcebergRestCatalogStandIn;
let dir: string;
let viaS3: Demo;
let local: Demo;
const aliases: Record<string, string> = {};
const savedEnv: Partial<Record<(typeof AWS_KEYS)[number], string>> = {};

function deployment(root: string, source: Record<string, unknown>, extra: Record<string, unknown>): string {
  const contract = parse(readFileSync('products/order_events/v1.yaml', 'utf8')) as Record<string, unknown>;
  writeYaml(join(root, 'products/order_events/v1.yaml'), { ...contract, source, relationships: [] });
  for (const p of ['admin', 'analyst'])
    writeYaml(join(root, `policies/order_events-${p}.yaml`), parse(readFileSync(`policies/order_events-${p}.yaml`, 'utf8')));
  const config = parse(readFileSync('sluice.yaml', 'utf8')) as Record<string, unknown>;
  const file = join(root, 'sluice.yaml');
  writeYaml(file, { server: config['server'], auth: config['auth'], products: './products', policies: './policies', ...extra });
  return file;
}

beforeAll(async () => {
  s3 = await startS3();
  // The deployment's own credentials, which "S3" (the proxy) refuses: an answer means vended ones were used.
  for (const k of AWS_KEYS) savedEnv[k] = process.env[k];
  process.env['AWS_ACCESS_KEY_ID'] = 'DEPLOYMENTKEY';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'deployment-secret';
  process.env[ID_ENV] = 'sluice-gateway';
  process.env[SECRET_ENV] = CLIENT_SECRET;
  proxy = await FaultProxy.start(s3.endpoint, { accessKeyAliases: aliases });
  await s3.createBucket('lake');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const file of walk(TABLE)) await s3.putFile('lake', `warehouse/sales/order_events/${relative(TABLE, file)}`, file);
  catalog = await IcebergRestCatalogStandIn.start({
    clients: { 'sluice-gateway': CLIENT_SECRET },
    tables: [{ namespace: ['sales'], name: 'order_events', directory: TABLE, location: LOCATION }],
    vend: { lifetimeMs: 10 * 60_000, endpoint: proxy.url, region: 'us-east-1', pathStyle: true },
    // s3rver knows one account: the proxy passes a vended key on as that account once it has checked it.
    onVend: (c) => (aliases[c.accessKeyId] = 'S3RVER'),
  });
  proxy.add({
    match: (r) => r.bucket === 'lake' && !catalog.keyValidAt(r.accessKeyId, r.at),
    fault: { kind: 'status', status: 403, code: 'AccessDenied' },
  });
  dir = mkdtempSync(join(tmpdir(), 'sluice-iceberg-vended-'));
  viaS3 = await openDemo(
    deployment(
      join(dir, 's3'),
      { format: 'iceberg', catalog: 'lake', table: 'sales.order_events' },
      {
        catalogs: {
          lake: {
            type: 'rest',
            uri: catalog.url,
            credential: { clientIdEnv: ID_ENV, clientSecretEnv: SECRET_ENV },
            accessDelegation: 'vended-credentials',
          },
        },
        storage: { s3: { endpoint: proxy.url, region: 'us-east-1', forcePathStyle: true } },
      },
    ),
  );
  local = await openDemo(deployment(join(dir, 'local'), { format: 'iceberg', location: TABLE }, {}));
}, 120_000);

afterAll(async () => {
  await viaS3?.engine.close();
  await local?.engine.close();
  await catalog?.close();
  await proxy?.close();
  await s3?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  for (const k of AWS_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  delete process.env[ID_ENV];
  delete process.env[SECRET_ENV];
});

const ANALYST = { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' };
const comparable = (r: GraphQLResponse) => JSON.stringify({ data: r.data, errors: r.errors });

describe('an Iceberg table through a REST catalog, read from S3 with vended credentials', () => {
  it('answers every snapshot as the local copy, for admin and analyst, every S3 request signed with a valid vended key', async () => {
    proxy.log.length = 0;
    for (const query of [
      '{ orderEventsV1(first: 40, orderBy: [{ event_id: ASC }]) { nodes { event_id order_id status region event_time } totalCount } }',
      '{ orderEventsV1(first: 10, asOf: { ref: "initial-load" }, where: { status: { eq: "paid" } }) { nodes { event_id } totalCount } }',
      '{ orderEventsV1(first: 10, asOf: { ref: "before-erasure" }) { nodes { event_id region } totalCount } }',
      '{ orderEventsV1Aggregate(groupBy: [region]) { key { region } count } }',
    ]) {
      for (const headers of [{}, ANALYST]) {
        const [there, here] = await Promise.all([viaS3.query(query, {}, headers), local.query(query, {}, headers)]);
        expect(there.errors, JSON.stringify(there.errors)).toBeUndefined();
        expect(comparable(there)).toBe(comparable(here));
      }
    }
    const sent = proxy.log.filter((r) => r.bucket === 'lake');
    expect(sent.length).toBeGreaterThan(0);
    // No request went with the deployment's key, and each carried its vended key's own session token.
    expect(sent.filter((r) => !catalog.keyValidAt(r.accessKeyId, r.at))).toEqual([]);
    for (const r of sent) expect(r.sessionToken).toBe(catalog.vended.find((v) => v.accessKeyId === r.accessKeyId)!.sessionToken);
    expect(catalog.violations).toEqual([]);
  });

  it('lineage names the objects read in the bucket the catalog gave, never the catalog secret or a vended secret', async () => {
    const res = await viaS3.query('{ orderEventsV1(first: 3) { nodes { event_id } } }');
    const text = JSON.stringify(res);
    const sources = (res.extensions!['lineage'] as { products: { sources: { uri: string }[] }[] }).products[0]!.sources;
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(s.uri.startsWith(`${LOCATION}/data/`)).toBe(true);
    expect(text).not.toContain(CLIENT_SECRET);
    for (const v of catalog.vended) {
      expect(text).not.toContain(v.secretAccessKey);
      expect(text).not.toContain(v.sessionToken);
    }
  });
});
