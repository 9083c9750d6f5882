/**
 * Vended storage credentials: what the catalog client makes of them
 * (per-table grants for the S3 store), their renewal before expiry, and, end
 * to end, S3 reads signed with them while they expire and are renewed
 * under a long read.
 *
 * The S3 part runs s3rver behind a proxy (test/s3/fault-proxy.ts) that
 * plays the part of S3's credential check, which s3rver does not do: it
 * accepts a request only when its access key id is one the stand-in
 * catalog vended and that has not expired at that moment, and records
 * which key and session token each request carried. s3rver checks no
 * signatures, so what is proven is that the right key id and session token
 * are sent while valid, not that AWS would accept the signature.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3SourceStore } from '../../../../src/engine/storage/s3-store.js';
import { S3RequestFailure } from '../../../../src/engine/storage/s3-requests.js';
import { parseTableIdentifier, type TableIdentifier } from '../../../../src/engine/table/catalog/table-catalog.js';
import { storageGrantsOf } from '../../../../src/engine/table/catalog/vended-credentials.js';
import { type VendedCredential } from '../../../support/iceberg-rest-catalog.js';
import { FaultProxy } from '../../../s3/fault-proxy.js';
import { startS3, type TestS3 } from '../../../s3/s3-server.js';
import { clientOf, failureOf, useStandIns, leaked, secretsOf, shown, SPARK_BUNNIES } from './catalog-support.js';

const CLIENT = { kind: 'client', clientId: 'sluice-reader', clientSecret: 'client-secret-3b8e51', scope: 'catalog' } as const;
const clients = { [CLIENT.clientId]: CLIENT.clientSecret };
const BUNNIES = parseTableIdentifier('spark.bunnies') as TableIdentifier;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

const standIn = useStandIns();

describe('grants from a catalog answer', () => {
  const vend = { lifetimeMs: 60_000, endpoint: 'http://127.0.0.1:9', region: 'eu-west-1', pathStyle: true };

  it('storage-credentials entries become grants for their prefix (s3a:// written as s3://), with the endpoint and region', async () => {
    const s = await standIn({ tables: [{ namespace: ['spark'], name: 'bunnies', directory: SPARK_BUNNIES }], clients, vend });
    const { catalog } = clientOf(s, CLIENT, { accessDelegation: 'vended-credentials' });
    const table = await catalog.loadTable(BUNNIES, 'bunnies');
    expect(s.requests.find((r) => r.route === 'loadTable')?.headers['x-iceberg-access-delegation']).toBe('vended-credentials');
    const [access] = table.storage;
    expect(table.storage).toHaveLength(1);
    expect(access).toMatchObject({
      prefix: 's3://hyperparam-iceberg/spark/bunnies',
      endpoint: 'http://127.0.0.1:9',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    const vended = s.vended[0]!;
    expect(await access!.credentials()).toEqual({
      accessKeyId: vended.accessKeyId,
      secretAccessKey: vended.secretAccessKey,
      sessionToken: vended.sessionToken,
      expiration: new Date(vended.expiresAtMs),
    });
    // The grant id names the table and prefix, never a secret.
    expect(leaked([access!.id], secretsOf(s, []))).toEqual([]);
  });

  it('s3.* keys in the table config become one grant for every S3 location of the table', async () => {
    const s = await standIn({
      tables: [{ namespace: ['spark'], name: 'bunnies', directory: SPARK_BUNNIES }],
      clients,
      vend: { ...vend, form: 'config' },
    });
    const table = await clientOf(s, CLIENT, { accessDelegation: 'vended-credentials' }).catalog.loadTable(BUNNIES, 'bunnies');
    expect(table.storage.map((a) => a.prefix)).toEqual(['s3://']);
    expect((await table.storage[0]!.credentials()).accessKeyId).toBe(s.vended[0]!.accessKeyId);
  });

  it('nothing is asked for or used without accessDelegation', async () => {
    const s = await standIn({ tables: [{ namespace: ['spark'], name: 'bunnies', directory: SPARK_BUNNIES }], clients, vend });
    const table = await clientOf(s, CLIENT).catalog.loadTable(BUNNIES, 'bunnies');
    expect(s.requests.find((r) => r.route === 'loadTable')?.headers['x-iceberg-access-delegation']).toBeUndefined();
    expect(table.storage).toEqual([]);
    expect(s.vended).toEqual([]);
  });

  it('leaves out other stores, key-less entries and unusable settings, saying why', () => {
    const why: string[] = [];
    const key = { 's3.access-key-id': 'AK', 's3.secret-access-key': 'SK' };
    const grants = storageGrantsOf(
      [
        { prefix: 'gs://bucket/t', config: { 'gcs.oauth2.token': 'x' } },
        { prefix: 's3://bucket/a', config: { 's3.access-key-id': 'AK' } },
        { prefix: 's3n://bucket/b', config: { ...key, 's3.session-token-expires-at-ms': 'soon', 's3.endpoint': 'file:///etc' } },
      ],
      { 's3.path-style-access': 'TRUE' },
      { 'client.region': 'us-east-2', 's3.endpoint': 'https://s3.example.com' },
      1000,
      (w) => why.push(w),
    );
    expect(grants).toEqual([
      { prefix: 's3://bucket/b', accessKeyId: 'AK', secretAccessKey: 'SK', receivedAtMs: 1000, forcePathStyle: true, region: 'us-east-2' },
    ]);
    expect(why).toEqual([
      'a storage credential without s3.access-key-id and s3.secret-access-key',
      'an s3.session-token-expires-at-ms that is not milliseconds since the epoch',
      'an s3.endpoint that is not an http(s) URL',
    ]);
  });
});

describe('renewal before expiry', () => {
  const table = { namespace: ['spark'], name: 'bunnies', directory: SPARK_BUNNIES };

  it('past half their life, the next use renews them in the background through loadCredentials', async () => {
    const s = await standIn({ tables: [table], clients, vend: { lifetimeMs: 3000 } });
    const { catalog } = clientOf(s, CLIENT, { accessDelegation: 'vended-credentials', refreshSeconds: 60 });
    const access = (await catalog.loadTable(BUNNIES, 'bunnies')).storage[0]!;
    const first = s.vended[0]!;
    expect((await access.credentials()).accessKeyId).toBe(first.accessKeyId);
    // Renewal starts with 1.5 s left; waiting begins with 0.3 s left: room for a slow machine.
    await sleep(Math.max(0, first.issuedAtMs + 1700 - Date.now()));
    // Still valid, so handed out at once; a renewal starts.
    expect((await access.credentials()).accessKeyId).toBe(first.accessKeyId);
    // Later uses get the renewed ones once they arrive (uses meanwhile share the one renewal).
    let key = first.accessKeyId;
    const until = Date.now() + 2000;
    while (key === first.accessKeyId && Date.now() < until) {
      await sleep(10);
      key = (await access.credentials()).accessKeyId;
    }
    expect(key).toBe(s.vended[1]!.accessKeyId);
    expect(s.count('loadCredentials')).toBe(1);
    expect(s.count('loadTable')).toBe(1);
    expect(catalog.stats().credentialRenewals).toBe(1);
  });

  it('about to expire, a use waits for new ones; expired ones are never handed out', async () => {
    const s = await standIn({ tables: [table], clients, vend: { lifetimeMs: 1000 } });
    const { catalog } = clientOf(s, CLIENT, { accessDelegation: 'vended-credentials', refreshSeconds: 60 });
    const access = (await catalog.loadTable(BUNNIES, 'bunnies')).storage[0]!;
    await sleep(1100);
    const got = await access.credentials();
    expect(got.accessKeyId).toBe(s.vended[1]!.accessKeyId);
    expect(s.keyValidAt(got.accessKeyId, Date.now())).toBe(true);
  });

  it('without the loadCredentials route, renews by loading the table again, unconditionally', async () => {
    const s = await standIn({ tables: [table], clients, vend: { lifetimeMs: 1000 }, credentialsRoute: false });
    const { catalog } = clientOf(s, CLIENT, { accessDelegation: 'vended-credentials', refreshSeconds: 60 });
    const access = (await catalog.loadTable(BUNNIES, 'bunnies')).storage[0]!;
    await sleep(1100);
    expect((await access.credentials()).accessKeyId).toBe(s.vended[1]!.accessKeyId);
    const loads = s.requests.filter((r) => r.route === 'loadTable');
    expect(loads.map((r) => r.status)).toEqual([200, 200]);
    expect(loads[1]!.headers['if-none-match']).toBeUndefined();
    expect(s.count('loadCredentials')).toBe(0);
  });

  it('expired and the catalog down: the read fails with a reason, never with the old credentials', async () => {
    const s = await standIn({ tables: [table], clients, vend: { lifetimeMs: 800 } });
    const { catalog, log } = clientOf(s, CLIENT, { accessDelegation: 'vended-credentials', refreshSeconds: 60 });
    const access = (await catalog.loadTable(BUNNIES, 'bunnies')).storage[0]!;
    s.fail({ route: 'loadCredentials', status: 503 });
    await sleep(900);
    const e = await access.credentials().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(S3RequestFailure);
    expect((e as S3RequestFailure).reason).toBe('the storage credentials the table catalog vended expired and could not be renewed');
    expect(log.lines.at(-1)).toMatchObject({ level: 'warn', fields: { table: 'lake/spark.bunnies', reason: 'HTTP 503' } });
  });

  it('credentials vended already expired are refused after one more try', async () => {
    const s = await standIn({ tables: [table], clients, vend: { lifetimeMs: 60_000 } });
    s.fail({ route: 'loadTable', vendExpired: true });
    s.fail({ route: 'loadCredentials', vendExpired: true });
    const access = (await clientOf(s, CLIENT, { accessDelegation: 'vended-credentials' }).catalog.loadTable(BUNNIES, 'bunnies'))
      .storage[0]!;
    await expect(access.credentials()).rejects.toThrow('the table catalog vended storage credentials that had already expired');
    expect(s.count('loadCredentials')).toBe(1);
  });
});

describe('S3 reads signed with vended credentials (s3rver behind a key-checking proxy)', () => {
  let s3: TestS3;
  let proxy: FaultProxy;
  /** Vended key ids the proxy passes to s3rver as its one account. */
  const aliases: Record<string, string> = {};
  let catalogStandIn: { keyValidAt(id: string | undefined, at: number): boolean } | undefined;
  const LOCATION = 's3://lake/warehouse/spark/bunnies';

  beforeAll(async () => {
    s3 = await startS3();
    // The deployment's own credentials: refused by S3 (s3rver knows one account), so a read that works used vended ones.
    process.env['AWS_ACCESS_KEY_ID'] = 'DEPLOYMENTKEY';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'deployment-secret';
    proxy = await FaultProxy.start(s3.endpoint, { accessKeyAliases: aliases });
    // S3's credential check, which s3rver leaves out: vended keys only, and only until they expire.
    proxy.add({
      match: (r) => r.accessKeyId !== 'DEPLOYMENTKEY' && !(catalogStandIn?.keyValidAt(r.accessKeyId, r.at) ?? false),
      fault: { kind: 'status', status: 403, code: 'ExpiredToken' },
    });
    await s3.createBucket('lake');
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    for (const file of walk(SPARK_BUNNIES)) await s3.putFile('lake', `warehouse/spark/bunnies/${relative(SPARK_BUNNIES, file)}`, file);
  });

  afterAll(async () => {
    await proxy?.close();
    await s3?.close();
  });

  async function lake(lifetimeMs: number) {
    const s = await standIn({
      tables: [{ namespace: ['spark'], name: 'bunnies', directory: SPARK_BUNNIES, location: LOCATION }],
      clients,
      vend: { lifetimeMs, endpoint: proxy.url, region: 'us-east-1', pathStyle: true },
      onVend: (c: VendedCredential) => (aliases[c.accessKeyId] = 'S3RVER'),
    });
    catalogStandIn = s;
    // The deployment's own settings point at the same S3: only the credentials differ.
    const store = new S3SourceStore({
      region: 'us-east-1',
      endpoint: proxy.url,
      forcePathStyle: true,
      listRefreshSeconds: 0,
      cacheBytes: 0,
      maxAttempts: 1,
      requestTimeoutMs: 10_000,
    });
    const { catalog, log } = clientOf(s, CLIENT, { accessDelegation: 'vended-credentials', refreshSeconds: 60 });
    return { s, store, catalog, log };
  }

  it('a long read keeps working while credentials expire: each request signed with a key valid at that moment', async () => {
    const { s, store, catalog, log } = await lake(4000);
    proxy.reset();
    proxy.add({
      match: (r) => r.accessKeyId !== 'DEPLOYMENTKEY' && !(catalogStandIn?.keyValidAt(r.accessKeyId, r.at) ?? false),
      fault: { kind: 'status', status: 403, code: 'ExpiredToken' },
    });
    // Reads every 100 ms until three generations of credentials have signed requests (two renewals, about 4 s).
    const keysUsed = () => new Set(proxy.log.filter((r) => r.bucket === 'lake').map((r) => r.accessKeyId)).size;
    const until = Date.now() + 60_000;
    let reads = 0;
    try {
      while (keysUsed() < 3 && Date.now() < until) {
        const table = await catalog.loadTable(BUNNIES, 'bunnies');
        const objects = await store.list(`${LOCATION}/data/*.parquet`, 'bunnies', table.storage);
        expect(objects).toHaveLength(3);
        for (const o of objects) {
          const bytes = await (await o.open()).read(0, 4);
          expect(Buffer.from(bytes).toString('latin1')).toBe('PAR1');
          reads++;
        }
        await sleep(100);
      }
    } finally {
      store.close();
    }
    expect(reads).toBeGreaterThan(6);
    const sent = proxy.log.filter((r) => r.bucket === 'lake');
    // Every request carried a vended key that was valid when it arrived, with that key's own session token.
    expect(sent.filter((r) => !s.keyValidAt(r.accessKeyId, r.at))).toEqual([]);
    for (const r of sent) expect(r.sessionToken).toBe(s.vended.find((v) => v.accessKeyId === r.accessKeyId)!.sessionToken);
    // Renewed along the way (each lives 4 s), through loadCredentials; the table itself loaded once.
    expect(new Set(sent.map((r) => r.accessKeyId)).size).toBeGreaterThanOrEqual(3);
    expect(s.count('loadCredentials')).toBeGreaterThanOrEqual(2);
    expect(s.count('loadTable')).toBe(1);
    expect(
      leaked(
        log.lines.map((l) => JSON.stringify(l)),
        secretsOf(s, [CLIENT.clientSecret]),
      ),
    ).toEqual([]);
  });

  it('the same objects without the grants are read with the deployment credentials, which S3 refuses', async () => {
    const { store } = await lake(60_000);
    try {
      const e = await failureOf(store.list(`${LOCATION}/data/*.parquet`, 'bunnies'));
      expect(e.message).toMatch(/^bunnies: object storage denied access to the source location \(HTTP 403/);
    } finally {
      store.close();
    }
  });

  it('credentials vended already expired: SOURCE_UNAVAILABLE saying so, and not one request sent with them', async () => {
    const { s, store, catalog } = await lake(60_000);
    s.fail({ route: 'loadTable', vendExpired: true });
    s.fail({ route: 'loadCredentials', vendExpired: true });
    proxy.log.length = 0;
    try {
      const table = await catalog.loadTable(BUNNIES, 'bunnies');
      const e = await failureOf(store.list(`${LOCATION}/data/*.parquet`, 'bunnies', table.storage));
      expect(e.code).toBe('SOURCE_UNAVAILABLE');
      expect(e.message).toBe(
        'bunnies: object storage could not serve the source location (the table catalog vended storage credentials that had already expired)',
      );
      expect(leaked([shown(e)], secretsOf(s, [CLIENT.clientSecret]))).toEqual([]);
    } finally {
      store.close();
    }
    expect(proxy.log.filter((r) => r.bucket === 'lake')).toEqual([]);
  });
});
