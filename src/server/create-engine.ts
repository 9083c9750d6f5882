import { maskingKey, type SluiceConfig } from '../config/config.js';
import { catalogsFromConfig, EmbeddedEngine, S3SourceStore, type Engine, type EngineOptions } from '../engine/engine.js';
import { maskValuesWith } from '../policy/mask-value.js';

/**
 * The engine a deployment runs on: Mask nodes masked with the configured
 * hash key, local sources read from disk and `s3://` sources from object
 * storage as `storage.s3` configures it (SPEC §8). One per process.
 *
 * `objectStore` may be passed in to keep a handle on it (its `stats()` are
 * the storage metrics: requests, retries, bytes fetched, cache hits).
 * Iceberg tables are read again every `storage.iceberg.refreshSeconds`, and
 * found through the catalogs of `catalogs:` (their secrets read from the
 * environment now).
 */
export function createEngine(
  config: SluiceConfig,
  objectStore: S3SourceStore = createObjectStore(config),
  /** Engine options beyond the config's (say, `columnCacheBytes: 0` where every query must reach storage). */
  options: Pick<EngineOptions, 'columnCacheBytes'> = {},
): Engine {
  return new EmbeddedEngine({
    maskValues: maskValuesWith(maskingKey(config)),
    objectStore,
    tableRefreshMs: config.raw.storage.iceberg.refreshSeconds * 1000,
    catalogs: catalogsFromConfig(config.raw.catalogs),
    ...columnCacheFromEnv(),
    ...options,
  });
}

/**
 * `SLUICE_COLUMN_CACHE_BYTES`: the decoded-column cache's budget for this
 * process (default 512 MiB; 0 turns it off), an operator's memory knob.
 */
function columnCacheFromEnv(): Pick<EngineOptions, 'columnCacheBytes'> {
  const raw = process.env['SLUICE_COLUMN_CACHE_BYTES'];
  if (raw === undefined || raw === '') return {};
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new Error(`SLUICE_COLUMN_CACHE_BYTES must be a whole number of bytes, not ${JSON.stringify(raw)}`);
  return { columnCacheBytes: bytes };
}

export function createObjectStore(config: SluiceConfig): S3SourceStore {
  return new S3SourceStore(config.raw.storage.s3);
}
