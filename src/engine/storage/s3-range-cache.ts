/**
 * Byte ranges fetched from object storage, keyed by object version (URI and
 * ETag, so a replaced object can never be served from the old one's bytes),
 * within a byte budget, least recently used evicted first.
 *
 * A request is served from a cached range that contains it: the decoder
 * re-reads the footer hyparquet already fetched (the last 64 KiB), and
 * queries over the same columns read the same column chunks. Returned
 * buffers are copies, because callers may transfer them to the decoder
 * thread (which detaches them); stored ones are never handed out.
 */
interface Entry {
  readonly object: string;
  readonly start: number;
  readonly end: number;
  readonly bytes: ArrayBuffer;
}

export class RangeCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly lru = new Map<Entry, true>();
  private readonly byObject = new Map<string, Set<Entry>>();
  private used = 0;

  constructor(private readonly budget: number) {}

  get bytes(): number {
    return this.used;
  }

  /** Bytes [start, end) of `object` if a cached range holds them. */
  get(object: string, start: number, end: number): ArrayBuffer | undefined {
    const entries = this.byObject.get(object);
    if (entries === undefined) return undefined;
    for (const e of entries) {
      if (e.start <= start && end <= e.end) {
        this.lru.delete(e);
        this.lru.set(e, true);
        return e.bytes.slice(start - e.start, end - e.start);
      }
    }
    return undefined;
  }

  /**
   * Keeps `bytes` (= [start, end) of `object`; the cache takes ownership)
   * unless it would take more than a quarter of the budget.
   */
  put(object: string, start: number, bytes: ArrayBuffer): void {
    const size = bytes.byteLength;
    if (size === 0 || size * 4 > this.budget) return;
    const end = start + size;
    let entries = this.byObject.get(object);
    if (entries === undefined) this.byObject.set(object, (entries = new Set()));
    for (const e of entries) if (e.start <= start && end <= e.end) return;
    // A new range that covers older ones replaces them.
    for (const e of [...entries]) if (start <= e.start && e.end <= end) this.remove(e);
    const entry: Entry = { object, start, end, bytes };
    entries.add(entry);
    this.lru.set(entry, true);
    this.used += size;
    while (this.used > this.budget) this.remove(this.lru.keys().next().value!);
  }

  private remove(e: Entry): void {
    this.lru.delete(e);
    const entries = this.byObject.get(e.object);
    entries?.delete(e);
    if (entries?.size === 0) this.byObject.delete(e.object);
    this.used -= e.end - e.start;
  }
}
