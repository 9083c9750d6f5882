import { Worker } from 'node:worker_threads';
import type { ByteRangeReader } from './source-files.js';

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
 * Blame: a request whose own read failed gets `unavailable`. Every other
 * request caught in a crash is retried alone, in a fresh worker of its own;
 * crashing that one too makes it `corrupt`, and the row group is remembered
 * so later queries fail fast instead of crashing the shared worker again.
 */
export interface DecodeRequest {
  /** The file version (`SourceObject.cacheKey`): what the worker caches its handle under. */
  readonly key: string;
  readonly size: number;
  readonly reader: ByteRangeReader;
  readonly rowGroup: number;
  readonly columns: readonly string[];
  readonly batchSize: number;
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

interface Pending {
  readonly request: DecodeRequest;
  readonly resolve: (ipc: Uint8Array) => void;
  readonly reject: (e: Error) => void;
  /** One of this request's reads failed: the storage, not the data, is at fault. */
  readFailed: boolean;
}

export class DecodePool {
  private shared: DecodeWorker | undefined;
  private readonly isolated = new Set<DecodeWorker>();
  /** Retries in isolation run one after another. */
  private isolation: Promise<void> = Promise.resolve();
  private readonly corrupt = new Set<string>();

  /** Arrow IPC stream bytes of `columns` of one row group. Rejects with DecodeFailure. */
  decode(request: DecodeRequest, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.corrupt.has(rowGroupKey(request))) {
      return Promise.reject(new DecodeFailure('corrupt', `row group ${request.rowGroup} cannot be decoded`));
    }
    if (signal?.aborted) return Promise.reject(new DecodeFailure('aborted', 'aborted'));
    const run = new Promise<Uint8Array>((resolve, reject) => {
      this.sharedWorker().run({ request, resolve, reject, readFailed: false });
    });
    if (signal === undefined) return run;
    return new Promise<Uint8Array>((resolve, reject) => {
      // The worker finishes the row group anyway; its result is dropped.
      const abort = () => reject(new DecodeFailure('aborted', 'aborted'));
      signal.addEventListener('abort', abort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
    });
  }

  /**
   * Starts the shared worker ahead of the first decode (loading parquet-wasm
   * takes a while), without keeping the process alive.
   */
  warm(): void {
    this.sharedWorker();
  }

  /** Stops the workers; pending decodes fail. The pool can be used again afterwards. */
  async close(): Promise<void> {
    const workers = [...(this.shared ? [this.shared] : []), ...this.isolated];
    this.shared = undefined;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private sharedWorker(): DecodeWorker {
    if (this.shared === undefined || this.shared.dead) {
      const worker: DecodeWorker = new DecodeWorker((orphans, started) => {
        if (this.shared === worker) this.shared = undefined;
        for (const p of orphans) this.afterCrash(p, started);
      });
      this.shared = worker;
    }
    return this.shared;
  }

  private afterCrash(p: Pending, started: boolean): void {
    if (!started) return p.reject(new Error('the Parquet decoder worker failed to start'));
    if (p.readFailed) return p.reject(new DecodeFailure('unavailable', 'a read failed while decoding'));
    this.isolation = this.isolation.then(
      () =>
        new Promise<void>((done) => {
          const worker: DecodeWorker = new DecodeWorker((orphans, workerStarted) => {
            this.isolated.delete(worker);
            for (const o of orphans) {
              if (!workerStarted) o.reject(new Error('the Parquet decoder worker failed to start'));
              else if (o.readFailed) o.reject(new DecodeFailure('unavailable', 'a read failed while decoding'));
              else {
                this.corrupt.add(rowGroupKey(o.request));
                o.reject(new DecodeFailure('corrupt', `row group ${o.request.rowGroup} cannot be decoded`));
              }
            }
            done();
          });
          this.isolated.add(worker);
          const settle = () => {
            this.isolated.delete(worker);
            void worker.terminate().then(() => done());
          };
          worker.run({
            ...p,
            resolve: (ipc) => {
              p.resolve(ipc);
              settle();
            },
            reject: (e) => {
              p.reject(e);
              settle();
            },
          });
        }),
    );
  }
}

const rowGroupKey = (r: DecodeRequest) => `${r.key}\u0000${r.rowGroup}`;

/** One worker thread and the requests it is working on. */
class DecodeWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** The worker loaded parquet-wasm (it says so); a death before that is no data's fault. */
  private started = false;
  private closed = false;
  dead = false;

  /** `onDeath` gets the requests left unanswered, and whether the worker had started. */
  constructor(private readonly onDeath: (orphans: Pending[], started: boolean) => void) {
    this.worker = new Worker(new URL('./decode-worker.mjs', import.meta.url));
    // An idle decoder must not keep the process alive; a busy one does.
    this.worker.unref();
    this.worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    this.worker.on('error', () => this.die());
    this.worker.on('exit', () => this.die());
  }

  run(p: Pending): void {
    const id = this.nextId++;
    this.pending.set(id, p);
    if (this.pending.size === 1) this.worker.ref();
    const { key, size, rowGroup, columns, batchSize } = p.request;
    this.worker.postMessage({ type: 'decode', id, key, size, rowGroup, columns, batchSize });
  }

  terminate(): Promise<number> {
    this.closed = true;
    return this.worker.terminate();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    return p;
  }

  private onMessage(m: WorkerMessage): void {
    switch (m.type) {
      case 'ready':
        this.started = true;
        return;
      case 'read':
        void this.serveRead(m);
        return;
      case 'decoded':
        this.settle(m.id)?.resolve(m.ipc);
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
    const orphans = [...this.pending.values()];
    this.pending.clear();
    if (this.closed) for (const p of orphans) p.reject(new Error('the Parquet decoder was closed'));
    else this.onDeath(orphans, this.started);
  }
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'read'; readId: number; key: string; start: number; end: number }
  | { type: 'decoded'; id: number; ipc: Uint8Array }
  | { type: 'failed'; id: number; message: string };
