import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/errors.js';

/** `storage.s3` (docs/configuration.md): a strict shape with defaults; credentials are never part of it. */
const dir = mkdtempSync(join(tmpdir(), 'sluice-storage-config-'));
const load = (text: string) => {
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, text);
  return loadConfig(file);
};
const problem = (text: string) => {
  try {
    load(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected the config to be rejected');
};

describe('storage.s3', () => {
  it('defaults: the SDK chain for region and credentials, 5 s per attempt, 3 attempts, 60 s listings, 256 MiB of cached ranges', () => {
    expect(load('products: ./products\n').raw.storage.s3).toEqual({
      requestTimeoutMs: 5000,
      maxAttempts: 3,
      retryBaseDelayMs: 100,
      listRefreshSeconds: 60,
      cacheBytes: 256 * 1024 * 1024,
      sources: [],
    });
  });

  it('takes the spec example and per-location profiles', () => {
    const s3 = load(`storage:
  s3:
    region: us-east-1
    endpoint: http://127.0.0.1:9000
    forcePathStyle: true
    listRefreshSeconds: 5
    sources:
      - { prefix: "s3://finance/", profile: finance-reader, region: eu-west-1 }
`).raw.storage.s3;
    expect(s3).toMatchObject({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, listRefreshSeconds: 5 });
    expect(s3.sources).toEqual([{ prefix: 's3://finance/', profile: 'finance-reader', region: 'eu-west-1' }]);
  });

  it('refuses credentials in the file, unknown keys, bad endpoints and prefixes, with file:line', () => {
    expect(problem('storage:\n  s3:\n    region: us-east-1\n    accessKeyId: AKIA123\n')).toMatch(/sluice\.yaml:4: .*accessKeyId/);
    expect(problem('storage:\n  s3:\n    endpoint: ftp://example\n')).toMatch(/sluice\.yaml:3: .*endpoint/);
    expect(problem('storage:\n  s3:\n    maxAttempts: 0\n')).toMatch(/maxAttempts/);
    expect(problem('storage:\n  s3:\n    sources: [{ prefix: "bucket/" }]\n')).toMatch(/s3:\/\/ location prefix/);
    expect(problem('storage:\n  gcs: {}\n')).toMatch(/gcs/);
  });
});
