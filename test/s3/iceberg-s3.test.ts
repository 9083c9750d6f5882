/**
 * The demo's Apache Iceberg table (order_events) uploaded to S3 (s3rver on
 * loopback) as it is on disk, its metadata still naming the bucket it was
 * written to: every snapshot answers as the local copy does, deletes
 * applied, and lineage names the objects read in the bucket it was served
 * from, the table's delete files among them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemo, type Demo, DEMO_KEYS } from '../support/demo.js';
import { openS3Deployment, type S3Deployment } from './s3-deployment.js';
import { startS3, type TestS3 } from './s3-server.js';

let s3: TestS3 | undefined;
let deployment: S3Deployment | undefined;
let local: Demo;

beforeAll(async () => {
  s3 = await startS3();
  deployment = await openS3Deployment(s3, { bucket: 'lake', endpoint: s3.endpoint });
  local = await openDemo();
}, 120_000);

afterAll(async () => {
  await local?.engine.close();
  await deployment?.close();
  await s3?.close();
});

const QUERY = /* GraphQL */ `
  query ($asOf: SnapshotSelector) {
    orderEventsV1(first: 500, asOf: $asOf, orderBy: [{ event_id: ASC }]) {
      nodes {
        event_id
        order_id
        status
        region
      }
      totalCount
    }
  }
`;

describe('an Apache Iceberg table served from S3', () => {
  for (const [name, asOf] of [
    ['the current snapshot', undefined],
    ['the tag initial-load', { ref: 'initial-load' }],
    ['the tag before-erasure', { ref: 'before-erasure' }],
  ] as const) {
    it(`${name}: the same rows and count as the local copy, for admin and analyst`, async () => {
      for (const headers of [{ 'x-api-key': DEMO_KEYS.admin }, { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' }] as Record<
        string,
        string
      >[]) {
        const variables = asOf === undefined ? {} : { asOf };
        const there = await deployment!.demo.query(QUERY, variables, headers);
        const here = await local.query(QUERY, variables, headers);
        expect(there.errors).toBeUndefined();
        expect(here.errors).toBeUndefined();
        expect(there.data).toEqual(here.data);
        const lineage = (there.extensions?.['lineage'] as { products: Record<string, unknown>[] }).products[0]!;
        const localLineage = (here.extensions?.['lineage'] as { products: Record<string, unknown>[] }).products[0]!;
        expect(lineage['snapshot']).toEqual(localLineage['snapshot']);
        const sources = lineage['sources'] as { uri: string; role?: string }[];
        expect(sources.length).toBeGreaterThan(0);
        for (const s of sources) expect(s.uri).toMatch(/^s3:\/\/lake\/order_events\/table\/data\/.+\.parquet$/);
        expect(sources.map((s) => s.role ?? 'data').sort()).toEqual(
          (localLineage['sources'] as { role?: string }[]).map((s) => s.role ?? 'data').sort(),
        );
      }
    });
  }
});
