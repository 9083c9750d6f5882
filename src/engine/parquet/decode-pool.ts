import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ByteRangeReader } from '../storage/source-files.js';
import type { ChunkLayout, CodedChunk } from './dictionary-chunk.js';

/**
 * Row-group decoding with parquet-wasm, kept off the main thread.
 *
 * Why a worker: parquet-wasm 0.8's asynchronous reader does not report a
 * failed read or a corrupt page as an error; it traps, which aborts the
 * WebAssembly instance and surfaces as an uncaught exception (the read's
 * promise never settles). In-process, one bad row group would take the
 * gateway down. In a worker, it takes down the worker: the pool starts a new
 * one and works out whose fault it was. (The synchronous `readParquet`
 * reports errors properly but decodes whole files, ~50× slower.) A side
 * benefit: decoding runs in parallel with filtering on the main thread.
 *
 * Two shared workers where there are two cores or more: the row groups a
 * scan starts ahead go to the less busy one, so both cores decode, and one
 * worker's long decode does not hold up the other's queue. Each worker
 * holds its own parquet-wasm instance and file handles.
 *
 * Blame: a request whose own read failed gets `unavailable`. Every other
 * request caught in a crash is retried alone, one at a time, in a worker
 * that runs nothing else (a fresh one after each crash, so a crash there
 * has one request to blame); crashing that one too makes it `corrupt`, and
 * the row group is remembered so later queries fail fast instead of
 * crashing the shared worker again. A scan has many requests in hand (one
 * per column of each row group started), so starting a worker for each
 * retry would take longer than the retries.
 */
export interface DecodeRequest {
  /** The file version (`SourceObject.cacheKey`): what the worker caches its handle under. */
  readonly key: string;
  readonly size: number;
  readonly reader: ByteRangeReader;
  readonly rowGroup: number;
  readonly columns: readonly string[];
  readonly batchSize: number;
  /** UTF-8 columns among `columns` to build Bloom filters of while decoding (bloom-filter.ts). */
  readonly blooms?: readonly string[];
  /** Find the dictionary codes of the UTF-8 columns while decoding (column.ts `dictionaryOf`). */
  readonly dictionaries?: boolean;
  /**
   * The one column asked for is a dictionary-encoded string chunk lying
   * here: read its codes straight from its pages (dictionary-chunk.ts), and
   * decode it with parquet-wasm only when that cannot be done.
   */
  readonly chunk?: ChunkLayout;
}

/** Dictionary codes a decoder thread found: codes, and the distinct values as offsets into their bytes. */
export interface FoundDictionary {
  readonly codes: Uint16Array;
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}

/** A decoded row group: Arrow IPC stream bytes, and the Bloom filter words asked for, by column. */
export interface Decoded {
  /** The columns parquet-wasm decoded (none of those in `coded`). */
  readonly ipc: Uint8Array;
  /** With `chunk`: the column read as dictionary codes, which the IPC stream then lacks. */
  readonly coded?: Readonly<Record<string, CodedChunk>>;
  readonly blooms: Readonly<Record<string, Uint32Array>>;
  /** With `dictionaries`: by UTF-8 column, its dictionary, or null when it has too many distinct values. */
  readonly dictionaries: Readonly<Record<string, FoundDictionary | null>>;
}

export type DecodeFailureKind = 'unavailable' | 'corrupt' | 'aborted';

/** Why a decode failed; the caller words the message (it knows product and file). */
export class DecodeFailure extends Error {
  constructor(
    readonly kind: DecodeFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeFailure';
  }
}

/** A file to open ahead of its first decode: the decoder's handle parses the footer once. */
export type OpenRequest = Pick<DecodeRequest, 'key' | 'size' | 'reader'>;

interface Pending {
  /** An `open` (no bytes come back; a failure is only a missed head start), or a decode. */
  readonly open?: boolean;
  readonly request: DecodeRequest;
  readonly resolve: (decoded: Decoded) => void;
  readonly reject: (e: Error) => void;
  /** One of this request's reads failed: the storage, not the data, is at fault. */
  readFailed: boolean;
}

export class DecodePool {
  private readonly shared: (DecodeWorker | undefined)[];
  private readonly isolated = new Set<DecodeWorker>();
  /** Retries in isolation run one after another. */
  private isolation: Promise<void> = Promise.resolve();
  private readonly corrupt = new Set<string>();

  /** `workers`: shared decoder threads; by default two, or one on a single core. */
  constructor(workers = Math.min(2, availableParallelism())) {
    this.shared = new Array<DecodeWorker | undefined>(Math.max(1, workers)).fill(undefined);
  }

  /** `columns` of one row group, as Arrow IPC. Rejects with DecodeFailure. */
  decode(request: DecodeRequest, signal?: AbortSignal): Promise<Decoded> {
    if (this.corrupt.has(rowGroupKey(request))) {
      return Promise.reject(new DecodeFailure('corrupt', `row group ${request.rowGroup} cannot be decoded`));
    }
    if (signal?.aborted) return Promise.reject(new DecodeFailure('aborted', 'aborted'));
    const run = new Promise<Decoded>((resolve, reject) => {
      this.leastBusy().run({ request, resolve, reject, readFailed: false });
    });
    if (signal === undefined) return run;
    return new Promise<Decoded>((resolve, reject) => {
      // The worker finishes the row group anyway; its result is dropped.
      const abort = () => reject(new DecodeFailure('aborted', 'aborted'));
      signal.addEventListener('abort', abort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
    });
  }

  /**
   * Starts the shared workers ahead of the first decode (loading parquet-wasm
   * takes a while), without keeping the process alive.
   */
  warm(): void {
    for (let i = 0; i < this.shared.length; i++) this.sharedWorker(i);
  }

  /**
   * Has every shared worker open `files` (read and parse their footers) now,
   * rather than on their first decode. Never rejects: a file that fails to
   * open fails again, properly blamed, when it is decoded.
   */
  open(files: readonly OpenRequest[]): Promise<void> {
    const opens: Promise<unknown>[] = [];
    for (let i = 0; i < this.shared.length; i++) {
      const worker = this.sharedWorker(i);
      for (const f of files) {
        opens.push(
          new Promise<Decoded>((resolve, reject) => {
            worker.run({ open: true, request: { ...f, rowGroup: -1, columns: [], batchSize: 0 }, resolve, reject, readFailed: false });
          }).catch(() => undefined),
        );
      }
    }
    return Promise.all(opens).then(() => undefined);
  }

  /** Resolves once every shared worker has loaded parquet-wasm (or failed to start). */
  ready(): Promise<void> {
    return Promise.all(this.shared.map((_, i) => this.sharedWorker(i).started)).then(() => undefined);
  }

  /** Stops the workers; pending decodes fail. The pool can be used again afterwards. */
  async close(): Promise<void> {
    const workers = [...this.shared.filter((w): w is DecodeWorker => w !== undefined), ...this.isolated];
    this.shared.fill(undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** The shared worker with the fewest requests in hand (the first on a tie). */
  private leastBusy(): DecodeWorker {
    let best = this.sharedWorker(0);
    for (let i = 1; i < this.shared.length; i++) {
      const w = this.sharedWorker(i);
      if (w.load < best.load) best = w;
    }
    return best;
  }

  private sharedWorker(i: number): DecodeWorker {
    const current = this.shared[i];
    if (current !== undefined && !current.dead) return current;
    const worker: DecodeWorker = new DecodeWorker((orphans, started) => {
      if (this.shared[i] === worker) this.shared[i] = undefined;
      for (const p of orphans) this.afterCrash(p, started);
    });
    this.shared[i] = worker;
    return worker;
  }

  private afterCrash(p: Pending, started: boolean): void {
    if (p.open === true) return p.reject(new Error('the Parquet decoder worker stopped'));
    if (!started) return p.reject(new Error('the Parquet decoder worker failed to start'));
    if (p.readFailed) return p.reject(new DecodeFailure('unavailable', 'a read failed while decoding'));
    this.isolation = this.isolation.then(
      () =>
        new Promise<void>((done) => {
          // Another column of this row group was found corrupt meanwhile: it fails fast, as a new request would.
          if (this.corrupt.has(rowGroupKey(p.request))) {
            p.reject(new DecodeFailure('corrupt', `row group ${p.request.rowGroup} cannot be decoded`));
            return done();
          }
          const worker = this.isolatedWorker();
          this.isolatedDone = done;
          const settle = () => {
            if (this.isolatedDone === done) this.isolatedDone = undefined;
            done();
          };
          worker.run({
            ...p,
            resolve: (decoded) => {
              p.resolve(decoded);
              settle();
            },
            reject: (e) => {
              p.reject(e);
              settle();
            },
          });
        }),
    );
    // Once no retry is left, the isolation worker goes.
    const tail = this.isolation;
    void tail.then(() => {
      const worker = this.isolation === tail ? this.isolating : undefined;
      if (worker === undefined) return;
      this.isolating = undefined;
      this.isolated.delete(worker);
      void worker.terminate();
    });
  }

  /** The worker retrying requests one at a time; a request that kills it is to blame, and the next gets a fresh one. */
  private isolating: DecodeWorker | undefined;
  /** Settles the retry in hand when its worker dies. */
  private isolatedDone: (() => void) | undefined;

  private isolatedWorker(): DecodeWorker {
    if (this.isolating !== undefined && !this.isolating.dead) return this.isolating;
    const worker: DecodeWorker = new DecodeWorker((orphans, workerStarted) => {
      this.isolated.delete(worker);
      if (this.isolating === worker) this.isolating = undefined;
      for (const o of orphans) {
        if (!workerStarted) o.reject(new Error('the Parquet decoder worker failed to start'));
        else if (o.readFailed) o.reject(new DecodeFailure('unavailable', 'a read failed while decoding'));
        else {
          this.corrupt.add(rowGroupKey(o.request));
          o.reject(new DecodeFailure('corrupt', `row group ${o.request.rowGroup} cannot be decoded`));
        }
      }
      const done = this.isolatedDone;
      this.isolatedDone = undefined;
      done?.();
    });
    this.isolated.add(worker);
    this.isolating = worker;
    return worker;
  }
}

/**
 * Starts a decoder thread: decode-worker.js beside this file when it runs
 * built (dist/, as `sluice` does), or the TypeScript source through tsx when
 * the sources run (the tests). Node 20 applies no loader named in a worker's
 * execArgv to the worker's own module, so the thread registers tsx itself
 * before it loads the source.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./decode-worker.js', import.meta.url));
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const source = JSON.stringify(new URL('./decode-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${source}); });`, { eval: true });
}

const rowGroupKey = (r: DecodeRequest) => `${r.key}\u0000${r.rowGroup}`;

/** One worker thread and the requests it is working on. */
class DecodeWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** The worker loaded parquet-wasm (it says so); a death before that is no data's fault. */
  private isStarted = false;
  /** Settles when the worker has loaded parquet-wasm or died trying. */
  readonly started: Promise<void>;
  private onStarted!: () => void;
  private closed = false;
  dead = false;

  /** `onDeath` gets the requests left unanswered, and whether the worker had started. */
  constructor(private readonly onDeath: (orphans: Pending[], started: boolean) => void) {
    this.started = new Promise((resolve) => (this.onStarted = resolve));
    this.worker = startWorker();
    // An idle decoder must not keep the process alive; a busy one does.
    this.worker.unref();
    this.worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    this.worker.on('error', () => this.die());
    this.worker.on('exit', () => this.die());
  }

  /** Requests in hand. */
  get load(): number {
    return this.pending.size;
  }

  run(p: Pending): void {
    const id = this.nextId++;
    this.pending.set(id, p);
    const { key, size, rowGroup, columns, batchSize, blooms, dictionaries, chunk } = p.request;
    // Opening ahead must not keep the process alive (a CLI that only checks contracts exits); a decode must.
    if (p.open === true) {
      this.worker.postMessage({ type: 'open', id, key, size });
      return;
    }
    if (this.refs++ === 0) this.worker.ref();
    this.worker.postMessage({ type: 'decode', id, key, size, rowGroup, columns, batchSize, blooms, dictionaries, chunk });
  }

  terminate(): Promise<number> {
    this.closed = true;
    return this.worker.terminate();
  }

  /** Decodes in hand: the worker is referenced while there is one. */
  private refs = 0;

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (p !== undefined && p.open !== true && --this.refs === 0) this.worker.unref();
    return p;
  }

  private onMessage(m: WorkerMessage): void {
    switch (m.type) {
      case 'ready':
        this.isStarted = true;
        this.onStarted();
        return;
      case 'opened':
        this.settle(m.id)?.resolve({ ipc: new Uint8Array(0), blooms: {}, dictionaries: {} });
        return;
      case 'read':
        void this.serveRead(m);
        return;
      case 'decoded':
        this.settle(m.id)?.resolve({
          ipc: m.ipc,
          blooms: m.blooms,
          dictionaries: m.dictionaries,
          ...(m.coded !== undefined && { coded: m.coded }),
        });
        return;
      case 'failed': {
        const p = this.settle(m.id);
        p?.reject(new DecodeFailure(p.readFailed ? 'unavailable' : 'corrupt', m.message));
        return;
      }
    }
  }

  private async serveRead(m: { readId: number; key: string; start: number; end: number }): Promise<void> {
    // Any pending request on this file version can serve: they read the same bytes.
    const waiting = [...this.pending.values()].filter((p) => p.request.key === m.key);
    const reader = waiting[0]?.request.reader;
    let buffer: ArrayBuffer | undefined;
    try {
      if (reader !== undefined) buffer = await reader.read(m.start, m.end);
    } catch {
      buffer = undefined;
    }
    if (this.dead) return;
    if (buffer === undefined) {
      for (const p of waiting) p.readFailed = true;
      this.worker.postMessage({ type: 'bytes', readId: m.readId, ok: false });
    } else {
      this.worker.postMessage({ type: 'bytes', readId: m.readId, ok: true, buffer }, [buffer]);
    }
  }

  private die(): void {
    if (this.dead) return;
    this.dead = true;
    this.onStarted();
    const orphans = [...this.pending.values()];
    this.pending.clear();
    if (this.closed) for (const p of orphans) p.reject(new Error('the Parquet decoder was closed'));
    else this.onDeath(orphans, this.isStarted);
  }
}

/** What a decoder thread says (decode-worker.ts has the protocol). */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'opened'; id: number }
  | { type: 'read'; readId: number; key: string; start: number; end: number }
  | {
      type: 'decoded';
      id: number;
      ipc: Uint8Array;
      blooms: Record<string, Uint32Array>;
      dictionaries: Record<string, FoundDictionary | null>;
      coded?: Record<string, CodedChunk>;
    }
  | { type: 'failed'; id: number; message: string };

/** What the pool tells a decoder thread. */
export type PoolMessage =
  | { type: 'open'; id: number; key: string; size: number }
  | ({ type: 'decode'; id: number } & Pick<
      DecodeRequest,
      'key' | 'size' | 'rowGroup' | 'columns' | 'batchSize' | 'blooms' | 'dictionaries' | 'chunk'
    >)
  | { type: 'bytes'; readId: number; ok: boolean; buffer?: ArrayBuffer };
