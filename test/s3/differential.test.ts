/**
 * The differential tests (test/support/differential.ts) again, with the demo
 * data served from S3 (s3rver on loopback): the same GraphQL answers as
 * DuckDB over the local copies of the same files, and lineage that reports
 * what was fetched.
 */
import { afterAll, expect } from 'vitest';
import { describeDifferential } from '../support/differential.js';
import { openS3Deployment, type S3Deployment } from './s3-deployment.js';
import { startS3, type TestS3 } from './s3-server.js';

let s3: TestS3 | undefined;
let deployment: S3Deployment | undefined;
afterAll(async () => {
  await deployment?.close();
  await s3?.close();
});

describeDifferential(
  'GraphQL answers over S3 equal DuckDB over the same files',
  async () => {
    s3 = await startS3();
    deployment = await openS3Deployment(s3, { bucket: 'demo', endpoint: s3.endpoint });
    return deployment.demo;
  },
  {
    // The local run covers the query space; this one checks that S3 serves the same bytes.
    numRuns: Number(process.env.SLUICE_PROPERTY_RUNS ?? 30),
    checkSources(sources) {
      for (const s of sources) {
        expect(s['uri']).toMatch(/^s3:\/\/demo\/orders\/part-\d+\.parquet$/);
        expect(s['etag']).toMatch(/^"[0-9a-f]{32}"$/);
        expect(typeof s['bytesFetched']).toBe('number');
        expect(typeof s['requests']).toBe('number');
      }
    },
  },
);
