import { createHash } from 'node:crypto';
import { isLosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { z } from 'zod';
import type { CatalogCredential } from '../../../config/catalogs.js';
import { sourceError, type SluiceError } from '../../../errors.js';
import { catalogAuth, type CatalogAuth, type CatalogLog } from './catalog-auth.js';
import {
  CatalogFailure,
  Secrets,
  sendToCatalog,
  type CatalogRequest,
  type CatalogRequestPolicy,
  type CatalogResponse,
} from './catalog-requests.js';
import { tableName, type CatalogTable, type TableCatalog, type TableIdentifier } from './table-catalog.js';
import { storageGrantsOf, TableCredentials, type StorageGrant } from './vended-credentials.js';

/**
 * A client of the Apache Iceberg REST catalog protocol
 * (test/fixtures/iceberg/iceberg-rest-catalog-open-api.yaml), the routes a
 * reader needs:
 *
 * - `GET /v1/config?warehouse=…` once, first: the catalog's `defaults`, then
 *   sluice.yaml's `prefix`/`warehouse`, then its `overrides` give the route
 *   prefix, the namespace separator and the routes it serves (`endpoints`).
 * - `GET /v1/{prefix}/namespaces/{namespace}/tables/{table}` (loadTable),
 *   namespace levels joined by the separator (default the unit separator,
 *   `%1F`). The answer is reused for `refreshSeconds`; after that it is
 *   revalidated with `If-None-Match: <its ETag>`, so an unchanged table
 *   costs one small request (304). With `accessDelegation:
 *   vended-credentials` it sends `X-Iceberg-Access-Delegation` and keeps the
 *   storage credentials of the answer (vended-credentials.ts).
 * - `GET …/tables/{table}/credentials` (loadCredentials) to renew vended
 *   credentials when the catalog lists that route; else loadTable again,
 *   unconditionally (a 304 would bring no credentials).
 * - Tokens: catalog-auth.ts.
 *
 * Failures reach callers as SOURCE_UNAVAILABLE naming the product, never
 * the catalog's address, the table's identifier or the catalog's own words;
 * the operator's log line has those (secrets scrubbed). A catalog that
 * denies access is a deployment problem, not the caller's: not FORBIDDEN.
 * When the catalog is unreachable (after retries) but answered for the
 * table within the last `10 × refreshSeconds` (at least 5 minutes), that
 * answer is served and the failure logged; never after a 401/403/404,
 * which must take effect at once.
 */
export interface RestCatalogOptions {
  readonly name: string;
  /** The base URI; routes are `{uri}/v1/…`. */
  readonly uri: string;
  readonly warehouse?: string;
  readonly prefix?: string;
  readonly credential: CatalogCredential;
  readonly accessDelegation?: 'vended-credentials';
  /** How long an answer is reused before revalidating. Default 60. */
  readonly refreshSeconds?: number;
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly retryBaseDelayMs?: number;
  /** Longest answer accepted. Default 64 MiB. */
  readonly maxResponseBytes?: number;
  readonly log?: CatalogLog;
}

/** Counters since the client was made, for a metrics endpoint. Never a secret or a name. */
export interface RestCatalogStats {
  /** HTTP requests sent, every attempt counted. */
  readonly requests: number;
  readonly retries: number;
  /** Revalidations answered 304. */
  readonly notModified: number;
  /** loadTable answers with metadata (200). */
  readonly tablesLoaded: number;
  readonly tokenRequests: number;
  readonly credentialRenewals: number;
  /** loadTable calls that failed (a stale answer served counts here too). */
  readonly failures: number;
}

interface CatalogSettings {
  /** Already URL-encoded path segment(s), or '' for none. */
  readonly prefixPath: string;
  readonly separator: string;
  readonly loadCredentialsRoute: boolean;
  /** The merged properties (defaults, client, overrides), for storage settings such as s3.endpoint. */
  readonly properties: Readonly<Record<string, string>>;
}

interface LoadedTable {
  readonly table: CatalogTable;
  readonly etag: string | undefined;
  /** The answer's `config`: storage settings for credentials renewed through loadCredentials. */
  readonly config: Readonly<Record<string, string>>;
  /** When the catalog last confirmed it (200 or 304). */
  confirmedAt: number;
}

interface TableEntry {
  readonly id: TableIdentifier;
  loaded: LoadedTable | undefined;
  inflight: Promise<CatalogTable> | undefined;
  readonly credentials: TableCredentials;
}

const LOAD_CREDENTIALS_ROUTE = 'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials';
const stringMap = z.record(z.string(), z.string());
const catalogConfigAnswer = z.object({ defaults: stringMap, overrides: stringMap, endpoints: z.array(z.string()).optional() });
const storageCredentials = z.array(z.object({ prefix: z.string(), config: stringMap }));
const loadTableAnswer = z.object({
  'metadata-location': z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()),
  config: stringMap.optional(),
  'storage-credentials': storageCredentials.optional(),
});
const loadCredentialsAnswer = z.object({ 'storage-credentials': storageCredentials });

export class RestCatalog implements TableCatalog {
  readonly name: string;
  private readonly base: string;
  private readonly policy: CatalogRequestPolicy;
  private readonly refreshMs: number;
  private readonly staleMs: number;
  private readonly secrets: Secrets;
  private readonly auth: CatalogAuth;
  private settings: Promise<CatalogSettings> | undefined;
  private readonly tables = new Map<string, TableEntry>();
  private readonly counters = {
    requests: 0,
    retries: 0,
    notModified: 0,
    tablesLoaded: 0,
    tokenRequests: 0,
    credentialRenewals: 0,
    failures: 0,
  };

  constructor(private readonly options: RestCatalogOptions) {
    this.name = options.name;
    this.base = options.uri.replace(/\/+$/, '');
    this.policy = {
      maxAttempts: options.maxAttempts ?? 3,
      baseDelayMs: options.retryBaseDelayMs ?? 100,
      attemptTimeoutMs: options.requestTimeoutMs ?? 5000,
      maxResponseBytes: options.maxResponseBytes ?? 64 * 1024 * 1024,
    };
    this.refreshMs = (options.refreshSeconds ?? 60) * 1000;
    this.staleMs = Math.max(10 * this.refreshMs, 300_000);
    const c = options.credential;
    this.secrets = new Secrets(c.kind === 'client' ? [c.clientSecret, c.clientId] : c.kind === 'token' ? [c.token] : []);
    this.auth = catalogAuth(c, `${this.base}/v1/oauth/tokens`, (r) => this.sendCounted(r, true), this.secrets);
  }

  stats(): RestCatalogStats {
    return { ...this.counters };
  }

  async loadTable(id: TableIdentifier, label: string): Promise<CatalogTable> {
    const entry = this.entryFor(id);
    const loaded = entry.loaded;
    if (loaded !== undefined && Date.now() - loaded.confirmedAt < this.refreshMs) return loaded.table;
    entry.inflight ??= this.refresh(entry).finally(() => (entry.inflight = undefined));
    try {
      return await entry.inflight;
    } catch (e) {
      throw this.callerError(e instanceof CatalogFailure ? e : new CatalogFailure('failed', 'the request failed'), label);
    }
  }

  /** revalidate(), its failure logged once (however many callers wait on it), the last answer served while the catalog is down. */
  private async refresh(entry: TableEntry): Promise<CatalogTable> {
    try {
      return await this.revalidate(entry);
    } catch (e) {
      this.counters.failures++;
      const failure = e instanceof CatalogFailure ? e : new CatalogFailure('failed', 'the request failed');
      const last = entry.loaded;
      const stale = failure.kind === 'transient' && last !== undefined && Date.now() - last.confirmedAt < this.staleMs;
      this.options.log?.warn(
        {
          catalog: this.name,
          table: tableName(entry.id),
          kind: failure.kind,
          reason: failure.reason,
          attempts: failure.attempts,
          ...failure.detail,
          servedLastAnswer: stale,
        },
        'the Iceberg catalog did not load the table',
      );
      if (stale) return last.table;
      throw failure;
    }
  }

  private entryFor(id: TableIdentifier): TableEntry {
    const key = JSON.stringify([...id.namespace, id.name]);
    let entry = this.tables.get(key);
    if (entry === undefined) {
      const created: TableEntry = {
        id,
        loaded: undefined,
        inflight: undefined,
        credentials: new TableCredentials(
          `${this.name}/${tableName(id)}`,
          () => this.renewCredentials(created),
          this.secrets,
          this.options.log,
        ),
      };
      entry = created;
      this.tables.set(key, entry);
    }
    return entry;
  }

  /** loadTable, conditional on the ETag of the answer held (unless `unconditional`). */
  private async revalidate(entry: TableEntry, unconditional = false): Promise<CatalogTable> {
    const settings = await this.catalogSettings();
    const held = unconditional ? undefined : entry.loaded;
    const headers: Record<string, string> = {};
    if (this.options.accessDelegation !== undefined) headers['x-iceberg-access-delegation'] = this.options.accessDelegation;
    if (held?.etag !== undefined) headers['if-none-match'] = held.etag;
    const sentAt = Date.now();
    const res = await this.request('GET', this.tableUrl(settings, entry.id), headers);
    if (res.status === 304 && held !== undefined) {
      this.counters.notModified++;
      held.confirmedAt = Date.now();
      return held.table;
    }
    if (res.status !== 200) throw this.statusFailure(res, 'loadTable');
    const answer = parseAnswer(res, loadTableAnswer, 'loadTable');
    const config = answer.value.config ?? {};
    if (config['scan-planning-mode'] === 'server')
      throw new CatalogFailure(
        'unsupported',
        'the table catalog requires server-side scan planning, which Sluice does not do',
        res.attempts,
        { route: 'loadTable' },
      );
    const metadataJson = stringifyLossless(answer.raw['metadata']);
    if (metadataJson === undefined)
      throw new CatalogFailure('failed', 'the table catalog answered without table metadata', res.attempts, { route: 'loadTable' });
    const metadataLocation = answer.value['metadata-location'] ?? undefined;
    const etag = res.headers.get('etag') ?? undefined;
    const grants = this.grantsOf(answer.value['storage-credentials'], config, settings, sentAt);
    if (this.options.accessDelegation !== undefined && grants.length === 0 && config['s3.remote-signing-enabled'] === 'true') {
      throw new CatalogFailure(
        'unsupported',
        'the table catalog requires remote signing of storage requests, which Sluice does not do',
        res.attempts,
        { route: 'loadTable' },
      );
    }
    entry.credentials.update(grants);
    this.counters.tablesLoaded++;
    const credentials = entry.credentials;
    const table: CatalogTable = {
      metadataLocation,
      metadataJson,
      version: etag ?? metadataLocation ?? `sha256:${createHash('sha256').update(metadataJson).digest('hex')}`,
      // Read when used: renewals may change the prefixes the catalog vends for.
      get storage() {
        return credentials.access();
      },
    };
    entry.loaded = { table, etag, config, confirmedAt: Date.now() };
    return table;
  }

  /** New vended credentials: the loadCredentials route when the catalog lists it, else loadTable unconditionally. */
  private async renewCredentials(entry: TableEntry): Promise<readonly StorageGrant[]> {
    this.counters.credentialRenewals++;
    const settings = await this.catalogSettings();
    if (!settings.loadCredentialsRoute) {
      await this.revalidate(entry, true);
      // revalidate() has given the answer's grants to the table's credentials already.
      return entry.credentials.currentGrants();
    }
    const sentAt = Date.now();
    const res = await this.request('GET', `${this.tableUrl(settings, entry.id)}/credentials`, {});
    if (res.status !== 200) throw this.statusFailure(res, 'loadCredentials');
    const answer = parseAnswer(res, loadCredentialsAnswer, 'loadCredentials');
    return this.grantsOf(answer.value['storage-credentials'], entry.loaded?.config ?? {}, settings, sentAt);
  }

  private grantsOf(
    entries: z.infer<typeof storageCredentials> | undefined,
    tableConfig: Record<string, string> | undefined,
    settings: CatalogSettings,
    receivedAt: number,
  ): StorageGrant[] {
    if (this.options.accessDelegation === undefined) return [];
    return storageGrantsOf(entries, tableConfig, settings.properties, receivedAt, (why) =>
      this.options.log?.warn({ catalog: this.name, problem: why }, 'a vended storage credential was not used'),
    );
  }

  /** GET /v1/config, once; a failure is not kept, so the next call asks again. */
  private catalogSettings(): Promise<CatalogSettings> {
    this.settings ??= this.fetchSettings().catch((e: unknown) => {
      this.settings = undefined;
      throw e;
    });
    return this.settings;
  }

  private async fetchSettings(): Promise<CatalogSettings> {
    const query = this.options.warehouse === undefined ? '' : `?${new URLSearchParams({ warehouse: this.options.warehouse })}`;
    const res = await this.request('GET', `${this.base}/v1/config${query}`, {});
    if (res.status !== 200) throw this.statusFailure(res, 'config');
    const answer = parseAnswer(res, catalogConfigAnswer, 'config').value;
    const client: Record<string, string> = {
      ...(this.options.prefix !== undefined && { prefix: this.options.prefix }),
      ...(this.options.warehouse !== undefined && { warehouse: this.options.warehouse }),
    };
    const properties = { ...answer.defaults, ...client, ...answer.overrides };
    const prefix = properties['prefix'];
    let separator = '\u001f';
    const advertised = properties['namespace-separator'];
    if (advertised !== undefined) {
      try {
        separator = decodeURIComponent(advertised) || separator;
      } catch {
        // Not URL-encoded as the spec asks: keep the unit separator, which servers must accept too.
      }
    }
    return {
      // As Iceberg's Java client does, a prefix holding `/` keeps its slashes (some catalogs give
      // one, and many servers refuse an encoded %2F); each segment is encoded on its own.
      prefixPath: prefix === undefined || prefix === '' ? '' : `/${prefix.split('/').map(encodeURIComponent).join('/')}`,
      separator,
      loadCredentialsRoute: answer.endpoints?.includes(LOAD_CREDENTIALS_ROUTE) ?? false,
      properties,
    };
  }

  private tableUrl(settings: CatalogSettings, id: TableIdentifier): string {
    const namespace = encodeURIComponent(id.namespace.join(settings.separator));
    return `${this.base}/v1${settings.prefixPath}/namespaces/${namespace}/tables/${encodeURIComponent(id.name)}`;
  }

  /**
   * One authorised request. A 401 (or 419, "authentication timeout") with a
   * renewable token is answered by asking for a new token and sending once more.
   */
  private async request(method: 'GET', url: string, headers: Record<string, string>): Promise<CatalogResponse> {
    for (let round = 1; ; round++) {
      const authorization = await this.auth.authorization();
      const res = await this.sendCounted(
        { method, url, headers: { accept: 'application/json', ...headers, ...(authorization !== undefined && { authorization }) } },
        false,
      );
      if ((res.status === 401 || res.status === 419) && authorization !== undefined && round === 1 && this.auth.rejected(authorization))
        continue;
      return res;
    }
  }

  private async sendCounted(request: CatalogRequest, token: boolean): Promise<CatalogResponse> {
    return sendToCatalog(request, this.policy, (n) => {
      this.counters.requests++;
      if (n > 1) this.counters.retries++;
      else if (token) this.counters.tokenRequests++;
    });
  }

  /** What a status other than the one expected means, with the catalog's error type and message for the log. */
  private statusFailure(res: CatalogResponse, route: string): CatalogFailure {
    const error = icebergError(res.text);
    const detail = {
      route,
      status: res.status,
      ...(error?.type !== undefined && { type: this.secrets.scrub(error.type, 100) }),
      ...(error?.message !== undefined && { catalogMessage: this.secrets.scrub(error.message) }),
    };
    const { status, attempts } = res;
    if (status === 401 || status === 403 || status === 419) return new CatalogFailure('denied', `HTTP ${status}`, attempts, detail);
    if (status === 404) return new CatalogFailure('missing', `HTTP ${status}`, attempts, detail);
    return new CatalogFailure('failed', `HTTP ${status}`, attempts, detail);
  }

  private callerError(failure: CatalogFailure, label: string): SluiceError {
    const message = (() => {
      switch (failure.kind) {
        case 'missing':
          return 'the table catalog has no such table';
        case 'denied':
          return 'the table catalog denied access to the table';
        case 'transient':
          return `the table catalog is unavailable (${failure.reason}${failure.attempts > 1 ? `, ${failure.attempts} attempts` : ''})`;
        case 'unsupported':
          return failure.reason;
        case 'failed':
          return `the table catalog could not serve the table (${failure.reason})`;
      }
    })();
    return sourceError('SOURCE_UNAVAILABLE', `${label}: ${message}`);
  }
}

/** A JSON answer parsed without rounding numbers, checked against the shape the route promises. */
function parseAnswer<S extends z.ZodType>(
  res: CatalogResponse,
  shape: S,
  route: string,
): { value: z.infer<S>; raw: Record<string, unknown> } {
  let raw: unknown;
  try {
    raw = parseLossless(res.text);
  } catch {
    throw new CatalogFailure('failed', 'an answer that is not JSON', res.attempts, { route });
  }
  // Numbers stay LosslessNumber objects; the shapes checked here hold strings only, bar the metadata.
  const checked = shape.safeParse(raw);
  if (!checked.success || typeof raw !== 'object' || raw === null || isLosslessNumber(raw)) {
    throw new CatalogFailure('failed', 'an answer not in the shape the protocol gives', res.attempts, { route });
  }
  return { value: checked.data, raw: raw as Record<string, unknown> };
}

/** An IcebergErrorResponse's type and message, if the text is one. */
function icebergError(text: string): { type?: string; message?: string } | undefined {
  try {
    const e = (JSON.parse(text) as { error?: { type?: unknown; message?: unknown } })?.error;
    if (typeof e !== 'object' || e === null) return undefined;
    return { ...(typeof e.type === 'string' && { type: e.type }), ...(typeof e.message === 'string' && { message: e.message }) };
  } catch {
    return undefined;
  }
}
