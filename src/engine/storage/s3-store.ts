import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { RangeCache } from './s3-range-cache.js';
import { parseS3Location, s3Uri, type S3Location } from './s3-location.js';
import { readBody, S3RequestFailure, withRetries, type RetryPolicy } from './s3-requests.js';
import { SourceChanged, sourceFailure, type ByteRangeReader, type ReadMeter, type SourceObject, type SourceStore } from './source-files.js';

/**
 * Sources in S3 (or any S3-protocol store): `s3://bucket/prefix/*.parquet`.
 *
 * Listing: ListObjectsV2 under the literal prefix, every page (S3 returns at
 * most 1,000 keys a page), filtered by the glob; a location without
 * wildcards is one HeadObject. The listing gives each object's size and
 * ETag, so no object is ever fetched whole to learn its size: the footer is
 * an explicit range at the end (hyparquet), column chunks are explicit
 * ranges (the decoder). Suffix ranges (`bytes=-N`) are never sent.
 *
 * Consistency: every GET carries `If-Match: <listed ETag>` and the answer's
 * ETag, Content-Range and length are checked too (some S3-protocol servers
 * ignore If-Match). An object that changed is never read as a mix of two
 * versions: the read fails, the object is marked superseded and its listing
 * dropped, and the engine re-plans once over a fresh listing.
 *
 * Caches, and when an answer can be stale:
 * - Listings, per location, for `listRefreshSeconds`. Within that window a
 *   new object is not seen, and a replaced or deleted one is seen only when
 *   a read reaches S3 (and then at once, see above).
 * - Byte ranges (footers, column chunks) by (URI, ETag), within `cacheBytes`.
 *   Keyed by version, they are never wrong for that version; they only let
 *   an answer that needs no new GET (say, a count settled by statistics)
 *   reflect the listed version until the listing is refreshed.
 * The engine caches digested footers by the same (URI, ETag) key.
 *
 * Credentials come from the SDK's chain (environment, shared config files,
 * SSO, container or instance roles), or from a named profile, per location
 * prefix; a table whose catalog vends credentials passes them with each
 * listing (`DelegatedS3Access`). None is ever put in a message, lineage or log.
 */
export interface S3ConnectionOptions {
  /** Absent: the SDK's chain (AWS_REGION, the profile's region). */
  readonly region?: string;
  /** An S3-protocol endpoint other than AWS's (MinIO, s3rver, a VPC endpoint). */
  readonly endpoint?: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`. */
  readonly forcePathStyle?: boolean;
  /** A named profile of the shared AWS config and credentials files; absent: the default chain. */
  readonly profile?: string;
}

/** Credentials as the SDK takes them; `expiration` makes it ask again before then. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/**
 * Storage access granted by someone other than the deployment for one
 * table's objects under `prefix`: an Iceberg catalog's vended credentials
 * (engine/table/catalog). The table passes its grants to `list`, so they
 * sign that table's requests only (the objects listed keep the connection
 * for their reads); every other source keeps the deployment's credentials.
 * Settings left out fall back to the deployment's for the location.
 */
export interface DelegatedS3Access extends Omit<S3ConnectionOptions, 'profile'> {
  /**
   * Names the grant in the connection pool and caches, e.g. `lake/sales.orders
   * s3://bucket/orders/`; never a secret. One id, one grant: the store keeps
   * one client per id and asks the latest access given under it for credentials.
   */
  readonly id: string;
  /** `s3://bucket/` or deeper; among a table's grants, the longest prefix of a location wins. */
  readonly prefix: string;
  /**
   * Asked before requests are signed (the SDK reuses an answer until 5
   * minutes before its `expiration`, and asks before every request after
   * that), so it must answer with credentials that are still valid,
   * renewing them itself. Throwing an S3RequestFailure fails the read with its reason.
   */
  readonly credentials: () => Promise<S3Credentials>;
}

export interface S3StoreOptions extends S3ConnectionOptions {
  /** Deadline of one attempt of one request, body included. Default 5,000 ms. */
  readonly requestTimeoutMs?: number;
  /** Attempts per request for transient failures. Default 3. */
  readonly maxAttempts?: number;
  /** First backoff; doubles per retry, at most 2 s. Default 100 ms. */
  readonly retryBaseDelayMs?: number;
  /** How long a listing is reused before S3 is listed again. Default 60 s; 0 lists on every query. */
  readonly listRefreshSeconds?: number;
  /** Budget of the byte-range cache. Default 256 MiB. */
  readonly cacheBytes?: number;
  /** Connection settings for locations under a prefix (`s3://bucket/` or deeper); the longest matching prefix wins. */
  readonly sources?: readonly (S3ConnectionOptions & { readonly prefix: string })[];
  /** Keys a listing may hold at most. Default 100,000. */
  readonly maxListedObjects?: number;
}

/** Counters since the store was made, for a metrics endpoint. */
export interface S3StoreStats {
  /** HTTP requests sent (lists, heads, gets), every attempt counted. */
  readonly requests: number;
  /** Attempts that were retries. */
  readonly retries: number;
  /** Body bytes received from GETs. */
  readonly bytesFetched: number;
  /** Reads served from the byte-range cache. */
  readonly cacheHits: number;
  /** Bytes held by the byte-range cache. */
  readonly cachedBytes: number;
  /** Listings made (each one or more requests). */
  readonly listings: number;
}

/** The AWS SDK's S3 client, loaded the first time a deployment reads from object storage (not before: it is ~0.6 s and ~20 MiB). */
type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdkLoading: Promise<S3Sdk> | undefined;
const loadSdk = (): Promise<S3Sdk> => (sdkLoading ??= import('@aws-sdk/client-s3'));

interface Connection {
  readonly id: string;
  readonly sdk: S3Sdk;
  readonly client: S3Client;
  readonly agents: readonly (HttpAgent | HttpsAgent)[];
}

interface Listing {
  readonly at: number;
  readonly objects: Promise<S3Object[]>;
  /** Cache keys of the listed versions, once listed. */
  keys?: ReadonlySet<string>;
}

const MiB = 1024 * 1024;

export class S3SourceStore implements SourceStore {
  private readonly policy: RetryPolicy;
  private readonly refreshMs: number;
  private readonly maxListed: number;
  private readonly connections = new Map<string, Connection>();
  private readonly listings = new Map<string, Listing>();
  private readonly cache: RangeCache;
  private readonly inflight = new Map<string, Promise<ArrayBuffer>>();
  private readonly counters = { requests: 0, retries: 0, bytesFetched: 0, cacheHits: 0, listings: 0 };
  /** The latest grant given under each id (see DelegatedS3Access.id). */
  private readonly delegations = new Map<string, DelegatedS3Access>();

  constructor(private readonly options: S3StoreOptions = {}) {
    this.policy = {
      maxAttempts: options.maxAttempts ?? 3,
      baseDelayMs: options.retryBaseDelayMs ?? 100,
      attemptTimeoutMs: options.requestTimeoutMs ?? 5000,
    };
    this.refreshMs = (options.listRefreshSeconds ?? 60) * 1000;
    this.maxListed = options.maxListedObjects ?? 100_000;
    this.cache = new RangeCache(options.cacheBytes ?? 256 * MiB);
  }

  stats(): S3StoreStats {
    return { ...this.counters, cachedBytes: this.cache.bytes };
  }

  /** Closes the clients and their idle sockets. Optional: idle sockets do not keep the process alive. */
  close(): void {
    for (const c of this.connections.values()) {
      c.client.destroy();
      for (const a of c.agents) a.destroy();
    }
    this.connections.clear();
  }

  /**
   * `access`: grants of the table being read (DelegatedS3Access); the one
   * with the longest prefix of `pattern` signs the listing and the reads of
   * the objects listed. None matching: the deployment's credentials.
   */
  list(pattern: string, label: string, access: readonly DelegatedS3Access[] = []): Promise<SourceObject[]> {
    const delegated = access.filter((a) => pattern.startsWith(a.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
    if (delegated !== undefined) this.delegations.set(delegated.id, delegated);
    const key = delegated === undefined ? pattern : `${pattern}\u0000${delegated.id}`;
    const cached = this.listings.get(key);
    if (cached !== undefined && Date.now() - cached.at < this.refreshMs) return cached.objects;
    const listing: Listing = { at: Date.now(), objects: this.listNow(pattern, label, delegated) };
    listing.objects.then(
      (objects) => (listing.keys = new Set(objects.map((o) => o.cacheKey))),
      () => {
        if (this.listings.get(key) === listing) this.listings.delete(key);
      },
    );
    this.listings.set(key, listing);
    return listing.objects;
  }

  /** A read found `object` replaced or removed: drop every listing naming that version, so the next lists afresh. */
  private supersede(object: S3Object): void {
    for (const [pattern, listing] of this.listings)
      if (listing.keys === undefined || listing.keys.has(object.cacheKey)) this.listings.delete(pattern);
  }

  private async listNow(pattern: string, label: string, delegated: DelegatedS3Access | undefined): Promise<S3Object[]> {
    const location = parseS3Location(pattern);
    if (typeof location === 'string') throw sourceFailure('SOURCE_UNAVAILABLE', label, location);
    const connection = await this.connectionFor(pattern, delegated);
    this.counters.listings++;
    const found = location.literal ? await this.head(connection, location, label) : await this.listPages(connection, location, label);
    if (found.length === 0) throw sourceFailure('SOURCE_UNAVAILABLE', label, 'no source objects match the location');
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return found.map(
      (f, i) => new S3Object(this, connection, location.bucket, f.key, f.etag, f.size, `object ${i + 1} of ${found.length}`),
    );
  }

  private async head(connection: Connection, location: S3Location, label: string): Promise<Listed[]> {
    try {
      const res = await this.send((signal) =>
        connection.client.send(new connection.sdk.HeadObjectCommand({ Bucket: location.bucket, Key: location.pattern }), {
          abortSignal: signal,
        }),
      );
      if (res.ETag === undefined || res.ContentLength === undefined)
        throw new S3RequestFailure('failed', 'HeadObject gave no ETag or size');
      return [{ key: location.pattern, etag: res.ETag, size: res.ContentLength }];
    } catch (e) {
      if (e instanceof S3RequestFailure && e.kind === 'missing') return [];
      throw this.failure(e, label, 'list');
    }
  }

  private async listPages(connection: Connection, location: S3Location, label: string): Promise<Listed[]> {
    const found: Listed[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.send((signal) =>
          connection.client.send(
            new connection.sdk.ListObjectsV2Command({
              Bucket: location.bucket,
              Prefix: location.listPrefix,
              ...(token !== undefined && { ContinuationToken: token }),
            }),
            { abortSignal: signal },
          ),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined || !location.matches(o.Key)) continue;
          if (o.ETag === undefined || o.Size === undefined)
            throw new S3RequestFailure('failed', 'the listing gave an object without ETag or size');
          found.push({ key: o.Key, etag: o.ETag, size: o.Size });
        }
        if (found.length > this.maxListed) throw new S3RequestFailure('failed', `the location matches more than ${this.maxListed} objects`);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (e) {
      throw this.failure(e, label, 'list');
    }
    return found;
  }

  /**
   * Bytes [start, end) of one object version, from the cache or one ranged
   * GET (concurrent reads of the same range share it).
   */
  async read(object: S3Object, start: number, end: number, meter: ReadMeter | undefined): Promise<ArrayBuffer> {
    // Offsets past the end come from a corrupt footer: give what exists and let the decoder say it is corrupt.
    start = Math.max(0, Math.min(start, object.size));
    end = Math.max(start, Math.min(end, object.size));
    if (end === start) return new ArrayBuffer(0);
    const hit = this.cache.get(object.cacheKey, start, end);
    if (hit !== undefined) {
      this.counters.cacheHits++;
      return hit;
    }
    const key = `${object.cacheKey}\u0000${start}\u0000${end}`;
    let fetching = this.inflight.get(key);
    if (fetching === undefined) {
      fetching = this.fetchRange(object, start, end, meter);
      this.inflight.set(key, fetching);
      const done = () => this.inflight.delete(key);
      fetching.then(done, done);
    }
    // The fetched buffer stays private (the cache may hold it); every reader gets its own copy.
    return (await fetching).slice(0);
  }

  private async fetchRange(object: S3Object, start: number, end: number, meter: ReadMeter | undefined): Promise<ArrayBuffer> {
    const { client, sdk } = object.connection;
    let bytes: ArrayBuffer;
    try {
      bytes = await this.send(async (signal) => {
        const res = await client.send(
          new sdk.GetObjectCommand({ Bucket: object.bucket, Key: object.key, Range: `bytes=${start}-${end - 1}`, IfMatch: object.etag }),
          { abortSignal: signal },
        );
        const body = res.Body as Readable | undefined;
        try {
          if (res.ETag !== undefined && sameETag(res.ETag, object.etag) === false) throw new S3RequestFailure('changed', 'another ETag');
          const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.ContentRange ?? '');
          if (range === null) {
            // A server that ignores Range would send the whole object: refuse it rather than read it.
            if (!(start === 0 && end === object.size)) throw new S3RequestFailure('failed', 'the answer was not the byte range asked for');
          } else if (Number(range[1]) !== start || Number(range[2]) !== end - 1) {
            throw new S3RequestFailure('failed', 'the answer was not the byte range asked for');
          } else if (range[3] !== '*' && Number(range[3]) !== object.size) {
            throw new S3RequestFailure('changed', 'another size');
          }
          if (body === undefined) throw new S3RequestFailure('failed', 'the answer had no body');
        } catch (e) {
          body?.destroy();
          throw e;
        }
        return await readBody(body, end - start, signal, (n) => {
          this.counters.bytesFetched += n;
          if (meter) meter.bytesFetched += n;
        });
      }, meter);
    } catch (e) {
      if (e instanceof S3RequestFailure && (e.kind === 'changed' || e.kind === 'missing')) this.supersede(object);
      // Reads do not know the product: the engine puts it in front.
      throw this.failure(e, '', object.shownAs);
    }
    this.cache.put(object.cacheKey, start, bytes);
    return bytes;
  }

  /** One request with the store's deadline and retries, counted. */
  private send<T>(attempt: (signal: AbortSignal) => Promise<T>, meter?: ReadMeter): Promise<T> {
    return withRetries(this.policy, attempt, (n) => {
      this.counters.requests++;
      if (n > 1) this.counters.retries++;
      if (meter) meter.requests++;
    });
  }

  /** The caller-safe error for a failed request: the product and what went wrong, never a bucket, key or endpoint. */
  private failure(e: unknown, label: string, what: string) {
    if (!(e instanceof S3RequestFailure)) {
      return sourceFailure('SOURCE_UNAVAILABLE', label, 'object storage could not be reached');
    }
    const tries = e.attempts > 1 ? `, ${e.attempts} attempts` : '';
    const subject = what === 'list' ? 'the source location' : what;
    switch (e.kind) {
      case 'denied':
        return sourceFailure('SOURCE_UNAVAILABLE', label, `object storage denied access to ${subject} (${e.reason})`);
      case 'missing':
        return what === 'list'
          ? sourceFailure('SOURCE_UNAVAILABLE', label, `the source location does not exist (${e.reason})`)
          : new SourceChanged(label, `${what} was removed while being read`);
      case 'changed':
        return new SourceChanged(label, `${what} changed while being read`);
      case 'transient':
        return sourceFailure('SOURCE_UNAVAILABLE', label, `object storage is unavailable (${e.reason}${tries})`);
      case 'failed':
        return sourceFailure('SOURCE_UNAVAILABLE', label, `object storage could not serve ${subject} (${e.reason})`);
    }
  }

  private async connectionFor(pattern: string, delegated?: DelegatedS3Access): Promise<Connection> {
    const sdk = await loadSdk();
    const override = [...(this.options.sources ?? [])]
      .filter((s) => pattern.startsWith(s.prefix))
      .sort((a, b) => b.prefix.length - a.prefix.length)[0];
    const o: S3ConnectionOptions = {
      region: delegated?.region ?? override?.region ?? this.options.region,
      endpoint: delegated?.endpoint ?? override?.endpoint ?? this.options.endpoint,
      forcePathStyle: delegated?.forcePathStyle ?? override?.forcePathStyle ?? this.options.forcePathStyle,
      // A grant brings its own credentials: no profile of the deployment's.
      profile: delegated === undefined ? (override?.profile ?? this.options.profile) : undefined,
    };
    const id = JSON.stringify([
      o.region,
      o.endpoint,
      o.forcePathStyle,
      o.profile,
      ...(delegated === undefined ? [] : ['delegated', delegated.id]),
    ]);
    let c = this.connections.get(id);
    if (c === undefined) {
      // Bounded pools of kept-alive sockets; the SDK's own timeouts only
      // warn, so the attempt deadline (an AbortSignal) is what bounds a request.
      const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
      const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });
      const client = new sdk.S3Client({
        ...(o.region !== undefined && { region: o.region }),
        ...(o.endpoint !== undefined && { endpoint: o.endpoint }),
        ...(o.forcePathStyle !== undefined && { forcePathStyle: o.forcePathStyle }),
        ...(o.profile !== undefined && { profile: o.profile }),
        ...(delegated !== undefined && { credentials: () => this.delegations.get(delegated.id)!.credentials() }),
        maxAttempts: 1,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        requestHandler: { httpAgent, httpsAgent, connectionTimeout: this.policy.attemptTimeoutMs },
      });
      c = { id, sdk, client, agents: [httpAgent, httpsAgent] };
      this.connections.set(id, c);
    }
    return c;
  }
}

interface Listed {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** One object version as listed. Shared by the queries that use the listing. */
class S3Object implements SourceObject {
  readonly uri: string;
  readonly cacheKey: string;
  readonly metered = true;

  constructor(
    private readonly store: S3SourceStore,
    readonly connection: Connection,
    readonly bucket: string,
    readonly key: string,
    readonly etag: string,
    readonly size: number,
    readonly shownAs: string,
  ) {
    this.uri = s3Uri(bucket, key);
    // The connection is part of the identity: the same bucket name behind two endpoints is two objects.
    this.cacheKey = `${connection.id}\u0000${this.uri}\u0000${etag}`;
  }

  async open(): Promise<ByteRangeReader> {
    return { size: this.size, read: (start, end, meter) => this.store.read(this, start, end, meter) };
  }
}

/** ETags compare without the weak marker and quotes (some servers quote one and not the other). */
function sameETag(a: string, b: string): boolean {
  const bare = (t: string) => t.replace(/^W\//, '').replace(/^"|"$/g, '');
  return bare(a) === bare(b);
}
