import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Engine, ScanReport } from '../engine/engine.js';
import type { PlanNode } from '../plan/plan.js';
import type { Row } from '../plan/scalar.js';
import type { EffectivePolicy } from '../policy/effective-policy.js';

/** A session's granted product versions (`Session.access`). */
type Granted = ReadonlyMap<string, EffectivePolicy>;

/**
 * Answers of whole plans, kept for the next identical question
 * (`server.resultCache`, off by default).
 *
 * What makes two questions identical (the key, a SHA-256 of):
 * - the optimized plan, after the analyzer pinned the caller's policies to it
 *   (row filter and masks with the caller's values resolved: inject-policy.ts)
 *   and the optimizer rewrote it: the exact computation the engine would run;
 * - the digest of the caller's effective access (every granted product
 *   version's policies, fields, row filter, masks, aggregation and page
 *   limit): two callers whose policies differ in any way never share an
 *   entry, even for a plan that would come out the same;
 * - the version of every source the plan reads, listed afresh for each
 *   lookup (each file's name and ETag: size and mtime locally, the object's
 *   ETag in a bucket): a rewritten, added or removed file changes the key,
 *   so a stale answer is never found. An entry is stored only when what
 *   the execution read is exactly the listing the key was made from.
 *
 * Bounded in bytes (an estimate of the rows' size in memory), least recently
 * used evicted first; an answer larger than an eighth of the budget is not
 * kept. Only answers are kept: an execution that failed leaves nothing.
 * Engines that cannot tell a source's version (no `sourceVersion`) are
 * never cached for. A hit costs the planning and the listing, not the scan:
 * it reads nothing, so it counts no rows or bytes against the request's
 * limits, and its lineage names the files the answer was computed from,
 * with `fromCache: true`.
 */
export interface ResultCacheStats {
  readonly budgetBytes: number;
  readonly bytes: number;
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
  /** Answers not kept: too large, or the sources changed while they were computed. */
  readonly skipped: number;
}

interface Entry {
  readonly rows: readonly Row[];
  readonly scans: readonly ScanReport[];
  readonly bytes: number;
}

/** What a lookup is made of: the key and the listing it must be stored under. */
export interface ResultKey {
  readonly key: string;
  /** `uri etag` of every file listed for the plan's sources. */
  readonly files: ReadonlySet<string>;
}

export class ResultCache {
  private readonly entries: LRUCache<string, Entry>;
  private readonly accessDigests = new WeakMap<Granted, string>();
  private hits = 0;
  private misses = 0;
  private skipped = 0;

  constructor(private readonly budgetBytes: number) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: budgetBytes,
      maxEntrySize: Math.max(1, Math.floor(budgetBytes / 8)),
      sizeCalculation: (e) => Math.max(1, e.bytes),
    });
  }

  /**
   * The key of a plan for a caller, or undefined when its answer must not be
   * cached: the engine cannot version its sources, or listing one failed
   * (the execution will say why).
   */
  async keyOf(engine: Engine, access: Granted, plan: PlanNode): Promise<ResultKey | undefined> {
    if (engine.sourceVersion === undefined) return undefined;
    const sources = [...new Set(scannedSources(plan))].sort();
    let listings: string[];
    try {
      listings = await Promise.all(sources.map((s) => engine.sourceVersion!(s)));
    } catch {
      return undefined;
    }
    const hash = createHash('sha256');
    hash.update(canonical(plan)).update('\u0000').update(this.digestOf(access));
    for (let i = 0; i < sources.length; i++) hash.update('\u0000').update(sources[i]!).update('\u0000').update(listings[i]!);
    return { key: hash.digest('hex'), files: new Set(listings.flatMap((l) => l.split('\n'))) };
  }

  get(key: ResultKey): { rows: Row[]; scans: ScanReport[] } | undefined {
    const e = this.entries.get(key.key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Copies of the lists (callers slice and reorder pages); rows are never written to. Nothing was fetched for a hit.
    const scans = e.scans.map((s) => ({
      ...s,
      sources: s.sources.map((f) => ({
        ...f,
        ...(f.bytesFetched !== undefined && { bytesFetched: 0 }),
        ...(f.requests !== undefined && { requests: 0 }),
      })),
    }));
    return { rows: [...e.rows], scans };
  }

  /** Keeps an answer, unless what it read is not the listing its key was made from (a source changed meanwhile). */
  set(key: ResultKey, rows: readonly Row[], scans: readonly ScanReport[]): void {
    const read = scans.every((s) => s.sources.every((f) => key.files.has(`${f.uri} ${f.etag}`)));
    const bytes = sizeOfRows(rows);
    if (!read || bytes > this.budgetBytes / 8) {
      this.skipped++;
      return;
    }
    const copy = scans.map((s) => ({ ...s, sources: s.sources.map((f) => ({ ...f })) }));
    this.entries.set(key.key, { rows: [...rows], scans: copy, bytes });
  }

  stats(): ResultCacheStats {
    return {
      budgetBytes: this.budgetBytes,
      bytes: this.entries.calculatedSize,
      entries: this.entries.size,
      hits: this.hits,
      misses: this.misses,
      skipped: this.skipped,
    };
  }

  private digestOf(access: Granted): string {
    let digest = this.accessDigests.get(access);
    if (digest === undefined) {
      const view = [...access.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, p]) => [
          k,
          p.contract.hash,
          p.policies,
          [...p.fields].sort(),
          p.rowFilter ?? null,
          p.masks,
          p.aggregate,
          p.maxPageSize ?? null,
        ]);
      digest = createHash('sha256').update(canonical(view)).digest('hex');
      this.accessDigests.set(access, digest);
    }
    return digest;
  }
}

function scannedSources(plan: PlanNode): string[] {
  const found: string[] = [];
  const visit = (n: unknown): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    const node = n as { kind?: unknown; source?: unknown };
    if (node.kind === 'scan' && typeof node.source === 'string') found.push(node.source);
    for (const v of Object.values(n)) visit(v);
  };
  visit(plan);
  return found;
}

/** JSON with the plan's non-JSON values spelled out (a bigint is not the number of the same digits). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v instanceof Set) return { $set: [...(v as Set<unknown>)] };
    if (v instanceof Map) return { $map: [...(v as Map<unknown, unknown>)] };
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  });
}

/** About how many bytes the rows hold in memory (what the budget counts). */
function sizeOfRows(rows: readonly Row[]): number {
  let bytes = 64 + rows.length * 8;
  for (const row of rows) {
    bytes += 64;
    for (const k in row) bytes += 16 + sizeOfValue((row as Record<string, unknown>)[k]);
  }
  return bytes;
}

function sizeOfValue(v: unknown): number {
  if (typeof v === 'string') return 16 + 2 * v.length;
  if (typeof v === 'bigint') return 24;
  if (v === null || typeof v !== 'object') return 8;
  if (v instanceof Date) return 32;
  if (v instanceof Uint8Array) return 64 + v.byteLength;
  let bytes = 32;
  for (const x of Object.values(v)) bytes += 8 + sizeOfValue(x);
  return bytes;
}
