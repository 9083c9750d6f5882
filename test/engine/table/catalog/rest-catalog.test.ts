/**
 * The Iceberg REST catalog client (src/engine/table/catalog) against the
 * loopback stand-in (test/support/iceberg-rest-catalog.ts), which checks
 * every request and response against the official API description: each
 * test ends by asserting it found nothing wrong.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseLossless } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/config.js';
import { catalogsFromConfig } from '../../../../src/engine/table/catalog/catalogs-from-config.js';
import { parseTableIdentifier, type TableIdentifier } from '../../../../src/engine/table/catalog/table-catalog.js';
import { currentMetadata, restCatalogDescription } from '../../../support/iceberg-rest-catalog.js';
import { OpenApiDescription } from '../../../support/openapi-validator.js';
import {
  clientOf,
  failureOf,
  useStandIns,
  fixtureTables,
  FIXTURES,
  JAVA_BUNNIES,
  leaked,
  secretsOf,
  shown,
  SPARK_BUNNIES,
  tableCopy,
} from './catalog-support.js';

const CLIENT = { kind: 'client', clientId: 'sluice-reader', clientSecret: 'client-secret-7d41e0', scope: 'catalog' } as const;
const clients = { [CLIENT.clientId]: CLIENT.clientSecret };
const id = (text: string) => parseTableIdentifier(text) as TableIdentifier;
const SPARK = { namespace: ['spark'], name: 'bunnies', directory: SPARK_BUNNIES };

const standIn = useStandIns();

describe('the stand-in validates itself against the API description', () => {
  it('serves every fixture table as a LoadTableResult the description accepts, and the client keeps its metadata exactly', async () => {
    const roots = fixtureTables();
    expect(roots.length).toBeGreaterThanOrEqual(7);
    const s = await standIn({
      tables: roots.map((r, i) => ({ namespace: ['fixtures', `t${i}`], name: 'table', directory: join(FIXTURES, r) })),
      clients,
    });
    const { catalog } = clientOf(s, CLIENT);
    let above2to53 = 0;
    for (const [i, root] of roots.entries()) {
      const table = await catalog.loadTable(id(`fixtures.t${i}.table`), 'fixture');
      const file = currentMetadata(join(FIXTURES, root)).text;
      // Lossless on both sides: every number compared as the digits written.
      expect(parseLossless(table.metadataJson)).toEqual(parseLossless(file));
      const ids = [...file.matchAll(/"snapshot-id"\s*:\s*(\d+)/g)].map((m) => m[1]!);
      for (const digits of ids) expect(table.metadataJson).toContain(digits);
      above2to53 += ids.filter((d) => BigInt(d) > 2n ** 53n).length;
      expect(table.metadataLocation).toMatch(/\/metadata\/[^/]+\.metadata\.json$/);
    }
    // The check above means something: JSON.parse would have rounded these.
    expect(above2to53).toBeGreaterThan(0);
    expect(s.count('loadTable', 200)).toBe(roots.length);
  });

  it('records a response that breaks the description (a planted bug in the stand-in)', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    s.tamper = (route, body) => {
      if (route === 'config') return JSON.stringify({ defaults: {} }); // overrides is required
      if (route === 'loadTable')
        return body.replace('"metadata-location"', '"metadata_location"').replace('"format-version"', '"format_version"');
      return body;
    };
    const { catalog } = clientOf(s, CLIENT);
    await failureOf(catalog.loadTable(id('spark.bunnies'), 'bunnies'));
    expect(s.violations.join('\n')).toMatch(/getConfig response 200: body must have required property 'overrides'/);
    s.violations.length = 0;
  });

  it('records requests the description does not allow', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const tableUrl = `${s.url}/v1/namespaces/spark/tables/bunnies`;
    await fetch(`${s.url}/v1/config?warehouse=w&colour=red`, { headers: { authorization: 'Bearer x' } });
    await fetch(tableUrl, { headers: { 'x-iceberg-access-delegation': 'telepathy' } });
    await fetch(`${s.url}/v1/oauth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&client_id=a',
    });
    const found = s.violations.join('\n');
    expect(found).toMatch(/getConfig request: query parameter colour is not defined/);
    expect(found).toMatch(
      /loadTable request: header parameter X-Iceberg-Access-Delegation at \/0: must be equal to one of the allowed values/,
    );
    expect(found).toMatch(/loadTable request: the security requirement needs an Authorization: Bearer header/);
    expect(found).toMatch(/getToken request: body must have required property 'client_secret'; .*must match a schema in anyOf/);
    s.violations.length = 0;
  });

  it('compiles every schema of the description', () => {
    const d = restCatalogDescription();
    for (const name of [
      'CatalogConfig',
      'LoadTableResult',
      'LoadCredentialsResponse',
      'OAuthTokenResponse',
      'IcebergErrorResponse',
      'TableMetadata',
    ]) {
      expect(typeof d.schema(name)).toBe('function');
    }
    expect(d.problemsWith('StorageCredential', { prefix: 's3://b/', config: { 's3.access-key-id': 1 } })).toMatch(/must be string/);
  });

  it("reads oneOf as anyOf because the description's unions overlap: strictly read, a real table's integer default is invalid", () => {
    const strict = OpenApiDescription.load(join(FIXTURES, 'iceberg-rest-catalog-open-api.yaml'), { strictOneOf: true });
    // pyarrow's add_columns_with_defaults: `"initial-default": 342342` for an int column.
    expect(strict.problemsWith('PrimitiveTypeValue', 342342)).toMatch(/must match exactly one schema in oneOf/);
    expect(strict.problemsWith('PrimitiveTypeValue', '12345.00')).toMatch(/must match exactly one schema in oneOf/);
    const d = restCatalogDescription();
    expect(d.problemsWith('PrimitiveTypeValue', 342342)).toBeUndefined();
    expect(d.problemsWith('PrimitiveTypeValue', { value: 1 })).toMatch(/must match a schema in anyOf/);
    expect(d.problemsWith('Type', { type: 'struct', fields: 'none' })).toMatch(/must be array/);
  });
});

describe('GET /v1/config', () => {
  it('asks for the warehouse and takes the prefix from the overrides over the client setting', async () => {
    const s = await standIn({ tables: [SPARK], clients, warehouse: 'analytics', prefix: 'analytics-wh' });
    const { catalog } = clientOf(s, CLIENT, { warehouse: 'analytics', prefix: 'mine' });
    await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(s.requests.find((r) => r.route === 'config')?.query).toEqual({ warehouse: 'analytics' });
    expect(s.requests.find((r) => r.route === 'loadTable')?.path).toBe('/v1/analytics-wh/namespaces/spark/tables/bunnies');
  });

  it('takes the prefix from the defaults when the client sets none, and asks for config once', async () => {
    const s = await standIn({ tables: [SPARK], clients, prefix: 'wh-1', prefixIn: 'defaults' });
    const { catalog } = clientOf(s, CLIENT);
    for (let i = 0; i < 3; i++) await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(s.count('config')).toBe(1);
    expect(s.count('loadTable')).toBe(3);
  });

  it('an unknown warehouse is SOURCE_UNAVAILABLE; the next call asks again', async () => {
    const s = await standIn({ tables: [SPARK], clients, warehouse: 'analytics' });
    const { catalog, log } = clientOf(s, CLIENT, { warehouse: 'nope' });
    const e = await failureOf(catalog.loadTable(id('spark.bunnies'), 'bunnies'));
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.message).toBe('bunnies: the table catalog has no such table');
    expect(log.lines.at(-1)?.fields).toMatchObject({ route: 'config', status: 404, type: 'NoSuchWarehouseException' });
    await failureOf(catalog.loadTable(id('spark.bunnies'), 'bunnies'));
    expect(s.count('config')).toBe(2);
  });
});

describe('loadTable', () => {
  it('joins namespace levels with the unit separator (%1F), or with the separator the catalog advertises', async () => {
    const java = { namespace: ['pets', 'java'], name: 'bunnies', directory: JAVA_BUNNIES };
    const s = await standIn({ tables: [java], clients });
    await clientOf(s, CLIENT).catalog.loadTable(id('pets.java.bunnies'), 'bunnies');
    expect(s.requests.find((r) => r.route === 'loadTable')?.path).toBe('/v1/namespaces/pets%1Fjava/tables/bunnies');
    const dotted = await standIn({ tables: [java], clients, namespaceSeparator: '%2E' });
    await clientOf(dotted, CLIENT).catalog.loadTable(id('pets.java.bunnies'), 'bunnies');
    expect(dotted.requests.find((r) => r.route === 'loadTable')?.path).toBe('/v1/namespaces/pets.java/tables/bunnies');
  });

  it('reuses an answer for refreshSeconds, then revalidates with If-None-Match: an unchanged table is one small 304', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const { catalog } = clientOf(s, CLIENT, { refreshSeconds: 0.3 });
    const first = await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(await catalog.loadTable(id('spark.bunnies'), 'bunnies')).toBe(first);
    expect(s.count('loadTable')).toBe(1);
    await new Promise((ok) => setTimeout(ok, 350));
    expect(await catalog.loadTable(id('spark.bunnies'), 'bunnies')).toBe(first);
    const [full, revalidation] = s.requests.filter((r) => r.route === 'loadTable');
    expect(full!.status).toBe(200);
    expect(revalidation!.status).toBe(304);
    expect(revalidation!.headers['if-none-match']).toBe(first.version);
    expect(revalidation!.bytes).toBe(0);
    expect(full!.bytes).toBeGreaterThan(5000);
    expect(catalog.stats()).toMatchObject({ tablesLoaded: 1, notModified: 1 });
  });

  it('a commit is seen at the next revalidation: new metadata, new version', async () => {
    const dir = tableCopy(SPARK_BUNNIES);
    const s = await standIn({ tables: [{ ...SPARK, directory: dir }], clients });
    const { catalog } = clientOf(s, CLIENT);
    const before = await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(before.metadataLocation).toBe('s3a://hyperparam-iceberg/spark/bunnies/metadata/v5.metadata.json');
    writeFileSync(join(dir, 'metadata/version-hint.text'), '4'); // the stand-in's "current" moves
    const after = await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(after.metadataLocation).toBe('s3a://hyperparam-iceberg/spark/bunnies/metadata/v4.metadata.json');
    expect(after.version).not.toBe(before.version);
    expect(parseLossless(after.metadataJson)).toEqual(parseLossless(readFileSync(join(dir, 'metadata/v4.metadata.json'), 'utf8')));
  });

  it('shares one request between concurrent callers', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const { catalog } = clientOf(s, CLIENT);
    const tables = await Promise.all(Array.from({ length: 8 }, () => catalog.loadTable(id('spark.bunnies'), 'bunnies')));
    expect(new Set(tables).size).toBe(1);
    expect(s.count('loadTable')).toBe(1);
    expect(s.count('token')).toBe(1);
  });

  it('a missing table is SOURCE_UNAVAILABLE naming the product, not the table, the catalog or its words', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const { catalog, log } = clientOf(s, CLIENT);
    const e = await failureOf(catalog.loadTable(id('sales.orders'), 'orders'));
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.httpStatus).toBe(503);
    expect(e.message).toBe('orders: the table catalog has no such table');
    expect(s.count('loadTable')).toBe(1); // a 404 is not retried
    // The operator's log has what the caller does not.
    expect(log.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({
          catalog: 'lake',
          table: 'sales.orders',
          status: 404,
          type: 'NoSuchTableException',
          catalogMessage: 'The given table does not exist',
        }),
      }),
    ]);
  });

  it('a table dropped after it was loaded fails at once (never a stale answer after a 404)', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const { catalog } = clientOf(s, CLIENT);
    await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    s.removeTable(['spark'], 'bunnies');
    expect((await failureOf(catalog.loadTable(id('spark.bunnies'), 'bunnies'))).message).toBe(
      'bunnies: the table catalog has no such table',
    );
  });

  it('a catalog that requires server-side scan planning is refused', async () => {
    const s = await standIn({ tables: [SPARK], clients, tableConfig: { 'scan-planning-mode': 'server' } });
    const e = await failureOf(clientOf(s, CLIENT).catalog.loadTable(id('spark.bunnies'), 'bunnies'));
    expect(e.message).toBe('bunnies: the table catalog requires server-side scan planning, which Sluice does not do');
  });
});

describe('retries, deadlines and stale answers', () => {
  it('retries 5xx with backoff and succeeds', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    s.fail({ route: 'loadTable', status: 500, times: 2 });
    const { catalog } = clientOf(s, CLIENT);
    await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(s.requests.filter((r) => r.route === 'loadTable').map((r) => r.status)).toEqual([500, 500, 200]);
    expect(catalog.stats().retries).toBe(2);
  });

  it('gives up after maxAttempts: SOURCE_UNAVAILABLE with the status and attempts only', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    s.fail({ route: 'loadTable', status: 503 });
    const e = await failureOf(clientOf(s, CLIENT).catalog.loadTable(id('spark.bunnies'), 'bunnies'));
    expect(e.message).toBe('bunnies: the table catalog is unavailable (HTTP 503, 3 attempts)');
    expect(s.count('loadTable')).toBe(3);
  });

  it('callers waiting on one failed request each get the error; the operator gets one log line', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    s.fail({ route: 'loadTable', status: 500 });
    const { catalog, log } = clientOf(s, CLIENT);
    const errors = await Promise.all(['orders', 'returns'].map((label) => failureOf(catalog.loadTable(id('spark.bunnies'), label))));
    expect(errors.map((e) => e.message)).toEqual([
      'orders: the table catalog is unavailable (HTTP 500, 3 attempts)',
      'returns: the table catalog is unavailable (HTTP 500, 3 attempts)',
    ]);
    expect(log.lines).toHaveLength(1);
  });

  it('an answer slower than the attempt deadline is abandoned and retried; always slow, unavailable', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    s.fail({ route: 'loadTable', delayMs: 600, times: 1 });
    const { catalog } = clientOf(s, CLIENT, { requestTimeoutMs: 200 });
    await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(catalog.stats().retries).toBe(1);
    s.fail({ route: 'config', delayMs: 600 });
    const other = clientOf(s, CLIENT, { requestTimeoutMs: 200, maxAttempts: 2 }).catalog;
    expect((await failureOf(other.loadTable(id('spark.bunnies'), 'bunnies'))).message).toBe(
      'bunnies: the table catalog is unavailable (no answer within the request deadline, 2 attempts)',
    );
    await new Promise((ok) => setTimeout(ok, 700)); // let the slow answers finish before the stand-in closes
  });

  it('serves the last answer while the catalog is down, but not once it denies access', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const { catalog, log } = clientOf(s, CLIENT);
    const held = await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    s.fail({ route: 'loadTable', status: 500, times: 3 });
    expect(await catalog.loadTable(id('spark.bunnies'), 'bunnies')).toBe(held);
    expect(log.lines.at(-1)?.fields).toMatchObject({ kind: 'transient', reason: 'HTTP 500', attempts: 3, servedLastAnswer: true });
    s.fail({ route: 'loadTable', status: 403, times: 1 });
    expect((await failureOf(catalog.loadTable(id('spark.bunnies'), 'bunnies'))).message).toBe(
      'bunnies: the table catalog denied access to the table',
    );
  });
});

describe('authentication', () => {
  it('gets one token with client credentials and sends it on every request', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const { catalog } = clientOf(s, CLIENT);
    for (let i = 0; i < 3; i++) await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(s.count('token')).toBe(1);
    const [token] = s.tokens.keys();
    expect(s.requests.filter((r) => r.route !== 'token').every((r) => r.token === token)).toBe(true);
  });

  it('renews the token before it expires: no request ever carries an expired one', async () => {
    const s = await standIn({ tables: [SPARK], clients, tokenLifetimeSeconds: 1 });
    const { catalog } = clientOf(s, CLIENT);
    const until = Date.now() + 2600;
    while (Date.now() < until) {
      await catalog.loadTable(id('spark.bunnies'), 'bunnies');
      await new Promise((ok) => setTimeout(ok, 50));
    }
    expect(s.count('token')).toBeGreaterThanOrEqual(3);
    expect(s.expiredTokenUses).toBe(0);
    expect(s.requests.filter((r) => r.status === 401)).toEqual([]);
  });

  it('a token the catalog no longer accepts (401) is replaced once and the request sent again', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const { catalog } = clientOf(s, CLIENT);
    await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    s.revokeTokens();
    await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(s.requests.map((r) => `${r.route} ${r.status}`)).toEqual([
      'token 200',
      'config 200',
      'loadTable 200',
      'loadTable 401',
      'token 200',
      'loadTable 304',
    ]);
  });

  it('refused client credentials are SOURCE_UNAVAILABLE (not FORBIDDEN: the deployment is at fault), with a log line for the operator', async () => {
    const s = await standIn({ tables: [SPARK], clients });
    const { catalog, log } = clientOf(s, { ...CLIENT, clientSecret: 'wrong-secret-0c9b2f' });
    const e = await failureOf(catalog.loadTable(id('spark.bunnies'), 'bunnies'));
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.message).toBe('bunnies: the table catalog denied access to the table');
    expect(log.lines.at(-1)?.fields).toMatchObject({ route: 'token', status: 401, error: 'invalid_client: refused by the stand-in' });
    expect(s.count('token')).toBe(1);
  });

  it('a static bearer token is sent as it is; refused, it is not retried', async () => {
    const s = await standIn({ tables: [SPARK], staticTokens: ['static-token-5e2a91'] });
    await clientOf(s, { kind: 'token', token: 'static-token-5e2a91' }).catalog.loadTable(id('spark.bunnies'), 'bunnies');
    expect(s.requests.every((r) => r.token === 'static-token-5e2a91')).toBe(true);
    s.reset();
    const e = await failureOf(clientOf(s, { kind: 'token', token: 'stale-token-aa01' }).catalog.loadTable(id('spark.bunnies'), 'bunnies'));
    expect(e.message).toBe('bunnies: the table catalog denied access to the table');
    expect(s.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['config 401']);
  });

  it('no secret reaches a log line, an error or the stats, whatever fails', async () => {
    const s = await standIn({ tables: [SPARK], clients, tokenLifetimeSeconds: 1, vend: { lifetimeMs: 60_000, region: 'eu-west-1' } });
    const { catalog, log } = clientOf(s, CLIENT, { accessDelegation: 'vended-credentials' });
    const errors = [];
    await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    s.revokeTokens();
    await catalog.loadTable(id('spark.bunnies'), 'bunnies');
    s.fail({ route: 'loadTable', status: 401, times: 2 });
    errors.push(await failureOf(catalog.loadTable(id('spark.bunnies'), 'bunnies')));
    s.fail({ route: 'loadTable', status: 500, times: 3 });
    await catalog.loadTable(id('spark.bunnies'), 'bunnies'); // stale answer, logged
    errors.push(await failureOf(catalog.loadTable(id('spark.missing'), 'bunnies')));
    errors.push(
      await failureOf(clientOf(s, { ...CLIENT, clientSecret: 'wrong-secret-0c9b2f' }).catalog.loadTable(id('spark.bunnies'), 'b')),
    );
    // A catalog that echoes a token in its error message (some do) is scrubbed too.
    const [token] = [...s.tokens.keys()].slice(-1);
    s.tamper = (route, body) =>
      route === 'loadTable' && body.includes('"error"') ? body.replace('scripted failure', `token ${token} is not allowed`) : body;
    s.fail({ route: 'loadTable', status: 403, times: 1 });
    errors.push(await failureOf(catalog.loadTable(id('spark.bunnies'), 'bunnies')));
    expect(log.lines.some((l) => String(l.fields['catalogMessage']).includes('token [redacted] is not allowed'))).toBe(true);
    const secrets = secretsOf(s, [CLIENT.clientSecret, 'wrong-secret-0c9b2f']);
    expect(secrets.length).toBeGreaterThan(6);
    const texts = [...log.lines.map((l) => JSON.stringify(l)), ...errors.map(shown), JSON.stringify(catalog.stats())];
    expect(leaked(texts, secrets)).toEqual([]);
    // The check can fail: the vended key is in the table's storage grants, which never reach a log.
    const grant = await (await catalog.loadTable(id('spark.bunnies'), 'bunnies')).storage[0]!.credentials();
    expect(leaked([JSON.stringify(grant)], secrets)).toContain(grant.secretAccessKey);
  });
});

describe('from sluice.yaml', () => {
  it('catalogsFromConfig makes a client per catalog with its secrets from the environment', async () => {
    const s = await standIn({ tables: [SPARK], clients, warehouse: 'analytics', prefix: 'wh', vend: { lifetimeMs: 60_000 } });
    const dir = mkdtempSync(join(tmpdir(), 'sluice-catalogs-'));
    const file = join(dir, 'sluice.yaml');
    writeFileSync(
      file,
      `catalogs:\n  lake:\n    type: rest\n    uri: ${s.url}\n    warehouse: analytics\n    credential: { clientIdEnv: SLUICE_TEST_LAKE_ID, clientSecretEnv: SLUICE_TEST_LAKE_SECRET }\n    accessDelegation: vended-credentials\n`,
    );
    process.env['SLUICE_TEST_LAKE_ID'] = CLIENT.clientId;
    process.env['SLUICE_TEST_LAKE_SECRET'] = CLIENT.clientSecret;
    try {
      const catalogs = catalogsFromConfig(loadConfig(file).raw.catalogs);
      expect([...catalogs.keys()]).toEqual(['lake']);
      const table = await catalogs.get('lake')!.loadTable(id('spark.bunnies'), 'bunnies');
      expect(table.metadataLocation).toMatch(/v5\.metadata\.json$/);
      expect(table.storage).toHaveLength(1);
      expect(s.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['token 200', 'config 200', 'loadTable 200']);
    } finally {
      delete process.env['SLUICE_TEST_LAKE_ID'];
      delete process.env['SLUICE_TEST_LAKE_SECRET'];
    }
  });
});

describe('parseTableIdentifier', () => {
  it('takes namespace levels and a table name, dot-separated', () => {
    expect(parseTableIdentifier('sales.orders')).toEqual({ namespace: ['sales'], name: 'orders' });
    expect(parseTableIdentifier('a.b.c')).toEqual({ namespace: ['a', 'b'], name: 'c' });
    expect(parseTableIdentifier('orders')).toMatch(/namespace\.table/);
    expect(parseTableIdentifier('sales..orders')).toMatch(/non-empty/);
    expect(parseTableIdentifier('sales.or\u001fders')).toMatch(/control characters/);
  });
});
