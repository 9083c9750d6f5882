import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3SourceStore } from '../../../../src/engine/storage/s3-store.js';
import { IcebergTable } from '../../../../src/engine/table/iceberg/table.js';
import { startS3, type TestS3 } from '../../../s3/s3-server.js';
import { openTable, snapshotRows, TABLES } from './support.js';

/**
 * The same tables read from an S3-protocol server (s3rver on loopback)
 * through the engine's S3 store: metadata found by listing, paths mapped
 * from the writers' locations onto `s3://`, manifests and data files read
 * with ranged GETs. Every snapshot answers as it does from local disk.
 */
let s3: TestS3;
let store: S3SourceStore;
const BUCKET = 'lake';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket(BUCKET);
  for (const [prefix, dir] of [
    ['tables/partitioned', TABLES.mytablePartitioned],
    ['tables/bunnies', TABLES.javaBunnies],
    ['tables/defaults', TABLES.defaults],
  ] as const) {
    for (const f of files(dir)) await s3.putFile(BUCKET, `${prefix}/${relative(dir, f)}`, f);
  }
  store = new S3SourceStore({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', listRefreshSeconds: 0 });
});
afterAll(async () => {
  store?.close();
  await s3?.close();
});

describe('Iceberg tables in S3', () => {
  it('answer every snapshot as they do from local disk', async () => {
    for (const [prefix, local] of [
      ['tables/partitioned', TABLES.mytablePartitioned],
      ['tables/bunnies', TABLES.javaBunnies],
      ['tables/defaults', TABLES.defaults],
    ] as const) {
      const remote = await IcebergTable.open(`s3://${BUCKET}/${prefix}`, { store });
      const disk = await openTable(local);
      expect(remote.metadataFile.split('/').pop()).toBe(disk.metadataFile.split('/').pop());
      for (const snapshot of disk.metadata.snapshots.values()) {
        expect(await snapshotRows(remote, remote.snapshot({ snapshotId: snapshot.id })), `${prefix} ${snapshot.id}`).toEqual(
          await snapshotRows(disk, snapshot),
        );
      }
    }
    expect(store.stats().requests).toBeGreaterThan(0);
  });

  it('a missing manifest list in S3 is SOURCE_UNAVAILABLE naming the snapshot, never a bucket or key', async () => {
    await s3.remove(BUCKET, 'tables/bunnies/metadata/snap-4951213507629824583-1-583a45a0-7389-4d71-9305-ac3a8725c38b.avro');
    const table = await IcebergTable.open(`s3://${BUCKET}/tables/bunnies`, { store });
    const e = (await table
      .planScan({ snapshot: table.snapshot({ snapshotId: '4951213507629824583' }), fields: [] })
      .catch((x: unknown) => x)) as Error & { code: string };
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.message).toContain('snapshot 4951213507629824583');
    expect(e.message).not.toMatch(/lake|tables\/|s3:/);
  });
});
