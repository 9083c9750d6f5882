import type { PlanNode } from '../plan/plan.js';
import type { Row } from '../plan/scalar.js';
import type { ColumnDescription } from './column-types.js';
import { DecodePool } from './decode-pool.js';
import { executePlan, type MaskValues } from './execute.js';
import { readFooter } from './parquet-metadata.js';
import type { OpenSourceFile } from './read-row-groups.js';
import type { ScanReport, SourceAccess } from './scan.js';
import { LocalSourceStore, type SourceObject, type SourceStore } from './source-files.js';

export { checkColumnType, type ColumnDescription } from './column-types.js';
export type { ScanReport, SourceFileReport } from './scan.js';
export type { MaskValues } from './execute.js';
export type { ByteRangeReader, SourceObject, SourceStore } from './source-files.js';

/**
 * The embedded execution engine: runs logical plans (src/plan) over Parquet
 * sources and describes sources for `contract validate`.
 *
 * Contract for callers:
 * - One Engine per process, shared by concurrent requests. It holds only
 *   caches of immutable data (digested footers and decoder handles, keyed by
 *   path, size and mtime, so a rewritten file is re-read) and the decoder
 *   thread (decode-pool.ts); everything belonging to one execution lives in
 *   that call.
 * - Results are rows keyed by contract field name, values in the plan's
 *   representation (src/plan/scalar.ts), plus one `ScanReport` per scan
 *   executed listing every file of the source, pruned ones with
 *   `rowGroupsScanned: 0`.
 * - Errors: SOURCE_UNAVAILABLE (missing, unlistable or unreadable files,
 *   s3:// sources for now), SOURCE_CORRUPT (not Parquet, a page that cannot
 *   be decoded, or a schema that no longer fits the fields read),
 *   QUERY_TIMEOUT (the signal aborted). Their
 *   messages name the product and the file as shown to users, never an
 *   absolute path. Anything else is a bug and propagates as is.
 */
export interface ExecutionResult {
  readonly rows: Row[];
  readonly scans: ScanReport[];
}

export interface ExecutionOptions {
  /** Checked between row groups; when aborted the execution throws QUERY_TIMEOUT. */
  readonly signal?: AbortSignal;
  /** How to mask values for this execution; defaults to `EngineOptions.maskValues`. */
  readonly maskValues?: MaskValues;
}

/** One file of a source, for `contract validate`. */
export interface SourceFileDescription {
  readonly uri: string;
  readonly etag: string;
  readonly numRows: number;
  readonly rowGroups: number;
  /** Top-level columns in schema order. */
  readonly columns: readonly ColumnDescription[];
}

export interface SourceDescription {
  readonly files: readonly SourceFileDescription[];
}

export interface EngineOptions {
  /**
   * How Mask nodes mask values (the policy layer's mask rules, with the
   * configured hash key). A plan with a Mask node fails without one.
   */
  readonly maskValues?: MaskValues;
  /** Where source bytes come from; local files by default. */
  readonly store?: SourceStore;
  /** How many opened files (footer + decoder handle) to keep; default 1024. */
  readonly openFileCacheSize?: number;
}

export class Engine {
  private readonly store: SourceStore;
  private readonly openFiles: OpenFileCache;
  private readonly access: SourceAccess;
  private readonly decoder = new DecodePool();
  private readonly maskValues: MaskValues | undefined;

  constructor(options: EngineOptions = {}) {
    this.store = options.store ?? new LocalSourceStore();
    this.maskValues = options.maskValues;
    this.openFiles = new OpenFileCache(options.openFileCacheSize ?? 1024);
    this.access = {
      list: (pattern, label) => this.store.list(pattern, label),
      open: (object, label) => this.openFiles.open(object, label),
    };
  }

  async execute(plan: PlanNode, options: ExecutionOptions = {}): Promise<ExecutionResult> {
    const scans: ScanReport[] = [];
    const rows = await executePlan(plan, {
      access: this.access,
      decoder: this.decoder,
      signal: options.signal,
      reports: scans,
      maskValues: options.maskValues ?? this.maskValues,
    });
    return { rows, scans };
  }

  /**
   * Stops the decoder thread. Optional: an idle engine does not keep the
   * process alive. The engine stays usable (a new thread starts on demand).
   */
  close(): Promise<void> {
    return this.decoder.close();
  }

  /**
   * The Parquet schema of every file of a source (an absolute glob or an
   * s3:// URI, as in `Contract.source.resolved`). Throws SOURCE_UNAVAILABLE
   * when no file matches or a file cannot be read, SOURCE_CORRUPT when a
   * file is not Parquet.
   */
  async describeSource(source: string): Promise<SourceDescription> {
    const label = '';
    const objects = await this.store.list(source, label);
    const files = await Promise.all(objects.map((o) => this.openFiles.open(o, label)));
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

/**
 * Opened files by content key, least recently used evicted first. Entries
 * are promises so concurrent queries opening the same file share one footer
 * read; a failed open is dropped so the next query retries.
 */
class OpenFileCache {
  private readonly entries = new Map<string, Promise<OpenSourceFile>>();

  constructor(private readonly capacity: number) {}

  open(object: SourceObject, label: string): Promise<OpenSourceFile> {
    const key = object.cacheKey;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const opening = (async () => {
      const reader = await object.open();
      const footer = await readFooter(reader, object.uri, label);
      return { object, reader, footer };
    })();
    opening.catch(() => {
      if (this.entries.get(key) === opening) this.entries.delete(key);
    });
    this.entries.set(key, opening);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return opening;
  }
}
