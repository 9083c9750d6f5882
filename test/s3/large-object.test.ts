/**
 * Reading only the bytes a query needs: a 1.5M-row object of ~75 row groups,
 * written by DuckDB and served from S3. A selective page query fetches the
 * footer and the column chunks of one row group — well under 10% of the
 * object — with explicit ranges only (no whole-object or suffix-range GET),
 * and gives DuckDB's answer. A request's byte budget (server.limits.maxBytesRead)
 * stops a full scan of it after a few row groups' chunks are fetched.
 */
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanBudget, type ScanReport } from '../../src/engine/engine.js';
import { SluiceError } from '../../src/errors.js';
import { Expr } from '../../src/plan/expr.js';
import { AggregateNode, ScanNode, type PlanNode } from '../../src/plan/plan.js';
import { FaultProxy } from './fault-proxy.js';
import { openS3Deployment, type S3Deployment } from './s3-deployment.js';
import { startS3, type TestS3 } from './s3-server.js';

const ROWS = 1_500_000;
const ROW_GROUP = 20_000;
const KEY = 'big/events.parquet';

const CONTRACT = `product: big
version: 1.0.0
status: active
owner: tests@example.com
description: A large object, for byte accounting.
source: { format: parquet, location: "s3://demo/big/*.parquet" }
primaryKey: [id]
limits: { defaultPageSize: 20, maxPageSize: 100 }
fields:
  - { name: id, type: int64, nullable: false, classification: public }
  - { name: category, type: string, nullable: false, classification: public }
  - { name: value, type: float64, nullable: false, classification: public }
  - { name: note, type: string, nullable: false, classification: public }
  - { name: day, type: date, nullable: false, classification: public }
`;
const POLICY = `id: big-admin
version: 1
product: big
when: { roles: [admin] }
allow: { fields: ["*"] }
`;

let dir: string;
let file: string;
let size: number;
let duck: DuckDBConnection;
let s3: TestS3;
let proxy: FaultProxy;
let deployment: S3Deployment;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-big-'));
  file = join(dir, 'events.parquet');
  // One thread, so every row group has exactly ROW_GROUP rows.
  duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  await duck.run(`COPY (
      SELECT i::BIGINT AS id,
             ['alpha', 'beta', 'gamma', 'delta', 'epsilon'][1 + (hash(i) % 5)::INT] AS category,
             (hash(i * 7) % 1000000) / 100.0 AS value,
             'note-' || md5(i::VARCHAR)[1:12] AS note,
             DATE '2020-01-01' + (i // 1000)::INT AS day
      FROM range(${ROWS}) t(i)
    ) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE ${ROW_GROUP})`);
  size = statSync(file).size;
  s3 = await startS3();
  await s3.createBucket('demo');
  await s3.putFile('demo', KEY, file);
  proxy = await FaultProxy.start(s3.endpoint);
  deployment = await openS3Deployment(s3, {
    bucket: 'demo',
    endpoint: proxy.url,
    contracts: { big: CONTRACT },
    policies: { 'big-admin.yaml': POLICY },
  });
});

afterAll(async () => {
  duck?.closeSync();
  await deployment?.close();
  await proxy?.close();
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Source {
  uri: string;
  etag: string;
  rowGroupsScanned: number;
  rowGroupsTotal: number;
  bytesFetched: number;
  requests: number;
}

describe('a selective query over a large object', () => {
  it('fetches the footer and one row group’s column chunks: under 10% of the object', async () => {
    expect(size).toBeGreaterThan(10 * 1024 * 1024);
    proxy.reset();
    const res = await deployment.demo.query(
      '{ bigV1(where: { id: { gte: "1234560", lt: "1234580" } }, first: 20) { nodes { id category value day } } }',
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();

    const expected = (
      await duck.runAndReadAll(`SELECT id, category, value, day FROM '${file}' WHERE id >= 1234560 AND id < 1234580 ORDER BY id`)
    )
      .getRowObjectsJS()
      .map((r) => ({
        id: String(r['id']),
        category: r['category'],
        value: r['value'],
        day: (r['day'] as Date).toISOString().slice(0, 10),
      }));
    expect((res.data!['bigV1'] as { nodes: unknown[] }).nodes).toEqual(expected);

    const [source] = (res.extensions as { lineage: { products: { sources: Source[] }[] } }).lineage.products[0]!.sources;
    expect(source!.uri).toBe(`s3://demo/${KEY}`);
    // DuckDB rounds row groups to whole vectors of 2,048 rows: 74 groups of 20,480.
    expect(source!.rowGroupsTotal).toBeGreaterThanOrEqual(50);
    expect(source!.rowGroupsScanned).toBe(1);
    // The footer was read when the gateway started; this query fetched three column chunks.
    const gets = proxy.log.filter((r) => r.kind === 'get' && r.key === KEY);
    expect(source!.requests).toBe(gets.length);
    const fraction = source!.bytesFetched / size;
    console.info(
      `selective page query (${source!.rowGroupsScanned} of ${source!.rowGroupsTotal} row groups): ${source!.bytesFetched} of ${size} bytes (${(fraction * 100).toFixed(2)}%) in ${source!.requests} requests`,
    );
    expect(source!.bytesFetched).toBeGreaterThan(0);
    expect(fraction).toBeLessThan(0.1);
  });

  it('counting from cold, footer included, still reads a small fraction, and only explicit ranges', async () => {
    // A fresh gateway over the same bucket: nothing cached, so the footer is fetched too.
    const cold = await openS3Deployment(s3, {
      bucket: 'demo',
      endpoint: proxy.url,
      upload: false,
      contracts: { big: CONTRACT },
      policies: { 'big-admin.yaml': POLICY },
    });
    try {
      const before = cold.store.stats();
      proxy.reset();
      const res = await cold.demo.query(
        '{ bigV1(where: { category: { eq: "gamma" }, id: { lt: "40000" } }, first: 5) { nodes { id note } totalCount } }',
      );
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const [count] = (
        await duck.runAndReadAll(`SELECT count(*)::INT AS n FROM '${file}' WHERE category = 'gamma' AND id < 40000`)
      ).getRowObjectsJS();
      expect((res.data!['bigV1'] as { totalCount: number }).totalCount).toBe(count!['n']);
      const fetched = cold.store.stats().bytesFetched - before.bytesFetched;
      console.info(`filtered count from cold, footer included: ${fetched} of ${size} bytes (${((fetched / size) * 100).toFixed(2)}%)`);
      expect(fetched).toBeLessThan(0.1 * size);
      for (const r of proxy.log.filter((x) => x.kind === 'get' && x.key === KEY)) {
        const m = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '');
        expect(m, `GET with range ${r.range}`).not.toBeNull();
        expect(Number(m![2]) - Number(m![1]) + 1).toBeLessThan(0.1 * size);
      }
    } finally {
      await cold.close();
    }
  });
});

describe('a byte budget over object storage', () => {
  /** The longest note, of every row group or only of those holding the ids below `below`. */
  const longestNote = (below?: bigint): PlanNode =>
    AggregateNode.create(
      ScanNode.create({
        product: 'big',
        major: 1,
        version: '1.0.0',
        source: 's3://demo/big/*.parquet',
        fields: [
          { name: 'id', column: 'id', type: 'int64' },
          { name: 'note', column: 'note', type: 'string' },
        ],
        filters: below === undefined ? [] : [Expr.compare('id', 'lt', below)],
      }),
      [],
      [{ fn: 'max', field: 'note', type: 'string' }],
    );
  const LIMIT = 2_000_000;

  it('stops a full scan before fetching most of the object; a pruned scan fits', async () => {
    const engine = deployment.demo.engine;
    const reports: ScanReport[] = [];
    const e = await engine
      .execute(longestNote(), { budget: new ScanBudget({ maxBytesRead: LIMIT }), reports })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SluiceError);
    expect((e as SluiceError).details).toEqual({ limit: 'maxBytesRead', value: LIMIT });
    const [source] = reports[0]!.sources;
    expect(source!.bytesRead).toBeGreaterThan(0);
    expect(source!.bytesRead).toBeLessThanOrEqual(LIMIT);
    expect(source!.rowGroupsScanned).toBeLessThan(source!.rowGroupsTotal / 4);
    // What was fetched is what the budget allowed, not the object.
    expect(source!.bytesFetched).toBeLessThan(0.25 * size);

    const budget = new ScanBudget({ maxBytesRead: LIMIT });
    const pruned = await engine.execute(longestNote(20_000n), { budget });
    expect(pruned.scans[0]!.sources[0]!.rowGroupsScanned).toBe(1);
    expect(budget.usage().bytesRead).toBe(pruned.scans[0]!.sources[0]!.bytesRead);
  });
});
