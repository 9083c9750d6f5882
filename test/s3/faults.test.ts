/**
 * The fault matrix: storage misbehaving in every way the store must survive,
 * injected by a proxy (fault-proxy.ts) between the gateway and s3rver. Each
 * case states the code the caller gets, how many attempts the faulty
 * request took, and a bound on how long the answer took.
 *
 * Deployment settings (short, so the matrix runs in seconds): 1 s per
 * attempt, 3 attempts, 20 ms first backoff, the byte cache off (every data
 * read reaches storage) and listings refreshed on every query.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLResponse } from '../support/demo.js';
import { FaultProxy, type Fault, type ProxiedRequest } from './fault-proxy.js';
import { openS3Deployment, uploadDemoData, type S3Deployment } from './s3-deployment.js';
import { startS3, type TestS3 } from './s3-server.js';

const ATTEMPT_MS = 1000;
const MAX_ATTEMPTS = 3;
/**
 * No upper bound on time is asserted (the machine is shared: speed belongs in
 * the bench). That a deadline cut an attempt shows in the attempts counted;
 * a read the deadlines did not bound would run into the test's timeout.
 */
const PART_000 = readFileSync('products/orders/data/part-000.parquet');
const PART_001 = readFileSync('products/orders/data/part-001.parquet');
const PROBE_KEY = 'probe/part-0.parquet';
/** A secret that must never reach a response (the profile's secret key). */
const CANARY_SECRET = 'canary-secret-4f1d9c';

/** A small contract over the orders files' columns. */
const contract = (product: string, location: string) => `product: ${product}
version: 1.0.0
status: active
owner: tests@example.com
description: Orders, for storage fault tests.
source: { format: parquet, location: "${location}" }
primaryKey: [order_id]
limits: { defaultPageSize: 10, maxPageSize: 100 }
fields:
  - { name: order_id, type: int64, nullable: false, classification: public }
  - { name: region, type: string, nullable: false, classification: public }
  - { name: amount, type: float64, nullable: false, classification: public }
`;
const adminPolicy = (product: string) => `id: ${product}-admin
version: 1
product: ${product}
when: { roles: [admin] }
allow: { fields: ["*"] }
`;

let s3: TestS3;
let proxy: FaultProxy;
/** A second proxy, the endpoint configured for s3://faraway/ only. */
let far: FaultProxy;
let deployment: S3Deployment;
let credentialsDir: string;

beforeAll(async () => {
  s3 = await startS3();
  proxy = await FaultProxy.start(s3.endpoint);
  far = await FaultProxy.start(s3.endpoint, { accessKeyAliases: { REMOTEREADERKEY: 'S3RVER' } });
  await uploadDemoData(s3, 'demo');
  await s3.put('demo', PROBE_KEY, PART_001);
  await s3.createBucket('faraway');
  await s3.put('faraway', 'remote/part-0.parquet', PART_000);
  // More than one page of ListObjectsV2 (1,000 keys): matching objects on the first and the last page.
  await s3.put('demo', 'many/p-0000.parquet', PART_000);
  const fillers = Array.from({ length: 1050 }, (_, i) => `many/q-${String(i).padStart(4, '0')}.txt`);
  for (let i = 0; i < fillers.length; i += 50) await Promise.all(fillers.slice(i, i + 50).map((k) => s3.put('demo', k, 'x')));
  await s3.put('demo', 'many/r-0000.parquet', PART_001);

  // A named profile for one bucket: its credentials, not the environment's, sign requests to it.
  credentialsDir = mkdtempSync(join(tmpdir(), 'sluice-aws-'));
  writeFileSync(
    join(credentialsDir, 'credentials'),
    `[remote-reader]\naws_access_key_id = REMOTEREADERKEY\naws_secret_access_key = ${CANARY_SECRET}\n`,
  );
  writeFileSync(join(credentialsDir, 'config'), '');
  process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(credentialsDir, 'credentials');
  process.env['AWS_CONFIG_FILE'] = join(credentialsDir, 'config');

  deployment = await openS3Deployment(s3, deploymentOptions(ATTEMPT_MS));
});

/** The deployment the tests query, with a request deadline of `requestTimeoutMs`. */
function deploymentOptions(requestTimeoutMs: number): Parameters<typeof openS3Deployment>[1] {
  return {
    bucket: 'demo',
    endpoint: proxy.url,
    upload: false,
    // Every query must reach storage (the faults are injected there): no decoded columns kept, no byte ranges (cacheBytes).
    columnCacheBytes: 0,
    storage: {
      requestTimeoutMs,
      maxAttempts: MAX_ATTEMPTS,
      retryBaseDelayMs: 20,
      cacheBytes: 0,
      listRefreshSeconds: 0,
      sources: [{ prefix: 's3://faraway/', endpoint: far.url, profile: 'remote-reader' }],
    },
    contracts: {
      probe: contract('probe', `s3://demo/${PROBE_KEY}`),
      remote: contract('remote', 's3://faraway/remote/*.parquet'),
      many: contract('many', 's3://demo/many/*.parquet'),
    },
    policies: {
      'probe-admin.yaml': adminPolicy('probe'),
      'remote-admin.yaml': adminPolicy('remote'),
      'many-admin.yaml': adminPolicy('many'),
    },
  };
}

afterAll(async () => {
  await deployment?.close();
  await proxy?.close();
  await far?.close();
  await s3?.close();
  rmSync(credentialsDir, { recursive: true, force: true });
});

/** Reads one row group's order_id column chunk of the probe object. */
const PROBE_QUERY = '{ probeV1(where: { order_id: { gte: "30100", lt: "30150" } }, first: 3) { nodes { order_id } } }';

interface Outcome {
  readonly res: GraphQLResponse;
  readonly ms: number;
  readonly code: string | undefined;
}

async function run(query: string, on: S3Deployment = deployment): Promise<Outcome> {
  const t0 = performance.now();
  const res = await on.demo.query(query);
  const ms = performance.now() - t0;
  const code = res.errors?.[0]?.extensions?.['code'] as string | undefined;
  if (res.errors) {
    // Caller-safe: the product named; no bucket key, endpoint or credential.
    const text = JSON.stringify(res.errors);
    for (const leak of ['demo/', 'probe/', 'part-0', '127.0.0.1', 'S3RVER', 'REMOTEREADERKEY', CANARY_SECRET])
      expect(text).not.toContain(leak);
  }
  return { res, ms, code };
}

/** The data range the probe query reads (learned from a clean run, once the decoder holds the footer). */
let dataRange: string;
const isProbeData = (r: ProxiedRequest) => r.kind === 'get' && r.key === PROBE_KEY && r.range === dataRange;
const isProbeGet = (r: ProxiedRequest) => r.kind === 'get' && r.key === PROBE_KEY;

async function learnDataRange(): Promise<void> {
  proxy.reset();
  expect((await run(PROBE_QUERY)).code).toBeUndefined();
  proxy.reset();
  expect((await run(PROBE_QUERY)).code).toBeUndefined();
  const gets = proxy.log.filter(isProbeGet);
  expect(gets).toHaveLength(1);
  dataRange = gets[0]!.range!;
}

interface MatrixCase {
  readonly name: string;
  readonly fault: Fault;
  /** Faulty answers before storage behaves; absent: every time. */
  readonly times?: number;
  readonly code: string | undefined;
  /** Requests for the faulty range. */
  readonly attempts: number;
  /** What the fault makes the read take at least. */
  readonly minMs?: number;
}

const slowDown: Fault = { kind: 'status', status: 503, code: 'SlowDown' };

const MATRIX: MatrixCase[] = [
  { name: 'added latency within the deadline', fault: { kind: 'latency', ms: 150 }, code: undefined, attempts: 1, minMs: 150 },
  {
    name: 'added latency past the deadline, once',
    fault: { kind: 'latency', ms: ATTEMPT_MS + 1000 },
    times: 1,
    code: undefined,
    attempts: 2,
    minMs: ATTEMPT_MS,
  },
  {
    name: '500 InternalError twice, then fine',
    fault: { kind: 'status', status: 500, code: 'InternalError' },
    times: 2,
    code: undefined,
    attempts: 3,
  },
  {
    name: '500 InternalError every time',
    fault: { kind: 'status', status: 500, code: 'InternalError' },
    code: 'SOURCE_UNAVAILABLE',
    attempts: 3,
  },
  { name: '503 SlowDown once, then fine', fault: slowDown, times: 1, code: undefined, attempts: 2 },
  { name: '503 SlowDown every time', fault: slowDown, code: 'SOURCE_UNAVAILABLE', attempts: 3 },
  {
    name: '403 AccessDenied (no retry)',
    fault: { kind: 'status', status: 403, code: 'AccessDenied' },
    code: 'SOURCE_UNAVAILABLE',
    attempts: 1,
  },
  // A listed object that is gone: the listing is stale, so the query is re-planned once (one GET per plan).
  {
    name: '404 NoSuchKey (no retry; re-planned once)',
    fault: { kind: 'status', status: 404, code: 'NoSuchKey' },
    code: 'SOURCE_UNAVAILABLE',
    attempts: 2,
  },
  { name: 'connection reset once', fault: { kind: 'reset' }, times: 1, code: undefined, attempts: 2 },
  { name: 'connection reset every time', fault: { kind: 'reset' }, code: 'SOURCE_UNAVAILABLE', attempts: 3 },
  { name: 'truncated body once', fault: { kind: 'truncate', bytes: 1000 }, times: 1, code: undefined, attempts: 2 },
  { name: 'truncated body every time', fault: { kind: 'truncate', bytes: 1000 }, code: 'SOURCE_UNAVAILABLE', attempts: 3 },
  {
    name: 'stalled body every time (the deadline aborts each attempt)',
    fault: { kind: 'stall', bytes: 100 },
    code: 'SOURCE_UNAVAILABLE',
    attempts: 3,
    minMs: MAX_ATTEMPTS * ATTEMPT_MS,
  },
];

describe('storage fault matrix', () => {
  beforeAll(learnDataRange);

  for (const c of MATRIX) {
    it(`${c.name} → ${c.code ?? 'answer'}, ${c.attempts} attempt(s)`, async () => {
      proxy.reset();
      proxy.add({ match: isProbeData, fault: c.fault, ...(c.times !== undefined && { times: c.times }) });
      const { res, ms, code } = await run(PROBE_QUERY);
      expect(code, JSON.stringify(res.errors)).toBe(c.code);
      if (c.code === undefined)
        expect((res.data!['probeV1'] as { nodes: unknown[] }).nodes).toEqual([
          { order_id: '30100' },
          { order_id: '30101' },
          { order_id: '30102' },
        ]);
      else expect(res.errors![0]!.message).toMatch(/^probe: /);
      expect(proxy.count(isProbeData)).toBe(c.attempts);
      expect(ms).toBeGreaterThanOrEqual(c.minMs ?? 0);
    });
  }

  it('stalled answers have their connections closed by the client (sockets released)', async () => {
    expect(proxy.stalled.length).toBeGreaterThanOrEqual(MAX_ATTEMPTS);
    await expect.poll(() => proxy.stalled.every((s) => s.closed)).toBe(true);
  });

  it('the messages say what happened, naming the product', async () => {
    proxy.reset();
    proxy.add({ match: isProbeData, fault: slowDown });
    expect((await run(PROBE_QUERY)).res.errors![0]!.message).toBe('probe: object storage is unavailable (HTTP 503 SlowDown, 3 attempts)');
    proxy.reset();
    proxy.add({ match: isProbeData, fault: { kind: 'status', status: 403, code: 'AccessDenied' } });
    expect((await run(PROBE_QUERY)).res.errors![0]!.message).toBe(
      'probe: object storage denied access to object 1 of 1 (HTTP 403 AccessDenied)',
    );
  });

  it('a listing that fails is retried like a read; a 403 on it is not', async () => {
    const isProbeList = (r: ProxiedRequest) => r.kind === 'head' && r.key === PROBE_KEY;
    proxy.reset();
    proxy.add({ match: isProbeList, fault: slowDown, times: 2 });
    expect((await run(PROBE_QUERY)).code).toBeUndefined();
    expect(proxy.count(isProbeList)).toBe(3);
    proxy.reset();
    proxy.add({ match: (r) => r.kind === 'list' && r.bucket === 'demo', fault: { kind: 'status', status: 403, code: 'AccessDenied' } });
    const { code, res } = await run('{ manyV1(first: 1) { nodes { order_id } } }');
    expect(code).toBe('SOURCE_UNAVAILABLE');
    expect(res.errors![0]!.message).toBe('many: object storage denied access to the source location (HTTP 403 AccessDenied)');
    expect(proxy.count((r) => r.kind === 'list')).toBe(1);
  });
});

describe('objects that change under a query', () => {
  const probeRows = async () => {
    const { res, code } = await run(PROBE_QUERY);
    expect(code, JSON.stringify(res.errors)).toBeUndefined();
    return (res.data!['probeV1'] as { nodes: unknown[] }).nodes;
  };
  const lineageETag = (res: GraphQLResponse) =>
    (res.extensions as { lineage: { products: { sources: { etag: string }[] }[] } }).lineage.products[0]!.sources[0]!.etag;

  it('an object replaced between listing and data read: re-planned once, answered from the new version only', async () => {
    await s3.put('demo', PROBE_KEY, PART_001);
    expect(await probeRows()).toHaveLength(3);
    proxy.reset();
    proxy.add({ match: isProbeGet, times: 1, fault: { kind: 'before', run: () => s3.put('demo', PROBE_KEY, PART_000) } });
    const { res, code } = await run(PROBE_QUERY);
    expect(code, JSON.stringify(res.errors)).toBeUndefined();
    // part-000 holds orders 1–30000: the new version has none of these rows, the old one had three.
    expect((res.data!['probeV1'] as { nodes: unknown[] }).nodes).toEqual([]);
    expect(proxy.count((r) => r.kind === 'head' && r.key === PROBE_KEY)).toBe(2);
    expect(lineageETag(res)).toBe(`"${md5(PART_000)}"`);
  });

  it('an object that changes on every read: SOURCE_UNAVAILABLE after one re-plan', async () => {
    await s3.put('demo', PROBE_KEY, PART_001);
    expect(await probeRows()).toHaveLength(3);
    let flip = false;
    proxy.reset();
    const flipVersion = () => {
      flip = !flip;
      return s3.put('demo', PROBE_KEY, flip ? PART_000 : PART_001);
    };
    proxy.add({ match: isProbeGet, fault: { kind: 'before', run: flipVersion } });
    // Reads a column chunk of either version (statistics prune none).
    const { res, code } = await run('{ probeV1(first: 1) { nodes { order_id } } }');
    expect(code).toBe('SOURCE_UNAVAILABLE');
    expect(res.errors![0]!.message).toBe('probe: object 1 of 1 changed while being read');
    expect(proxy.count((r) => r.kind === 'head' && r.key === PROBE_KEY)).toBe(2);
    proxy.reset();
  });

  it('a corrupt footer is SOURCE_CORRUPT, read once', async () => {
    const corrupt = Buffer.from(PART_001);
    const footerLength = corrupt.readUInt32LE(corrupt.length - 8);
    for (let i = corrupt.length - 8 - footerLength; i < corrupt.length - 8; i++) corrupt[i] = (i * 7919) & 0xff;
    await s3.put('demo', PROBE_KEY, corrupt);
    proxy.reset();
    const { res, code } = await run(PROBE_QUERY);
    expect(code, JSON.stringify(res.errors)).toBe('SOURCE_CORRUPT');
    expect(res.errors![0]!.message).toBe('probe: object 1 of 1 is not a valid Parquet file');
    expect(proxy.count(isProbeGet)).toBe(1);
  });

  it('a truncated object (cut short when written) is SOURCE_CORRUPT', async () => {
    await s3.put('demo', PROBE_KEY, PART_001.subarray(0, PART_001.length >> 1));
    proxy.reset();
    const { code } = await run(PROBE_QUERY);
    expect(code).toBe('SOURCE_CORRUPT');
    await s3.put('demo', PROBE_KEY, PART_001);
    expect(await probeRows()).toHaveLength(3);
  });
});

describe('listing and connections', () => {
  // Listing 1,000+ keys from s3rver can take seconds a page on a busy machine:
  // past the fault tests' 1 s deadline, which is not what this test is about.
  let patient: S3Deployment | undefined;
  afterAll(async () => {
    await patient?.close();
  });

  it('more than 1,000 keys: every page is listed, the glob picks the Parquet objects', async () => {
    patient = await openS3Deployment(s3, deploymentOptions(120_000));
    proxy.reset();
    const { res, code } = await run('{ manyV1(first: 2, orderBy: [{ order_id: DESC }]) { nodes { order_id } } }', patient);
    expect(code, JSON.stringify(res.errors)).toBeUndefined();
    // The largest order ids are in the object on the second page.
    expect(res.data!['manyV1']).toEqual({ nodes: [{ order_id: '60000' }, { order_id: '59999' }] });
    // Two pages (a slow page on a loaded machine may take one more attempt).
    expect(proxy.count((r) => r.kind === 'list' && r.bucket === 'demo')).toBeGreaterThanOrEqual(2);
    const sources = (res.extensions as { lineage: { products: { sources: { uri: string }[] }[] } }).lineage.products[0]!.sources;
    expect(sources.map((s) => s.uri)).toEqual(['s3://demo/many/p-0000.parquet', 's3://demo/many/r-0000.parquet']);
  });

  it('a per-location profile signs requests to that bucket; the environment signs the rest', async () => {
    far.reset();
    proxy.reset();
    expect((await run('{ remoteV1(first: 1) { nodes { order_id } } }')).code).toBeUndefined();
    expect((await run(PROBE_QUERY)).code).toBeUndefined();
    expect(new Set(far.log.map((r) => r.accessKeyId))).toEqual(new Set(['REMOTEREADERKEY']));
    expect(new Set(proxy.log.map((r) => r.accessKeyId))).toEqual(new Set(['S3RVER']));
  });

  it('unreachable storage is SOURCE_UNAVAILABLE after 3 attempts; other products keep answering', async () => {
    await far.close();
    const before = deployment.store.stats().requests;
    const [remote, orders] = await Promise.all([
      run('{ remoteV1(first: 1) { nodes { order_id } } }'),
      run('{ ordersV2(first: 1) { nodes { order_id } } }'),
    ]);
    expect(remote.code).toBe('SOURCE_UNAVAILABLE');
    expect(remote.res.errors![0]!.message).toMatch(
      /^remote: object storage is unavailable \(connection failed \(ECONNREFUSED\), 3 attempts\)$/,
    );
    expect(orders.code).toBeUndefined();
    // 3 listing attempts for remote; orders' listing and reads on top.
    expect(deployment.store.stats().requests - before).toBeGreaterThanOrEqual(MAX_ATTEMPTS + 1);
  });
});

function md5(b: Uint8Array): string {
  return createHash('md5').update(b).digest('hex');
}
