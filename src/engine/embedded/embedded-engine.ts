import { SluiceError } from '../../errors.js';
import type { PlanNode } from '../../plan/plan.js';
import { ColumnCache, type ColumnCacheStats } from '../cache/column-cache.js';
import { OpenFileCache } from '../cache/open-file-cache.js';
import type {
  Engine,
  ExecutionOptions,
  ExecutionResult,
  SourceDescription,
  TableDescription,
  TableFieldRequest,
} from '../engine-interface.js';
import type { TableCatalog } from '../table/catalog/table-catalog.js';
import { bindFields } from '../table/iceberg/scan/bind-fields.js';
import type { SnapshotSelector } from '../table/iceberg/scan/select-snapshot.js';
import { TableSources, type ResolvedSnapshot } from '../table/table-sources.js';
import { VisibleStatistics } from '../index/visible-stats.js';
import { queryTimeout } from '../limits/cancellation.js';
import { DecodePool } from '../parquet/decode-pool.js';
import type { OpenSourceFile } from '../parquet/read-row-groups.js';
import type { ScanReport, SourceAccess } from '../scan/scan-context.js';
import { isS3Uri } from '../storage/s3-location.js';
import {
  LocalSourceStore,
  SourceChanged,
  sourceFailure,
  type ReadMeter,
  type SourceObject,
  type SourceStore,
} from '../storage/source-files.js';
import { executePlan, type MaskValues } from './execute-plan.js';

/**
 * The embedded engine: runs logical plans in this process over Parquet
 * files (local or in object storage), decoding in worker threads
 * (parquet/decode-pool.ts); the operator pipeline is execute-plan.ts.
 *
 * One EmbeddedEngine per process, shared by concurrent requests. It holds
 * only caches of immutable data (digested footers and decoder handles, and
 * decoded column chunks within `columnCacheBytes`, keyed by path, size and
 * mtime or URI and ETag, so a rewritten file is re-read; statistics of the
 * rows row filters let through, index/visible-stats.ts) and the decoder
 * threads; everything belonging to one execution lives in that call.
 */
export interface EngineOptions {
  /**
   * How Mask nodes mask values (the policy layer's mask rules, with the
   * configured hash key). A plan with a Mask node fails without one.
   */
  readonly maskValues?: MaskValues;
  /** Where source bytes come from; local files by default. */
  readonly store?: SourceStore;
  /**
   * Where `s3://` sources come from (an S3SourceStore); without one they are
   * SOURCE_UNAVAILABLE. Everything else goes to `store`.
   */
  readonly objectStore?: SourceStore;
  /** How many opened files (footer + decoder handle) to keep; default 1024. */
  readonly openFileCacheSize?: number;
  /**
   * Byte budget of decoded column chunks kept for later queries (column-cache.ts);
   * default 256 MiB (`DEFAULT_COLUMN_CACHE_BYTES`), 0 turns the cache off. The cache never holds more.
   */
  readonly columnCacheBytes?: number;
  /** How long an Iceberg table's metadata is used before it is looked at again (table-sources.ts); default 60 s. */
  readonly tableRefreshMs?: number;
  /** Iceberg REST catalogs by the name contracts use (`source: { catalog, table }`). */
  readonly catalogs?: ReadonlyMap<string, TableCatalog>;
}

/**
 * 256 MiB: measured on 10M orders (bench/memory.ts, bench/memory-results.md),
 * the largest working set of one bench query is ~223 MiB of cached columns
 * (a selective filter with a top 20 over every row group), so at 256 MiB
 * every bench query is served warm from the cache, as at 512 MiB, while at
 * 192 MiB that query and its row-filtered twin fall out of the cache on
 * every run (seconds instead of tens of milliseconds). The process around
 * the cache needs ~230–260 MiB of its own (two decoder threads, the schema,
 * footers), so with this budget a server on 10M rows holds ~570 MiB after
 * every bench query (the Dockerfile's allocator settings; 775 MiB with
 * glibc's defaults). Deployments with more memory and wider working sets
 * raise it with SLUICE_COLUMN_CACHE_BYTES.
 */
export const DEFAULT_COLUMN_CACHE_BYTES = 256 * 2 ** 20;

export class EmbeddedEngine implements Engine {
  private readonly store: SourceStore;
  private readonly openFiles: OpenFileCache;
  private readonly access: SourceAccess;
  private readonly decoder = new DecodePool();
  /** The engine's own local store (its directory watches end with the engine), unless one was given. */
  private readonly local: LocalSourceStore | undefined;
  private readonly columns: ColumnCache | undefined;
  /** Statistics of row-filtered row groups' visible rows (visible-stats.ts). */
  private readonly visible = new VisibleStatistics();
  private readonly maskValues: MaskValues | undefined;
  /** Iceberg tables, each one version at a time (table-sources.ts). */
  private readonly tables: TableSources;
  /** Described files being opened in the decoder threads (see `ready`). */
  private readonly opening: Promise<void>[] = [];

  constructor(options: EngineOptions = {}) {
    this.local = options.store === undefined ? new LocalSourceStore() : undefined;
    const local = options.store ?? this.local!;
    const objects = options.objectStore;
    this.store = { list: (pattern, label) => (objects !== undefined && isS3Uri(pattern) ? objects : local).list(pattern, label) };
    this.maskValues = options.maskValues;
    this.openFiles = new OpenFileCache(options.openFileCacheSize ?? 1024);
    const columnBytes = options.columnCacheBytes ?? DEFAULT_COLUMN_CACHE_BYTES;
    this.columns = columnBytes > 0 ? new ColumnCache(columnBytes) : undefined;
    this.access = {
      list: (pattern, label) => this.store.list(pattern, label),
      open: (object, label) => this.openFiles.open(object, label),
    };
    this.tables = new TableSources({
      store: local,
      ...(objects !== undefined && { objectStore: objects }),
      ...(options.tableRefreshMs !== undefined && { refreshMs: options.tableRefreshMs }),
      ...(options.catalogs !== undefined && { catalogs: options.catalogs }),
    });
  }

  resolveSnapshot(source: string, label: string, selector?: SnapshotSelector): Promise<ResolvedSnapshot | null> {
    return this.tables.resolve(source, label, selector);
  }

  async describeTable(source: string, label: string, fields: readonly TableFieldRequest[]): Promise<TableDescription> {
    const table = await this.tables.table(source, label);
    const problems = new Map<string, string>();
    const bound: TableFieldRequest[] = [];
    for (const f of fields) {
      try {
        bindFields(table.schema, [f]);
        bound.push(f);
      } catch (e) {
        if (!(e instanceof SluiceError)) throw e;
        problems.set(f.name, e.message);
      }
    }
    const current = table.snapshot();
    // The current snapshot planned whole: every manifest and data file footer read, so refusals show now.
    const plan = await table.planScan({ snapshot: current, fields: bound });
    for (const f of bound) {
      const schemaField = table.schema.fields.find((c) => c.name === f.column)!;
      if (f.nullable || schemaField.required) continue;
      const unproven = plan.files.some((t) => {
        const read = t.fields.get(f.name);
        if (read?.kind === 'constant') return read.value === null && t.recordCount > 0;
        const nulls = t.nullValueCounts?.get(schemaField.id);
        return nulls === undefined || nulls > 0;
      });
      if (unproven)
        problems.set(
          f.name,
          `is nullable: false but column "${f.column}" is optional in the Iceberg table and its manifests do not show it free of nulls`,
        );
    }
    return { snapshot: current === null ? null : { id: current.id, timestampMs: current.timestampMs }, problems };
  }

  async execute(plan: PlanNode, options: ExecutionOptions = {}): Promise<ExecutionResult> {
    for (let attempt = 1; ; attempt++) {
      const reads = new ExecutionReads(this.access, this.openFiles, options.signal);
      const scans: ScanReport[] = options.reports ?? [];
      scans.length = 0;
      try {
        const rows = await executePlan(plan, {
          access: reads.access,
          decoder: this.decoder,
          columns: this.columns,
          visible: this.visible,
          tables: this.tables,
          signal: options.signal,
          reports: scans,
          maskValues: options.maskValues ?? this.maskValues,
          ...(options.budget && { budget: options.budget }),
        });
        return { rows, scans: reads.withCost(scans) };
      } catch (e) {
        reads.withCost(scans);
        const failure = reads.explain(e);
        // The store dropped the listing that named the old version: run once more over the current one.
        if (attempt === 1 && reads.changed && isSourceError(failure)) continue;
        throw failure;
      }
    }
  }

  /** Each file's `uri etag`, from the listing a scan would use now (cached listings are dropped on any change: source-files.ts). */
  async sourceVersion(source: string): Promise<string> {
    const objects = await this.store.list(source, '');
    return objects.map((o) => `${o.uri} ${o.etag}`).join('\n');
  }

  /** The decoded-column cache's figures (for metrics and the benchmark); null when it is off. */
  cacheStats(): ColumnCacheStats | null {
    return this.columns?.stats() ?? null;
  }

  /**
   * Resolves once the decoder threads have loaded parquet-wasm and opened
   * every local file described so far (their footers parsed in each thread):
   * what `serve` waits for before it says it is ready, so the first query
   * does not pay for it. Never rejects.
   */
  async ready(): Promise<void> {
    await this.decoder.ready();
    await Promise.all(this.opening);
  }

  /**
   * Stops the decoder thread. Optional: an idle engine does not keep the
   * process alive. The engine stays usable (a new thread starts on demand).
   */
  close(): Promise<void> {
    this.local?.close();
    return this.decoder.close();
  }

  /**
   * The Parquet schema of every file of a source (an absolute glob or an
   * s3:// URI, as in `Contract.source.resolved`). Throws SOURCE_UNAVAILABLE
   * when no file matches or a file cannot be read, SOURCE_CORRUPT when a
   * file is not Parquet.
   */
  async describeSource(source: string): Promise<SourceDescription> {
    // Sources are described when a deployment loads: the first query will decode, so start the decoder now.
    this.decoder.warm();
    const label = '';
    let files: OpenSourceFile[];
    for (let attempt = 1; ; attempt++) {
      const objects = await this.store.list(source, label);
      try {
        files = await Promise.all(objects.map((o) => this.openFiles.open(o, label)));
        break;
      } catch (e) {
        if (attempt === 1 && e instanceof SourceChanged) continue;
        // Operators, unlike callers, are told which object it was.
        const named = objects.find((o) => o.shownAs !== undefined && e instanceof SluiceError && e.message.includes(o.shownAs));
        if (named !== undefined && e instanceof SluiceError)
          throw sourceFailure(e.code as 'SOURCE_UNAVAILABLE' | 'SOURCE_CORRUPT', label, e.message.replace(named.shownAs!, named.uri));
        throw e;
      }
    }
    // The decoder threads parse the footers too (parquet-wasm keeps its own
    // handle): have them do it now. Object storage is left to the first
    // query, so startup sends no request beyond the footer reads above.
    const local = files.filter((f) => f.object.metered !== true);
    if (local.length > 0)
      this.opening.push(this.decoder.open(local.map((f) => ({ key: f.object.cacheKey, size: f.reader.size, reader: f.reader }))));
    return {
      files: files.map((f) => ({
        uri: f.object.uri,
        etag: f.object.etag,
        numRows: f.footer.numRows,
        rowGroups: f.footer.rowGroups.length,
        columns: f.footer.columns,
      })),
    };
  }
}

const isSourceError = (e: unknown): e is SluiceError =>
  e instanceof SluiceError && (e.code === 'SOURCE_UNAVAILABLE' || e.code === 'SOURCE_CORRUPT');

/**
 * What one execution read: what reading each object cost (metered stores),
 * the first read failure and whether a read found an object changed. The
 * decoder thread reports a failed read only as "a read failed", so the
 * store's own reason (unavailable after retries, access denied, changed) is
 * kept here and preferred.
 */
class ExecutionReads {
  readonly access: SourceAccess;
  private readonly meters = new Map<string, ReadMeter>();
  private failure: SluiceError | undefined;
  /** A read found an object replaced or removed since it was listed. */
  changed = false;

  constructor(shared: SourceAccess, openFiles: OpenFileCache, signal: AbortSignal | undefined) {
    this.access = {
      list: (pattern, label) => shared.list(pattern, label),
      open: async (object, label) => {
        const meter = this.meterOf(object);
        const file = await untilAborted(this.recording(openFiles.open(object, label, meter), label), signal);
        const reader = file.reader;
        return { ...file, reader: { size: reader.size, read: (start, end) => this.recording(reader.read(start, end, meter), label) } };
      },
    };
  }

  /** `e`, or the store's own reason when `e` is the decoder's word for a failed read. */
  explain(e: unknown): unknown {
    if (e instanceof SluiceError && e.code === 'SOURCE_UNAVAILABLE' && this.failure?.code === 'SOURCE_UNAVAILABLE') return this.failure;
    return e;
  }

  /** The scans' reports, with what each metered file cost. */
  withCost(scans: ScanReport[]): ScanReport[] {
    // Local files are not metered: nothing to add (and a scan may list hundreds of them).
    if (this.meters.size === 0) return scans;
    for (const scan of scans) {
      for (const s of scan.sources) {
        const meter = this.meters.get(`${s.uri}\u0000${s.etag}`);
        if (meter === undefined) continue;
        s.bytesFetched = meter.bytesFetched;
        s.requests = meter.requests;
      }
    }
    return scans;
  }

  private meterOf(object: SourceObject): ReadMeter | undefined {
    if (object.metered !== true) return undefined;
    const key = `${object.uri}\u0000${object.etag}`;
    let meter = this.meters.get(key);
    if (meter === undefined) this.meters.set(key, (meter = { bytesFetched: 0, requests: 0 }));
    return meter;
  }

  /** `p`, its failure kept, with the product in front of a store's message (reads do not know the product). */
  private async recording<T>(p: Promise<T>, label: string): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof SourceChanged) this.changed = true;
      const failure = isSourceError(e) && label !== '' && !e.message.startsWith(`${label}: `) ? relabel(e, label) : e;
      if (failure instanceof SluiceError) this.failure ??= failure;
      throw failure;
    }
  }
}

const relabel = (e: SluiceError, label: string): SluiceError =>
  e instanceof SourceChanged
    ? new SourceChanged(label, e.message)
    : sourceFailure(e.code as 'SOURCE_UNAVAILABLE' | 'SOURCE_CORRUPT', label, e.message);

/** `p`, or QUERY_TIMEOUT as soon as `signal` aborts (a shared footer read goes on for the others). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(queryTimeout());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(queryTimeout());
    signal.addEventListener('abort', abort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
