import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine, ScanReport } from '../engine/engine.js';
import type { AuditRecord, AuditSink } from '../response/audit.js';

/**
 * Prometheus metrics (prom-client), served at `/metrics` by http-server.ts:
 * requests by operation and code, latency, rows / row groups / bytes
 * scanned per product, policy denials, the engine's column cache, and the
 * process's own (CPU, memory, event loop).
 *
 * Labels hold names, never values a caller sent: an operation name is used
 * only when it is a plain GraphQL name sent by an authenticated caller (an
 * API key or a token: anyone else could fill the series with names of
 * their own), and only the first `MAX_OPERATIONS` distinct ones get their
 * own series (the rest count as `other`, as do unauthenticated callers'
 * names), so a client cannot grow the registry without bound. Served only
 * to scrapers bearing the configured token (http-server.ts).
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** One request ended (from its audit record). */
  requestEnded(record: AuditRecord): void;
  /** A plan ran (or failed) and read these sources. */
  scanned(scans: readonly ScanReport[]): void;
}

const MAX_OPERATIONS = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function createMetrics(options: { engine?: Engine } = {}): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  const requests = new Counter({
    name: 'sluice_requests_total',
    help: 'GraphQL requests, by operation name and outcome (OK or the first error code).',
    labelNames: ['operation', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'sluice_request_duration_seconds',
    help: 'Time from a request arriving to its response, by operation name.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const rows = new Counter({
    name: 'sluice_rows_scanned_total',
    help: 'Rows decoded from sources (before filters), by product.',
    labelNames: ['product'] as const,
    registers: [registry],
  });
  const rowGroups = new Counter({
    name: 'sluice_row_groups_scanned_total',
    help: 'Row groups decoded, by product.',
    labelNames: ['product'] as const,
    registers: [registry],
  });
  const rowGroupsPruned = new Counter({
    name: 'sluice_row_groups_pruned_total',
    help: 'Row groups of the files scanned that were not decoded (pruned by statistics or never reached), by product.',
    labelNames: ['product'] as const,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'sluice_bytes_fetched_total',
    help: 'Bytes received from object storage, by product.',
    labelNames: ['product'] as const,
    registers: [registry],
  });
  const bytesRead = new Counter({
    name: 'sluice_bytes_read_total',
    help: 'Compressed bytes of the column chunks read (local and object storage, cached columns included; server.limits.maxBytesRead), by product.',
    labelNames: ['product'] as const,
    registers: [registry],
  });
  const denials = new Counter({
    name: 'sluice_policy_denials_total',
    help: 'Requests refused for who is asking (UNAUTHENTICATED, FORBIDDEN, PERSISTED_QUERY_REQUIRED), by code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const deniedVersions = new Counter({
    name: 'sluice_policy_denied_versions_total',
    help: 'Product versions a matching policy would have opened but that were denied (e.g. a missing $caller attribute).',
    labelNames: ['product'] as const,
    registers: [registry],
  });
  const engine = options.engine;
  if (engine) {
    const stat = (name: string, help: string, pick: (s: NonNullable<ReturnType<Engine['cacheStats']>>) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const s = engine.cacheStats();
          if (s) this.set(pick(s));
        },
      });
    stat('sluice_column_cache_hits', 'Decoded column chunks served from the cache since start.', (s) => s.hits);
    stat('sluice_column_cache_misses', 'Decoded column chunks not in the cache since start.', (s) => s.misses);
    stat('sluice_column_cache_hit_ratio', 'hits / (hits + misses) since start.', (s) =>
      s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses),
    );
    stat('sluice_column_cache_bytes', 'Bytes held by the column cache.', (s) => s.bytes);
  }

  const operations = new Set<string>();
  const operationOf = (name: string | null, credential: string | null): string => {
    if (name === null) return 'anonymous';
    if (credential !== 'api-key' && credential !== 'jwt') return 'other';
    if (typeof name !== 'string' || !OPERATION_NAME.test(name)) return 'other';
    if (operations.has(name)) return name;
    if (operations.size >= MAX_OPERATIONS) return 'other';
    operations.add(name);
    return name;
  };

  return {
    registry,
    requestEnded(record) {
      const operation = operationOf(record.operationName, record.credential);
      const code = record.errors[0] ?? (record.status < 400 ? 'OK' : `HTTP_${record.status}`);
      requests.inc({ operation, code });
      latency.observe({ operation }, record.durationMs / 1000);
      if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' || code === 'PERSISTED_QUERY_REQUIRED') denials.inc({ code });
      for (const d of record.deniedProducts) deniedVersions.inc({ product: `${d.product}@v${d.major}` });
    },
    scanned(scans) {
      for (const scan of scans) {
        const product = { product: `${scan.product}@v${scan.major}` };
        // Summed over the scan's files first: one increment per series, not one per file (a product may have hundreds).
        let scannedRows = 0;
        let scannedGroups = 0;
        let pruned = 0;
        let fetched = 0;
        let read = 0;
        for (const s of scan.sources) {
          scannedRows += s.rowsScanned;
          scannedGroups += s.rowGroupsScanned;
          pruned += s.rowGroupsTotal - s.rowGroupsScanned;
          fetched += s.bytesFetched ?? 0;
          read += s.bytesRead;
        }
        rows.inc(product, scannedRows);
        rowGroups.inc(product, scannedGroups);
        rowGroupsPruned.inc(product, pruned);
        if (fetched > 0) bytes.inc(product, fetched);
        bytesRead.inc(product, read);
      }
    },
  };
}

/** An audit sink that also counts each request in the metrics. */
export function metricsAuditSink(sink: AuditSink, metrics: GatewayMetrics): AuditSink {
  return {
    write(record) {
      sink.write(record);
      metrics.requestEnded(record);
    },
    close: () => sink.close(),
  };
}
