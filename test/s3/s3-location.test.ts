import { describe, expect, it } from 'vitest';
import { RangeCache } from '../../src/engine/storage/s3-range-cache.js';
import { parseS3Location } from '../../src/engine/storage/s3-location.js';
import { backoff, classify } from '../../src/engine/storage/s3-requests.js';

describe('s3:// locations', () => {
  it('list under the literal prefix and match the glob within path segments', () => {
    const l = parseS3Location('s3://bucket/orders/dt=*/part-?.parquet');
    if (typeof l === 'string') throw new Error(l);
    expect([l.bucket, l.listPrefix, l.literal]).toEqual(['bucket', 'orders/dt=', false]);
    expect(l.matches('orders/dt=2026-01-01/part-0.parquet')).toBe(true);
    expect(l.matches('orders/dt=2026/01/part-0.parquet')).toBe(false);
    expect(l.matches('orders/dt=2026-01-01/part-10.parquet')).toBe(false);
    expect(l.matches('orders/dt=x/.part-0.parquet')).toBe(false);
  });

  it('a location without wildcards is one object; a bad one says why', () => {
    const l = parseS3Location('s3://b/a/x.parquet');
    expect(typeof l !== 'string' && l.literal && l.listPrefix === 'a/x.parquet').toBe(true);
    expect(parseS3Location('s3://bucket-only')).toMatch(/needs a bucket and a key pattern/);
    expect(parseS3Location('s3://b*/x')).toMatch(/bucket/);
  });
});

describe('the byte-range cache', () => {
  const bytes = (n: number, from = 0) => new Uint8Array(Array.from({ length: n }, (_, i) => (from + i) & 0xff)).buffer;

  it('serves sub-ranges of cached ranges as copies, per object version', () => {
    const c = new RangeCache(1000);
    c.put('v1', 100, bytes(50, 100));
    expect([...new Uint8Array(c.get('v1', 110, 115)!)]).toEqual([110, 111, 112, 113, 114]);
    expect(c.get('v2', 110, 115)).toBeUndefined();
    expect(c.get('v1', 90, 110)).toBeUndefined();
    const copy = c.get('v1', 100, 150)!;
    structuredClone(copy, { transfer: [copy] });
    expect(c.get('v1', 100, 150)!.byteLength).toBe(50);
  });

  it('keeps within its budget, least recently used out first; skips ranges over a quarter of it', () => {
    const c = new RangeCache(1000);
    c.put('a', 0, bytes(200));
    c.put('b', 0, bytes(200));
    c.put('c', 0, bytes(200));
    c.put('d', 0, bytes(200));
    c.get('a', 0, 1);
    c.put('e', 0, bytes(200));
    c.put('f', 0, bytes(200));
    expect(c.bytes).toBeLessThanOrEqual(1000);
    expect(c.get('a', 0, 1)).toBeDefined();
    expect(c.get('b', 0, 1)).toBeUndefined();
    c.put('big', 0, bytes(300));
    expect(c.get('big', 0, 1)).toBeUndefined();
  });
});

describe('storage failures', () => {
  const sdkError = (name: string, status: number) =>
    Object.assign(new Error('with s3://bucket/key and secrets'), { name, $metadata: { httpStatusCode: status } });

  it('sort into retry or not, with reasons that carry no SDK message', () => {
    expect(classify(sdkError('SlowDown', 503), false)).toMatchObject({ kind: 'transient', reason: 'HTTP 503 SlowDown' });
    expect(classify(sdkError('InternalError', 500), false).kind).toBe('transient');
    expect(classify(sdkError('AccessDenied', 403), false)).toMatchObject({ kind: 'denied', reason: 'HTTP 403 AccessDenied' });
    expect(classify(sdkError('NoSuchKey', 404), false).kind).toBe('missing');
    expect(classify(sdkError('PreconditionFailed', 412), false).kind).toBe('changed');
    expect(classify(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), false).kind).toBe('transient');
    expect(classify(new Error('anything'), true)).toMatchObject({ kind: 'transient', reason: 'no answer within the request deadline' });
    expect(classify(new Error('s3://bucket/key'), false).reason).not.toContain('bucket');
  });

  it('back off exponentially with jitter, capped', () => {
    for (let i = 0; i < 20; i++) {
      expect(backoff(100, 1)).toBeGreaterThanOrEqual(50);
      expect(backoff(100, 1)).toBeLessThanOrEqual(100);
      expect(backoff(100, 3)).toBeGreaterThanOrEqual(200);
      expect(backoff(100, 10)).toBeLessThanOrEqual(2000);
    }
  });
});
