import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { SluiceError, sourceError } from '../../errors.js';

/**
 * Where a source's bytes come from. The engine needs exactly two things from
 * storage: the list of objects a source pattern names, and random access to
 * each object's bytes. Local files implement both here; S3 implements them
 * with ListObjectsV2 and ranged GETs (s3-store.ts). The engine sends
 * `s3://` patterns to its object store and everything else to the local one.
 */

/**
 * A SOURCE_* error whose message starts with `label` (the product) when
 * there is one. Messages name files as users see them, never by absolute path.
 */
export function sourceFailure(code: 'SOURCE_UNAVAILABLE' | 'SOURCE_CORRUPT', label: string, message: string): SluiceError {
  return sourceError(code, label === '' ? message : `${label}: ${message}`);
}

/**
 * What reads of one object cost one execution, for lineage and metrics.
 * Stores that fetch over a network (`SourceObject.metered`) count into it:
 * bytes received and requests sent, retries included; bytes served from a
 * cache cost nothing.
 */
export interface ReadMeter {
  bytesFetched: number;
  requests: number;
}

/**
 * A read found the object replaced or removed since it was listed. The
 * store has dropped the listing that named it, so listing again gives the
 * current version: the engine re-plans once on this error.
 */
export class SourceChanged extends SluiceError {
  constructor(label: string, message: string) {
    super('SOURCE_UNAVAILABLE', 'source', label === '' ? message : `${label}: ${message}`);
    this.name = 'SourceChanged';
  }
}

/** Random access to one object's bytes: Parquet readers need the size (the footer is at the end) and ranges. */
export interface ByteRangeReader {
  readonly size: number;
  /**
   * Bytes [start, end), in a buffer the caller owns (it may be transferred).
   * Rejects with a SOURCE_UNAVAILABLE SluiceError when the object cannot be
   * read (a `SourceChanged` when it is no longer the version listed). Its
   * message need not name the product: the engine puts it in front.
   */
  read(start: number, end: number, meter?: ReadMeter): Promise<ArrayBuffer>;
}

/** One file of a source, as listed at the start of a scan. */
export interface SourceObject {
  /** How the object is named to users and in lineage: never an absolute local path. */
  readonly uri: string;
  /** Changes whenever the content may have changed; reported in lineage. */
  readonly etag: string;
  readonly size: number;
  /**
   * Identifies this exact content for caches (footers, open readers): a
   * rewritten file gets a new key, so a cache never serves a stale footer.
   */
  readonly cacheKey: string;
  /**
   * How messages to callers name the object; `uri` when absent. Objects in
   * a bucket are named by their place in the listing ("object 2 of 5", the
   * order of lineage's sources), so no bucket key reaches a caller.
   */
  readonly shownAs?: string;
  /** Reads are fetched over a network and counted (`ReadMeter`); lineage reports them. */
  readonly metered?: boolean;
  open(): Promise<ByteRangeReader>;
}

export interface SourceStore {
  /**
   * Objects matching `pattern`, sorted by name. `label` names the product (or
   * the contract source) in error messages. Throws SOURCE_UNAVAILABLE when
   * nothing matches or the location cannot be listed.
   */
  list(pattern: string, label: string): Promise<SourceObject[]>;
}

/**
 * Local files. Patterns are absolute paths whose last segment may hold `*`
 * and `?` (what contracts write: `/…/data/*.parquet`); directories are
 * literal, so a listing is one readdir.
 */
export class LocalSourceStore implements SourceStore {
  private readonly listings = new Map<string, LocalListing>();

  /**
   * `maxListingAgeMs`: how long a listing may be reused at most (default
   * 2 s; 0 lists on every query). Within it, a listing is reused only while
   * its directory is watched and reported no change (inotify on Linux): a
   * file added, removed, rewritten or touched drops the listing at once, so
   * local queries see a new file as soon as its write returns. The age bound
   * is for file systems whose changes the watch cannot see (network mounts)
   * and for listings holding symbolic links (changes to their targets are
   * not reported): those are never reused.
   */
  constructor(private readonly maxListingAgeMs = 2_000) {}

  async list(pattern: string, label: string): Promise<SourceObject[]> {
    if (this.maxListingAgeMs <= 0) return this.listNow(pattern, label);
    // A change already made is queued by the kernel; the watcher hears of it
    // in the event loop's poll phase. Two immediates put one poll phase
    // between now and the cache lookup (one is not enough when called from
    // within the poll phase: its immediate runs before the next poll).
    await afterNextPoll();
    const cached = this.listings.get(pattern);
    if (cached !== undefined && performance.now() - cached.at <= this.maxListingAgeMs) return cached.objects;
    this.drop(pattern);
    const listing: LocalListing = { at: performance.now(), objects: this.listNow(pattern, label), watcher: undefined };
    this.listings.set(pattern, listing);
    try {
      listing.watcher = watch(dirname(pattern), { persistent: false }, () => this.drop(pattern));
      listing.watcher.on('error', () => this.drop(pattern));
    } catch {
      // No watch (limits reached, unsupported file system): no reuse.
      this.drop(pattern);
      return listing.objects;
    }
    listing.objects.then(
      (objects) => objects.some((o) => o.linked) && this.drop(pattern),
      () => this.drop(pattern),
    );
    return listing.objects;
  }

  /** Stops watching; listings are made afresh from then on (the store stays usable). */
  close(): void {
    for (const pattern of [...this.listings.keys()]) this.drop(pattern);
  }

  private drop(pattern: string): void {
    const listing = this.listings.get(pattern);
    if (listing === undefined) return;
    this.listings.delete(pattern);
    listing.watcher?.close();
  }

  private async listNow(pattern: string, label: string): Promise<LocalObject[]> {
    if (pattern.startsWith('s3://')) {
      throw sourceFailure('SOURCE_UNAVAILABLE', label, `s3:// sources need object storage, and none is configured for this engine`);
    }
    if (!isAbsolute(pattern)) throw sourceFailure('SOURCE_UNAVAILABLE', label, `source location must be resolved to an absolute path`);
    const dir = dirname(pattern);
    const last = basename(pattern);
    if (/[*?]/.test(dir)) {
      throw sourceFailure('SOURCE_UNAVAILABLE', label, `wildcards are supported only in the file name of a source location`);
    }
    let names: string[];
    const links = new Set<string>();
    if (/[*?]/.test(last)) {
      const matcher = globSegment(last);
      try {
        const entries = await readdir(dir, { withFileTypes: true });
        // As in a shell, wildcards do not match hidden files (`.part-0.parquet.crc`, editors' temporaries).
        const hidden = (name: string) => name.startsWith('.') && !last.startsWith('.');
        names = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && !hidden(e.name) && matcher.test(e.name)).map((e) => e.name);
        for (const e of entries) if (e.isSymbolicLink()) links.add(e.name);
      } catch {
        throw sourceFailure('SOURCE_UNAVAILABLE', label, `source directory ${shownPath(dir)} cannot be listed`);
      }
    } else {
      names = [last];
      links.add(last); // not known without another call: treated as a link, so never reused
    }
    // Code-unit order, independent of locale, so every replica lists the same order.
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const objects = await Promise.all(names.map((n) => localObject(join(dir, n), label, links.has(n))));
    const found = objects.filter((o): o is LocalObject => o !== undefined);
    if (found.length === 0) {
      throw sourceFailure('SOURCE_UNAVAILABLE', label, `no source files match ${shownPath(pattern)}`);
    }
    return found;
  }
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
async function afterNextPoll(): Promise<void> {
  await immediate();
  await immediate();
}

interface LocalListing {
  readonly at: number;
  readonly objects: Promise<LocalObject[]>;
  watcher: FSWatcher | undefined;
}

interface LocalObject extends SourceObject {
  /** Named through a symbolic link (or not known not to be): its changes may go unreported. */
  readonly linked: boolean;
}

async function localObject(path: string, label: string, linked: boolean): Promise<LocalObject | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    // A file deleted between readdir and stat is simply not part of this listing.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw sourceFailure('SOURCE_UNAVAILABLE', label, `source file ${shownPath(path)} cannot be read`);
  }
  if (!st.isFile()) return undefined;
  const size = st.size;
  const mtimeMs = Math.trunc(st.mtimeMs);
  const uri = shownPath(path);
  return {
    uri,
    linked,
    etag: `W/"${size.toString(16)}-${mtimeMs.toString(16)}"`,
    size,
    cacheKey: `${path}\u0000${size}\u0000${st.mtimeMs}`,
    async open() {
      let opened;
      try {
        opened = await stat(path);
      } catch {
        throw sourceFailure('SOURCE_UNAVAILABLE', label, `source file ${uri} cannot be read`);
      }
      const version = { size: opened.size, mtimeMs: opened.mtimeMs };
      return { size: version.size, read: (start, end) => readRange(path, start, end, version) };
    },
  };
}

/**
 * Bytes [start, end) of a local file, read straight into a buffer the
 * caller owns (a Blob from openAsBlob reads in chunks and joins them on the
 * main thread, which was a tenth of a cold scan's main-thread time). Fails
 * once the file's size or modification time differs from `version`, taken
 * when it was opened: a rewritten file is never read half old, half new.
 */
async function readRange(path: string, start: number, end: number, version: { size: number; mtimeMs: number }): Promise<ArrayBuffer> {
  const buffer = new ArrayBuffer(Math.max(0, end - start));
  const handle = await open(path, 'r');
  try {
    let done = 0;
    while (done < buffer.byteLength) {
      const { bytesRead } = await handle.read(new Uint8Array(buffer, done), 0, buffer.byteLength - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    const now = await handle.stat();
    if (done < buffer.byteLength || now.size !== version.size || now.mtimeMs !== version.mtimeMs) {
      throw new Error('the file changed since it was opened');
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

/**
 * How a local file is named to callers (lineage, error messages): relative
 * to the working directory when inside it, else only its name. Callers must
 * never learn the server's directory layout, so unlike config messages
 * (contract/yaml-file.ts `displayPath`) this never falls back to an
 * absolute path.
 */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? basename(path) : rel;
}

/** `part-*.parquet` → /^part-.*\.parquet$/ ; `*` and `?` never match a path separator. */
function globSegment(segment: string): RegExp {
  let re = '';
  for (const ch of segment) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'u');
}
