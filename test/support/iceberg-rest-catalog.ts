import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { OpenApiDescription, type OperationMatch } from './openapi-validator.js';

/**
 * A stand-in Apache Iceberg REST catalog on loopback, for tests of the
 * catalog client. It serves tables from directories (a table root with its
 * `metadata/` folder, as the fixtures under test/fixtures/iceberg are), and
 * speaks the routes a reader uses: GET /v1/config, POST /v1/oauth/tokens
 * (client credentials), loadTable (ETag, 304 on If-None-Match) and
 * loadCredentials, with vended S3 credentials that expire.
 *
 * **It validates itself.** Every request it receives and every response it
 * sends is checked against the official API description
 * (test/fixtures/iceberg/iceberg-rest-catalog-open-api.yaml, Apache-2.0) by
 * openapi-validator.ts; anything that does not conform is recorded in
 * `violations`, which tests assert empty. So neither the client under test
 * nor this stand-in can drift from the protocol unnoticed.
 *
 * What it cannot prove: that real catalogs (Polaris, Lakekeeper, Unity,
 * Glue's Iceberg endpoint, Nessie) behave the way the description says —
 * their auth flows beyond client credentials (token exchange, external
 * IdPs, `oauth2-server-uri`), their error bodies, ETag support, which
 * prefixes they vend credentials for, their clocks. The credentials it
 * vends are random strings; S3 signature checks are the S3 server's
 * business (s3rver checks none).
 *
 * Failures are scripted with `fail`: a status, a delay past the client's
 * deadline, or vended credentials that are already expired.
 */
export interface StandInTable {
  readonly namespace: readonly string[];
  readonly name: string;
  /** The table root: its `metadata/` folder holds vN.metadata.json or NNNNN-uuid.metadata.json files. */
  readonly directory: string;
  /** Where the catalog says the table lives (metadata-location is under it); default: the metadata's own `location`. */
  readonly location?: string;
  /** The prefix vended credentials are for; default: `location`. */
  readonly credentialPrefix?: string;
}

export interface VendingOptions {
  /** Lifetime of vended credentials. */
  readonly lifetimeMs: number;
  /** Written into every grant's config. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly pathStyle?: boolean;
  /** `storage-credentials` entries (default), or the legacy `s3.*` keys in the table's `config`. */
  readonly form?: 'storage-credentials' | 'config';
}

export interface StandInOptions {
  readonly tables: readonly StandInTable[];
  /** The route prefix the catalog gives in /v1/config (`overrides` unless `prefixIn: defaults`); none: routes without a prefix. */
  readonly prefix?: string;
  readonly prefixIn?: 'overrides' | 'defaults';
  /** The one warehouse it knows; a /v1/config asking for another gets 404. */
  readonly warehouse?: string;
  /** OAuth2 clients (id → secret). Absent together with `staticTokens`: no authentication. */
  readonly clients?: Readonly<Record<string, string>>;
  readonly staticTokens?: readonly string[];
  /** Lifetime of issued access tokens. Default 3,600 s. */
  readonly tokenLifetimeSeconds?: number;
  /** Vend credentials to clients that ask for them (X-Iceberg-Access-Delegation: vended-credentials). */
  readonly vend?: VendingOptions;
  /** List loadCredentials in /v1/config `endpoints` (and serve it). Default true. */
  readonly credentialsRoute?: boolean;
  /** Advertised `namespace-separator` (URL-encoded, e.g. `%2E`); absent: not advertised (clients use %1F). */
  readonly namespaceSeparator?: string;
  /** More properties for /v1/config. */
  readonly defaults?: Readonly<Record<string, string>>;
  readonly overrides?: Readonly<Record<string, string>>;
  /** More keys for every loadTable `config`. */
  readonly tableConfig?: Readonly<Record<string, string>>;
  /** Called with each vended credential, e.g. to let an S3 proxy accept its key id. */
  readonly onVend?: (credential: VendedCredential) => void;
}

export type Route = 'config' | 'token' | 'loadTable' | 'loadCredentials';

export interface Script {
  readonly route: Route;
  /** Answer with this error status (an IcebergErrorResponse, or an OAuthError on the token route). */
  readonly status?: number;
  /** Wait this long before answering (or before the status). */
  readonly delayMs?: number;
  /** Vend credentials that expired a second ago. */
  readonly vendExpired?: boolean;
  /** How many requests it applies to; default all. */
  readonly times?: number;
}

export interface VendedCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export interface CatalogRequestRecord {
  readonly route: Route | 'unknown';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Response body bytes. */
  readonly bytes: number;
  /** The bearer token used, if any. */
  readonly token: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly query: Readonly<Record<string, string>>;
}

const DESCRIPTION = join(import.meta.dirname, '../fixtures/iceberg/iceberg-rest-catalog-open-api.yaml');
let description: OpenApiDescription | undefined;
/** The description, parsed and compiled once per test process. */
export const restCatalogDescription = () => (description ??= OpenApiDescription.load(DESCRIPTION));

const LOAD_TABLE = 'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}';
const LOAD_CREDENTIALS = 'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials';

export class IcebergRestCatalogStandIn {
  readonly requests: CatalogRequestRecord[] = [];
  /** Every way a request or response broke the description. Tests assert it empty. */
  readonly violations: string[] = [];
  readonly tokens = new Map<string, { expiresAtMs: number; revoked: boolean }>();
  readonly vended: VendedCredential[] = [];
  /** Requests that carried an issued token past its expiry (a client should renew before). */
  expiredTokenUses = 0;
  private scripts: (Script & { hits: number })[] = [];
  private tables: StandInTable[];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  /** A hook for self-tests: rewrites a response body before it is validated and sent. */
  tamper: ((route: Route, body: string) => string) | undefined;

  private constructor(private readonly options: StandInOptions) {
    this.tables = [...options.tables];
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(options: StandInOptions): Promise<IcebergRestCatalogStandIn> {
    const standIn = new IcebergRestCatalogStandIn(options);
    restCatalogDescription();
    await new Promise<void>((ok) => standIn.server.listen(0, '127.0.0.1', ok));
    standIn.port = (standIn.server.address() as AddressInfo).port;
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  fail(script: Script): void {
    this.scripts.push({ ...script, hits: 0 });
  }

  /** Drops scripts and the request log (not violations). */
  reset(): void {
    this.scripts = [];
    this.requests.length = 0;
  }

  /** Every issued token stops working (as after a restart of the catalog's auth server). */
  revokeTokens(): void {
    for (const t of this.tokens.values()) t.revoked = true;
  }

  removeTable(namespace: readonly string[], name: string): void {
    this.tables = this.tables.filter((t) => !(sameNamespace(t.namespace, namespace) && t.name === name));
  }

  /** Whether `accessKeyId` was vended and had not expired at `atMs`. */
  keyValidAt(accessKeyId: string | undefined, atMs: number): boolean {
    const c = this.vended.find((v) => v.accessKeyId === accessKeyId);
    return c !== undefined && atMs < c.expiresAtMs;
  }

  count(route: Route, status?: number): number {
    return this.requests.filter((r) => r.route === route && (status === undefined || r.status === status)).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const checked = restCatalogDescription().checkRequest(
      { method, url, headers: req.headers, body },
      this.options.prefix === undefined ? ['prefix'] : [],
    );
    this.violations.push(...checked.problems);
    const match = checked.match;
    const route = match === undefined ? 'unknown' : routeOf(match);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const answer = await this.answer(route, match, url, req, body, token);
    const text =
      answer.body === undefined ? '' : this.tamper !== undefined && route !== 'unknown' ? this.tamper(route, answer.body) : answer.body;
    const headers: Record<string, string> = { ...answer.headers };
    if (text !== '') headers['content-type'] = answer.contentType ?? 'application/json';
    if (match !== undefined)
      this.violations.push(...restCatalogDescription().checkResponse(match, { status: answer.status, headers, body: text }));
    this.requests.push({
      route,
      method,
      path: url.pathname,
      status: answer.status,
      bytes: Buffer.byteLength(text),
      token,
      headers: req.headers,
      query: Object.fromEntries(url.searchParams),
    });
    res.writeHead(answer.status, { ...headers, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async answer(
    route: Route | 'unknown',
    match: OperationMatch | undefined,
    url: URL,
    req: IncomingMessage,
    body: string,
    token: string | undefined,
  ): Promise<Answer> {
    if (route === 'unknown' || match === undefined) return icebergError(400, 'BadRequestException', 'no such route');
    const script = this.scripts.find((s) => s.route === route && (s.times === undefined || s.hits < s.times));
    if (script !== undefined) script.hits++;
    if (script?.delayMs !== undefined) await new Promise((ok) => setTimeout(ok, script.delayMs));
    if (script?.status !== undefined) {
      return route === 'token'
        ? oauthError(script.status, 'invalid_client')
        : icebergError(script.status, script.status >= 500 ? 'InternalServerError' : 'ScriptedException', 'scripted failure');
    }
    if (route === 'token') return this.token(body);
    const denied = this.authenticate(token);
    if (denied !== undefined) return denied;
    if (route === 'config') return this.config(url);
    const prefix = match.params['prefix'];
    if (prefix !== this.options.prefix) {
      this.violations.push(
        `${match.operationId}: the client used prefix ${JSON.stringify(prefix ?? null)}, the catalog gave ${JSON.stringify(this.options.prefix ?? null)}`,
      );
      return icebergError(404, 'NoSuchNamespaceException', 'no such prefix');
    }
    const table = this.tableOf(match.params['namespace'] ?? '', match.params['table'] ?? '');
    if (table === undefined) return icebergError(404, 'NoSuchTableException', 'The given table does not exist');
    const delegated = String(req.headers['x-iceberg-access-delegation'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('vended-credentials');
    if (route === 'loadCredentials') {
      if (this.options.credentialsRoute === false) return icebergError(406, 'UnsupportedOperationException', 'not served');
      return {
        status: 200,
        body: JSON.stringify({ 'storage-credentials': this.vend(table, script?.vendExpired === true)?.entries ?? [] }),
      };
    }
    return this.loadTable(table, req, url, delegated, script?.vendExpired === true);
  }

  private authenticate(token: string | undefined): Answer | undefined {
    if (this.options.clients === undefined && this.options.staticTokens === undefined) return undefined;
    if (token !== undefined && this.options.staticTokens?.includes(token)) return undefined;
    const issued = token === undefined ? undefined : this.tokens.get(token);
    if (issued !== undefined && !issued.revoked && Date.now() < issued.expiresAtMs) return undefined;
    if (issued !== undefined && !issued.revoked) this.expiredTokenUses++;
    return icebergError(401, 'NotAuthorizedException', 'Not authorized to make this request');
  }

  private token(body: string): Answer {
    const form = new URLSearchParams(body);
    const secret = this.options.clients?.[form.get('client_id') ?? ''];
    if (form.get('grant_type') !== 'client_credentials') return oauthError(400, 'unsupported_grant_type');
    if (secret === undefined || form.get('client_secret') !== secret) return oauthError(401, 'invalid_client');
    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    const value = `tok-${randomBytes(12).toString('hex')}`;
    this.tokens.set(value, { expiresAtMs: Date.now() + lifetime * 1000, revoked: false });
    return {
      status: 200,
      body: JSON.stringify({
        access_token: value,
        token_type: 'bearer',
        expires_in: lifetime,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      }),
    };
  }

  private config(url: URL): Answer {
    const asked = url.searchParams.get('warehouse');
    if (this.options.warehouse !== undefined && asked !== this.options.warehouse)
      return icebergError(404, 'NoSuchWarehouseException', 'The given warehouse does not exist');
    const prefix = this.options.prefix === undefined ? {} : { prefix: this.options.prefix };
    const defaults = { ...this.options.defaults, ...(this.options.prefixIn === 'defaults' ? prefix : {}) };
    const overrides = {
      ...this.options.overrides,
      ...(this.options.prefixIn !== 'defaults' ? prefix : {}),
      ...(this.options.namespaceSeparator !== undefined && { 'namespace-separator': this.options.namespaceSeparator }),
    };
    const endpoints = [
      'GET /v1/{prefix}/namespaces',
      'GET /v1/{prefix}/namespaces/{namespace}',
      LOAD_TABLE,
      ...(this.options.credentialsRoute === false ? [] : [LOAD_CREDENTIALS]),
    ];
    return { status: 200, body: JSON.stringify({ defaults, overrides, endpoints }) };
  }

  private loadTable(table: StandInTable, req: IncomingMessage, url: URL, delegated: boolean, vendExpired: boolean): Answer {
    const { file, text } = currentMetadata(table.directory);
    const location = table.location ?? (JSON.parse(text) as { location: string }).location;
    const metadataLocation = `${location.replace(/\/+$/, '')}/metadata/${file}`;
    // One version of the metadata, one tag; `snapshots` changes the representation, so it is part of it.
    const etag = `"${createHash('sha256')
      .update(`${metadataLocation}\n${url.searchParams.get('snapshots') ?? 'all'}\n${text}`)
      .digest('hex')
      .slice(0, 32)}"`;
    if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
    const grant = delegated ? this.vend(table, vendExpired) : undefined;
    const config = { ...this.options.tableConfig, ...(grant?.config ?? {}) };
    // The metadata goes out as the file's own text: its 64-bit ids exactly as written.
    const body = `{"metadata-location":${JSON.stringify(metadataLocation)},"metadata":${text},"config":${JSON.stringify(config)}${grant !== undefined && grant.entries.length > 0 ? `,"storage-credentials":${JSON.stringify(grant.entries)}` : ''}}`;
    return { status: 200, body, headers: { etag } };
  }

  private vend(
    table: StandInTable,
    expired: boolean,
  ): { entries: { prefix: string; config: Record<string, string> }[]; config: Record<string, string> } | undefined {
    const v = this.options.vend;
    if (v === undefined) return undefined;
    const now = Date.now();
    const credential: VendedCredential = {
      accessKeyId: `VND${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64url'),
      sessionToken: randomBytes(24).toString('base64url'),
      issuedAtMs: now,
      expiresAtMs: expired ? now - 1000 : now + v.lifetimeMs,
    };
    this.vended.push(credential);
    this.options.onVend?.(credential);
    const config: Record<string, string> = {
      's3.access-key-id': credential.accessKeyId,
      's3.secret-access-key': credential.secretAccessKey,
      's3.session-token': credential.sessionToken,
      's3.session-token-expires-at-ms': String(credential.expiresAtMs),
      ...(v.endpoint !== undefined && { 's3.endpoint': v.endpoint }),
      ...(v.pathStyle !== undefined && { 's3.path-style-access': String(v.pathStyle) }),
      ...(v.region !== undefined && { 'client.region': v.region }),
    };
    const prefix =
      table.credentialPrefix ?? table.location ?? (JSON.parse(currentMetadata(table.directory).text) as { location: string }).location;
    return v.form === 'config' ? { entries: [], config } : { entries: [{ prefix, config }], config: {} };
  }

  private tableOf(namespace: string, name: string): StandInTable | undefined {
    // Servers must accept the unit separator and the advertised one (the spec's `namespace` parameter).
    const advertised = this.options.namespaceSeparator === undefined ? undefined : decodeURIComponent(this.options.namespaceSeparator);
    const parts = namespace.split('\u001f').flatMap((p) => (advertised === undefined ? [p] : p.split(advertised)));
    return this.tables.find((t) => sameNamespace(t.namespace, parts) && t.name === name);
  }
}

interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly contentType?: string;
}

const icebergError = (code: number, type: string, message: string): Answer => ({
  status: code,
  body: JSON.stringify({ error: { message, type, code } }),
});
const oauthError = (status: number, error: string): Answer => ({
  status,
  body: JSON.stringify({ error, error_description: 'refused by the stand-in' }),
});
const sameNamespace = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function routeOf(match: OperationMatch): Route | 'unknown' {
  const key = `${match.method} ${match.template}`;
  if (key === 'GET /v1/config') return 'config';
  if (key === 'POST /v1/oauth/tokens') return 'token';
  if (key === LOAD_TABLE) return 'loadTable';
  if (key === LOAD_CREDENTIALS) return 'loadCredentials';
  return 'unknown';
}

/**
 * The table's current metadata file, the way a file-system catalog finds
 * it: `metadata/version-hint.text` (a version N, or a file name without
 * `.metadata.json`), else the last metadata file by name.
 */
export function currentMetadata(directory: string): { file: string; text: string } {
  const dir = join(directory, 'metadata');
  const files = readdirSync(dir).filter((f) => f.endsWith('.metadata.json'));
  let file: string | undefined;
  try {
    const hint = readFileSync(join(dir, 'version-hint.text'), 'utf8').trim();
    file = /^\d+$/.test(hint) ? `v${hint}.metadata.json` : `${hint}.metadata.json`;
    if (!files.includes(file)) file = undefined;
  } catch {
    file = undefined;
  }
  file ??= files.sort((a, b) => versionOf(a) - versionOf(b) || (a < b ? -1 : 1)).at(-1);
  if (file === undefined) throw new Error(`no metadata file in ${dir}`);
  return { file, text: readFileSync(join(dir, file), 'utf8') };
}

const versionOf = (file: string) => Number(/^v?(\d+)[-.]/.exec(file)?.[1] ?? -1);
