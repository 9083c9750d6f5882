import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * A real S3-protocol server on loopback for tests: s3rver in a temporary
 * directory. Its quirks (measured on the machines that build Sluice): path-style only, credentials
 * S3RVER/S3RVER (it does not check signatures), suffix ranges answered
 * wrongly (the store never sends them), If-Match ignored (the store checks
 * the answer's ETag as well), streamed uploads need
 * `requestChecksumCalculation: 'WHEN_REQUIRED'` or it stores the chunk
 * framing, and listings past 1,000 keys need OpenSSL's legacy provider
 * (s3rver-process.mjs says why).
 */
export interface TestS3 {
  readonly endpoint: string;
  /** A client for setting up data (not the one under test). */
  readonly admin: S3Client;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: Uint8Array | string): Promise<void>;
  putFile(bucket: string, key: string, file: string): Promise<void>;
  remove(bucket: string, key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store under test finds credentials by the SDK's chain; here that is
 * the environment. IMDS is switched off so nothing ever looks past loopback.
 */
export function useTestCredentials(): void {
  process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER';
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  delete process.env['AWS_PROFILE'];
  delete process.env['AWS_SESSION_TOKEN'];
}

export async function startS3(): Promise<TestS3> {
  useTestCredentials();
  const directory = mkdtempSync(join(tmpdir(), 'sluice-s3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--no-deprecation', join(import.meta.dirname, 's3rver-process.mjs'), directory],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const admin = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    admin,
    async createBucket(name) {
      try {
        await admin.send(new CreateBucketCommand({ Bucket: name }));
      } catch (e) {
        if (!['BucketAlreadyExists', 'BucketAlreadyOwnedByYou'].includes((e as Error).name)) throw e;
      }
    },
    put: async (bucket, key, body) => void (await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
    putFile: async (bucket, key, file) =>
      void (await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(file) }))),
    remove: async (bucket, key) => void (await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))),
    async close() {
      admin.destroy();
      child.stdin!.end();
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
