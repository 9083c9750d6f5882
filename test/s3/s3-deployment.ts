import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { parse, stringify } from 'yaml';
import type { S3SourceStore } from '../../src/engine/engine.js';
import { createEngine, createObjectStore } from '../../src/server/create-engine.js';
import { openDemo, type Demo } from '../support/demo.js';
import type { TestS3 } from './s3-server.js';

/**
 * The demo deployment (sluice.yaml, its contracts and policies) with every
 * product's data in a bucket: each contract's `location` becomes
 * `s3://<bucket>/<product>/*.parquet` and the Parquet files are uploaded
 * byte for byte, so DuckDB over the local files is still the oracle.
 */
export interface S3Deployment {
  readonly demo: Demo;
  /** The gateway's object store: its stats() are the storage metrics. */
  readonly store: S3SourceStore;
  readonly dir: string;
  close(): Promise<void>;
}

export interface S3DeploymentOptions {
  readonly bucket: string;
  /** Where the gateway sends S3 requests (s3rver, or a fault proxy in front of it). */
  readonly endpoint: string;
  /** More `storage.s3` settings, as YAML lines under it. */
  readonly storage?: Record<string, unknown>;
  /** Extra products: name → contract YAML (its `location` used as is) — for tests' own data. */
  readonly contracts?: Record<string, string>;
  /** Extra policies: file name → YAML. */
  readonly policies?: Record<string, string>;
  /** Upload the demo data (skip when the bucket already holds it). Default true. */
  readonly upload?: boolean;
  /** The engine's decoded-column cache (default: the engine's); 0 when every query must reach storage. */
  readonly columnCacheBytes?: number;
}

const REPO = resolve(import.meta.dirname, '../..');

export async function uploadDemoData(s3: TestS3, bucket: string): Promise<void> {
  await s3.createBucket(bucket);
  for (const product of readdirSync(join(REPO, 'products'))) {
    const data = join(REPO, 'products', product, 'data');
    if (existsSync(data))
      for (const f of readdirSync(data).filter((n) => n.endsWith('.parquet'))) await s3.putFile(bucket, `${product}/${f}`, join(data, f));
    // An Apache Iceberg table (order_events): its metadata, manifests and files under `<product>/table/`.
    const table = join(REPO, 'products', product, 'table');
    if (existsSync(table))
      for (const f of readdirSync(table, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
        const path = join(f.parentPath, f.name);
        await s3.putFile(bucket, `${product}/table/${relative(table, path).split(sep).join('/')}`, path);
      }
  }
}

export async function openS3Deployment(s3: TestS3, o: S3DeploymentOptions): Promise<S3Deployment> {
  if (o.upload !== false) await uploadDemoData(s3, o.bucket);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-s3-deployment-'));
  for (const product of readdirSync(join(REPO, 'products'))) {
    mkdirSync(join(dir, 'products', product), { recursive: true });
    for (const f of readdirSync(join(REPO, 'products', product)).filter((n) => /^v\d+\.yaml$/.test(n))) {
      const text = readFileSync(join(REPO, 'products', product, f), 'utf8');
      const iceberg = /^\s*format:\s*iceberg\s*$/m.test(text);
      const location = iceberg ? `s3://${o.bucket}/${product}/table` : `s3://${o.bucket}/${product}/*.parquet`;
      writeFileSync(join(dir, 'products', product, f), text.replace(/^(\s*location:\s*).*$/m, `$1${location}`));
    }
  }
  for (const [product, contract] of Object.entries(o.contracts ?? {})) {
    mkdirSync(join(dir, 'products', product), { recursive: true });
    writeFileSync(join(dir, 'products', product, 'v1.yaml'), contract);
  }
  cpSync(join(REPO, 'policies'), join(dir, 'policies'), { recursive: true });
  for (const [name, policy] of Object.entries(o.policies ?? {})) writeFileSync(join(dir, 'policies', name), policy);
  // The demo config with this directory's products and policies, the repository's other files, no audit trail.
  const config = parse(readFileSync(join(REPO, 'sluice.yaml'), 'utf8')) as Record<string, unknown>;
  if (typeof config['persisted'] === 'string') config['persisted'] = resolve(REPO, config['persisted']);
  delete config['audit'];
  config['storage'] = { s3: { endpoint: o.endpoint, region: 'us-east-1', forcePathStyle: true, ...o.storage } };
  writeFileSync(join(dir, 'sluice.yaml'), stringify(config));
  let store: S3SourceStore | undefined;
  const demo = await openDemo(join(dir, 'sluice.yaml'), (config) =>
    createEngine(
      config,
      (store = createObjectStore(config)),
      o.columnCacheBytes === undefined ? {} : { columnCacheBytes: o.columnCacheBytes },
    ),
  );
  return {
    demo,
    store: store!,
    dir,
    async close() {
      store?.close();
      await demo.engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
