import { maskingKey, type SluiceConfig } from '../config/config.js';
import { enginesUsed, trinoPasswordOf } from '../config/engines.js';
import { displayPath } from '../contract/yaml-file.js';
import {
  catalogsFromConfig,
  createDuckDbEngine,
  createTrinoEngine,
  EmbeddedEngine,
  EngineByProduct,
  S3SourceStore,
  type Engine,
  type EngineOptions,
} from '../engine/engine.js';
import { maskFunction, maskValuesWith } from '../policy/mask-value.js';

/**
 * The engine a deployment runs on: Mask nodes masked with the configured
 * hash key, local sources read from disk and `s3://` sources from object
 * storage as `storage.s3` configures it (docs/configuration.md). One per process.
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
  const key = maskingKey(config);
  const embedded = new EmbeddedEngine({
    maskValues: maskValuesWith(key),
    objectStore,
    tableRefreshMs: config.raw.storage.iceberg.refreshSeconds * 1000,
    catalogs: catalogsFromConfig(config.raw.catalogs),
    ...columnCacheFromEnv(),
    ...options,
  });
  return withExternalEngines(config, embedded, key);
}

/**
 * `embedded`, or when `execution:` routes products elsewhere (docs/external-engines.md) an
 * engine sending each product's plans to its engine: DuckDB in this process
 * (the hash mask registered with the key), Trino over its protocol (the hash
 * mask the routine the operator installed).
 */
export function withExternalEngines(config: SluiceConfig, embedded: Engine, key: Buffer | undefined): Engine {
  const { engines, execution } = config.raw;
  const used = enginesUsed(execution);
  if (used.size === 1 && used.has('embedded')) return embedded;
  const describe = (source: string) => embedded.describeSource(source);
  const external = new Map<string, Engine>();
  if (used.has('duckdb')) {
    const hash = key !== undefined ? maskFunction({ field: 'x', type: 'string', kind: 'hash' }, key) : undefined;
    external.set(
      'duckdb',
      createDuckDbEngine({
        ...(engines.duckdb?.threads !== undefined && { threads: engines.duckdb.threads }),
        ...(hash !== undefined && { hash: (v: string) => hash(v) as string }),
        describe,
      }),
    );
  }
  if (used.has('trino') && engines.trino !== undefined) {
    const t = engines.trino;
    const password = trinoPasswordOf(t, displayPath(config.file));
    external.set(
      'trino',
      createTrinoEngine({
        url: t.url,
        user: t.user,
        catalog: t.catalog,
        schema: t.schema,
        maxRows: t.maxRows,
        maxResponseBytes: t.maxResponseBytes,
        ...(password !== undefined && { password }),
        ...(t.hashFunction !== undefined && { hashFunction: t.hashFunction }),
        describe,
      }),
    );
  }
  return new EngineByProduct(embedded, external, execution.products, execution.default);
}

/**
 * `SLUICE_COLUMN_CACHE_BYTES`: the decoded-column cache's budget for this
 * process (default 256 MiB, DEFAULT_COLUMN_CACHE_BYTES; 0 turns it off), an
 * operator's memory knob.
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
