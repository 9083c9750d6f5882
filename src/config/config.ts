import { createHash, createPublicKey, randomBytes, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { displayPath, readYaml } from '../contract/yaml-file.js';
import { ConfigError } from '../errors.js';
import { catalogCredentialOf, catalogsSchema } from './catalogs.js';
import { checkExecution, enginesSchema, executionSchema } from './engines.js';
import { redisConnectionOf, stateSchema } from './state.js';

/**
 * `sluice.yaml` (docs/configuration.md). Paths are relative to the config file. Secrets are
 * never in the file: it names environment variables that hold them.
 *
 * Sections that later work fills in (`audit`, `masking`)
 * are accepted in the shape the spec gives, so a config written for the full
 * product loads today.
 */
/**
 * What one request may ask for (docs/errors.md: QUERY_TOO_COMPLEX, RESOURCE_LIMIT),
 * checked before anything is planned or read — but for what its scans use,
 * checked as they read. The defaults leave room for the
 * demo's deepest honest query (a relationship and its page, with fragments)
 * and refuse the shapes abuse is made of.
 */
const limitsSchema = z.strictObject({
  /** Nesting of selections (fragments followed), introspection excluded. */
  maxDepth: z.number().int().positive().default(10),
  /** Aliased fields in one operation. */
  maxAliases: z.number().int().min(0).default(15),
  /** Directives in one operation. */
  maxDirectives: z.number().int().min(0).default(10),
  /** Lexical tokens in one document, counted while parsing. */
  maxTokens: z.number().int().positive().default(2000),
  /**
   * Rows a request may ask for: each page counts its `first` (or the
   * product's default page size) times the cost of one of its rows, so
   * nested pages multiply. See use-cost-limit.ts.
   */
  maxCost: z.number().int().positive().default(50_000),
  /**
   * Rows an `offset` may skip. Skipped rows are sorted and held like the
   * rows returned (a top-K of offset + first + 1 rows), so deep pages are
   * read with cursors (`after: endCursor`), whose cost does not grow with depth.
   */
  maxOffset: z.number().int().min(0).default(10_000),
  /**
   * What a `where` may hold (server/use-where-limits.ts), literals and
   * variables alike, checked before anything reads it: values in one `in`
   * or `notIn` list (relationship batches build their own key lists, which
   * are not bounded by this), conditions (field operators) in one `where`,
   * and levels of AND / OR / NOT nesting. At most 100 levels: graphql-js
   * coerces and parses recursively.
   */
  maxInListLength: z.number().int().positive().default(1000),
  maxWhereConditions: z.number().int().positive().default(100),
  maxWhereDepth: z.number().int().positive().max(100).default(10),
  /**
   * What the engine may do for one request, all its plans together
   * (engine/scan-budget.ts): rows of the row groups read, compressed bytes of
   * the column chunks read, bytes of the columns decoded. Checked before each
   * row group is decoded; past one, RESOURCE_LIMIT. Cached columns count as
   * read. The defaults are about ten times what a full scan of the
   * benchmark's 10M orders uses (bench/; its heaviest query decodes 314 MB
   * from 117 MB of chunks), so only runaway requests meet them.
   */
  maxRowsScanned: z.number().int().positive().default(100_000_000),
  maxBytesRead: z
    .number()
    .int()
    .positive()
    .default(2 * 2 ** 30),
  maxMemoryBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 2 ** 30),
  /** Operations in one batched (JSON array) request; 0 refuses batches. */
  maxBatch: z.number().int().min(0).max(100).default(0),
  /** Requests per caller (API key, token subject, or anonymous), as a token bucket; absent = not limited. */
  rate: z
    .strictObject({
      /** Sustained requests per second. */
      perSecond: z.number().positive(),
      /** Requests that may come at once after a quiet spell. */
      burst: z.number().int().positive(),
    })
    .optional(),
});

/** A token bucket: `perSecond` sustained, `burst` at once. */
const rateSchema = limitsSchema.shape.rate.unwrap();
/**
 * Cross-origin access for browser apps on other origins (docs/frontend-apps.md). Absent:
 * no origin is granted. Each entry is a serialized origin, exactly as a
 * browser sends it in `Origin` (scheme, host, and port when not the
 * scheme's default; no path, no trailing slash); `*` and `null` are refused,
 * as is anything that is not one origin.
 */
const corsSchema = z.strictObject({
  origins: z
    .array(
      z.string().superRefine((o, ctx) => {
        let origin: string | undefined;
        try {
          origin = new URL(o).origin;
        } catch {
          origin = undefined;
        }
        if (origin !== o || !/^https?:\/\//.test(o)) {
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(o)} is not an origin: write scheme://host[:port] as the browser sends it, e.g. http://localhost:5173 (no path, no trailing slash; "*" and "null" are not accepted)`,
          });
        }
      }),
    )
    .min(1),
  /** Let browsers send credentials (cookies, HTTP authentication) with cross-origin requests: Access-Control-Allow-Credentials. */
  credentials: z.boolean().default(false),
  /** How long a browser may reuse a preflight's answer: Access-Control-Max-Age. */
  maxAgeSeconds: z.number().int().min(0).max(86_400).default(600),
});

const serverSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(4000),
  host: z.string().default('127.0.0.1'),
  graphiql: z.boolean().default(false),
  introspection: z.boolean().default(false),
  maxBodyBytes: z.number().int().positive().default(1_048_576),
  /** Per-request deadline. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** How long a shutdown (SIGTERM) waits for requests in flight before cutting them off. */
  shutdownTimeoutMs: z.number().int().positive().default(10_000),
  limits: limitsSchema.default(limitsSchema.parse({})),
  /**
   * `GET /metrics` (Prometheus). Absent: not served. Its figures (rows, row
   * groups and bytes read per product, requests per operation) depend on
   * rows that policies hide from callers, so only scrapers bearing the
   * token get them: `Authorization: Bearer <token>`, the token read from
   * the environment variable `tokenEnv` (at least 16 characters).
   */
  metrics: z.strictObject({ tokenEnv: z.string().min(1) }).optional(),
  /**
   * `POST /admin/reload` (docs/configuration.md: reload contracts, policies and config,
   * as SIGHUP does), only for requests bearing the token read from the
   * environment variable `tokenEnv` (at least 16 characters). Absent: not served.
   */
  admin: z.strictObject({ tokenEnv: z.string().min(1) }).optional(),
  /** Origins whose pages may call the gateway (browser apps); absent: none. */
  cors: corsSchema.optional(),
  /**
   * Execute validated documents with graphql-jit, compiled once per caller
   * schema and document (use-compiled-execution.ts): less CPU per request.
   * Off by default: graphql-jit's coercion messages for bad variable values
   * are worded differently from graphql-js's.
   */
  compiledExecution: z.boolean().default(false),
  /**
   * Keep answers of plans for identical questions (session/result-cache.ts):
   * keyed by the optimized, policy-pinned plan, the caller's effective access
   * and every source file's version, so never shared between callers whose
   * policies differ and never stale. Absent: off.
   */
  resultCache: z
    .strictObject({
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024),
    })
    .optional(),
});

/**
 * Who may call (docs/policies.md). API keys are stored as their SHA-256 only; JWTs are
 * verified with an HS256 secret from the environment or with the public keys
 * of a local JWKS file, never both, so a token cannot pick which kind of key
 * verifies it (key confusion).
 */
const nonEmpty = z.string().min(1);
const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

const apiKeySchema = z.strictObject({
  id: nonEmpty,
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the key, 64 hex digits (`sluice key hash <key>` prints it)')
    .transform((hex) => hex.toLowerCase()),
  subject: nonEmpty,
  roles: z.array(nonEmpty).min(1),
  tenant: nonEmpty.optional(),
  attributes: z.record(z.string(), attributeValue).default({}),
  /** When set, the key may only be used for these purposes (`X-Purpose`). */
  purposes: z.array(nonEmpty).min(1).optional(),
  /** The key may only run persisted operations (docs/persisted-operations.md). */
  persistedOnly: z.boolean().default(false),
  /** The key may register operations through Apollo APQ (a query sent with its sha256Hash); not with persistedOnly. */
  allowPersistRegistration: z.boolean().default(false),
  /** This key's own rate (a token bucket), or `false`: not limited; absent: `server.limits.rate`. */
  rate: z.union([z.literal(false), rateSchema], { error: 'must be false (not limited) or { perSecond, burst }, both numbers' }).optional(),
});

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
type JwtAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof HMAC_ALGORITHMS)[number];

const jwtSchema = z
  .strictObject({
    issuer: nonEmpty,
    audience: nonEmpty,
    /** Public keys (RS*, PS*, ES*, EdDSA), relative to the config file. */
    jwksFile: nonEmpty.optional(),
    /** Environment variable holding the HMAC secret (HS*). */
    secretEnv: nonEmpty.optional(),
    algorithms: z
      .array(z.enum([...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS]))
      .min(1)
      .optional(),
    claims: z.strictObject({
      subject: nonEmpty.default('sub'),
      /** A string or string-array claim. */
      roles: nonEmpty,
      tenant: nonEmpty.optional(),
      attributes: z.array(nonEmpty).default([]),
    }),
    clockToleranceSec: z.number().int().min(0).max(300).default(30),
  })
  .superRefine((jwt, ctx) => {
    if ((jwt.jwksFile === undefined) === (jwt.secretEnv === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of jwksFile (RS256/ES256 public keys) or secretEnv (HS256 secret)' });
      return;
    }
    const allowed: readonly string[] = jwt.jwksFile !== undefined ? ASYMMETRIC_ALGORITHMS : HMAC_ALGORITHMS;
    const wrong = (jwt.algorithms ?? []).filter((a) => !allowed.includes(a));
    if (wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: `${wrong.join(', ')} cannot be used with ${jwt.jwksFile !== undefined ? 'jwksFile; HMAC algorithms need secretEnv' : 'secretEnv; public-key algorithms need jwksFile'}`,
      });
    }
  })
  .transform((jwt) => ({
    ...jwt,
    algorithms: (jwt.algorithms ?? (jwt.jwksFile !== undefined ? ['RS256', 'ES256'] : ['HS256'])) as readonly JwtAlgorithm[],
  }));

const authSchema = z.strictObject({
  /** Callers without credentials get this role; absent, they get 401. */
  anonymous: z.strictObject({ role: nonEmpty }).optional(),
  apiKeys: z.array(apiKeySchema).default([]),
  jwt: jwtSchema.optional(),
});

/**
 * Object storage (docs/configuration.md) for `s3://` sources. Credentials are never in the
 * file: the SDK's chain finds them (environment, shared config and
 * credentials files, SSO, container or instance roles), or a named profile
 * of the shared files does, for all sources or per location prefix.
 */
const s3ConnectionShape = {
  region: nonEmpty.optional(),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  forcePathStyle: z.boolean().optional(),
  profile: nonEmpty.optional(),
};

const s3Schema = z.strictObject({
  ...s3ConnectionShape,
  /** Deadline of one attempt of one request, the body included (bounds a stalled body). */
  requestTimeoutMs: z.number().int().positive().max(300_000).default(5000),
  /** Attempts per request on 500/503/SlowDown/resets/timeouts; never on 403/404. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  retryBaseDelayMs: z.number().int().min(0).max(10_000).default(100),
  /** How long a listing is reused; new and replaced objects are picked up within it. */
  listRefreshSeconds: z.number().min(0).max(86_400).default(60),
  /** Memory budget of the byte-range cache (footers, column chunks). */
  cacheBytes: z
    .number()
    .int()
    .min(0)
    .default(256 * 1024 * 1024),
  /** Per-location settings, e.g. a profile for one bucket; the longest matching prefix wins. */
  sources: z
    .array(
      z.strictObject({
        prefix: z.string().regex(/^s3:\/\/[^/*?]+(\/.*)?$/, 'must be an s3:// location prefix, s3://bucket/ or deeper'),
        ...s3ConnectionShape,
      }),
    )
    .default([]),
});

const storageSchema = z.strictObject({
  s3: s3Schema.default(s3Schema.parse({})),
  /** Apache Iceberg tables (docs/iceberg.md). */
  iceberg: z
    .strictObject({
      /** How long a table's metadata is used before it is looked at again: a new commit is visible within it. At most 60 s. */
      refreshSeconds: z.number().min(0).max(60).default(60),
    })
    .default({ refreshSeconds: 60 }),
});

const configSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  products: z.string().default('./products'),
  policies: z.string().default('./policies'),
  persisted: z.string().optional(),
  cursors: z
    .strictObject({
      /** Environment variable with the cursor signing key; replicas must share it. Unset: a random key per process. */
      secretEnv: z.string().optional(),
    })
    .default({}),
  auth: authSchema.default({ apiKeys: [] }),
  storage: storageSchema.default(storageSchema.parse({})),
  /** Iceberg REST catalogs (docs/iceberg.md), by the name contracts use (catalogs.ts). */
  catalogs: catalogsSchema.default({}),
  audit: z.strictObject({ file: z.string().optional() }).optional(),
  /** OpenLineage RunEvents, one per request that read a product: to a file, an HTTP consumer, or both. */
  openlineage: z
    .strictObject({
      /** One JSON line per event, appended. */
      file: nonEmpty.optional(),
      /** OpenLineage's HTTP transport (response/openlineage-http.ts): POST {url}/api/v1/lineage, in the background. */
      http: z
        .strictObject({
          url: z
            .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
            .refine(
              (u) => !/^https?:\/\/[^/]*@/.test(u),
              'must not hold credentials; name the environment variable holding the key in apiKeyEnv',
            ),
          /** Environment variable holding the API key, sent as `Authorization: Bearer <key>`. */
          apiKeyEnv: nonEmpty.optional(),
          /** Deadline of one POST. */
          timeoutMs: z.number().int().positive().max(60_000).default(5000),
          /** Events waiting to be sent; past it new events are dropped (and logged), so a consumer that is down costs bounded memory. */
          maxQueue: z.number().int().positive().max(100_000).default(1000),
        })
        .optional(),
      /** The job namespace: names this deployment in a lineage graph. */
      namespace: nonEmpty.default('sluice'),
    })
    .refine((o) => o.file !== undefined || o.http !== undefined, {
      path: ['file'],
      message: 'set file (a JSON-lines file), http (an OpenLineage endpoint) or both',
    })
    .optional(),
  /** OpenTelemetry: spans are exported over OTLP/HTTP (JSON) only when `otlp` is set. */
  telemetry: z
    .strictObject({
      serviceName: nonEmpty.default('sluice'),
      otlp: z
        .strictObject({
          /** The traces endpoint, e.g. http://collector:4318/v1/traces. */
          endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
          /** Request headers whose values are read from environment variables: { authorization: OTLP_TOKEN }. */
          headersEnv: z.record(z.string(), nonEmpty).default({}),
        })
        .optional(),
    })
    .optional(),
  masking: z.strictObject({ hashKeyEnv: z.string().optional() }).optional(),
  /** Where state shared by replicas lives (state.ts); absent: in this process. */
  state: stateSchema.optional(),
  /** External engines (engines.ts): Trino over its client protocol, DuckDB in this process. */
  engines: enginesSchema.default({}),
  /** Which engine runs each product's plans (engines.ts); default the embedded one. */
  execution: executionSchema.default(executionSchema.parse({})),
});

export type ServerConfig = z.infer<typeof serverSchema>;
export type LimitsConfig = z.infer<typeof limitsSchema>;
export type CorsConfig = z.infer<typeof corsSchema>;
export type AuthConfig = z.infer<typeof authSchema>;
export type ApiKeyConfig = AuthConfig['apiKeys'][number];
export type JwtConfig = NonNullable<AuthConfig['jwt']>;
export type S3Config = z.infer<typeof s3Schema>;
export type { CatalogConfig, CatalogCredential } from './catalogs.js';
export type { EngineName, EnginesConfig, ExecutionConfig, TrinoEngineConfig, DuckDbEngineConfig } from './engines.js';
export type OpenLineageConfig = NonNullable<z.infer<typeof configSchema>['openlineage']>;

export interface SluiceConfig {
  readonly file: string;
  readonly server: ServerConfig;
  readonly productsDir: string;
  readonly policiesDir: string;
  readonly persistedFile?: string;
  /** Where `serve` appends the audit trail (docs/lineage-and-audit.md); none = not written. */
  readonly auditFile?: string;
  readonly cursorSecret: Buffer;
  readonly auth: AuthConfig;
  readonly raw: z.infer<typeof configSchema>;
}

/**
 * The HMAC key of the `hash` mask: the value of `masking.hashKeyEnv`, or
 * undefined when none is configured or set (loadDeployment refuses policies
 * that hash without one).
 */
export function maskingKey(config: SluiceConfig): Buffer | undefined {
  const env = config.raw.masking?.hashKeyEnv;
  const value = env ? process.env[env] : undefined;
  return value ? Buffer.from(value, 'utf8') : undefined;
}

/** Shortest metrics token accepted: a guessable one would open what the token guards. */
const MIN_METRICS_TOKEN = 16;

/**
 * The token scrapers of `/metrics` must bear: the value of
 * `server.metrics.tokenEnv`, or undefined when metrics are not configured
 * (then they are not served). Throws a ConfigError when the variable is
 * unset or too short, so `serve` does not start with metrics open or gone
 * by mistake. The token never appears in messages.
 */
export function metricsToken(config: SluiceConfig): string | undefined {
  return bearerToken(config, 'metrics');
}

/** The token `POST /admin/reload` requires (`server.admin.tokenEnv`), checked as the metrics token is; undefined: not served. */
export function adminToken(config: SluiceConfig): string | undefined {
  return bearerToken(config, 'admin');
}

function bearerToken(config: SluiceConfig, section: 'metrics' | 'admin'): string | undefined {
  const env = config.server[section]?.tokenEnv;
  if (env === undefined) return undefined;
  const value = process.env[env];
  if (!value)
    throw new ConfigError(displayPath(config.file), `server.${section}.tokenEnv names ${env}, which is not set in the environment`);
  if (value.length < MIN_METRICS_TOKEN) {
    throw new ConfigError(
      displayPath(config.file),
      `server.${section}.tokenEnv names ${env}, which holds ${value.length} characters; use a random token of at least ${MIN_METRICS_TOKEN}`,
    );
  }
  return value;
}

export function loadConfig(file: string): SluiceConfig {
  const parsed = readYaml(file, configSchema);
  const raw = parsed.value;
  const base = dirname(resolve(file));
  checkAuth(raw.auth, base, (path) => {
    const line = parsed.lineOf(['auth', ...path]);
    return line === undefined ? displayPath(file) : `${displayPath(file)}:${line}`;
  });
  // A catalog's secrets must be in the environment at start-up, not found missing by the first request.
  for (const [name, catalog] of Object.entries(raw.catalogs)) {
    catalogCredentialOf(name, catalog, (key) => {
      const line = parsed.lineOf(['catalogs', name, 'credential', key]);
      return line === undefined ? displayPath(file) : `${displayPath(file)}:${line}`;
    });
  }
  // Redis's URL and password, too: a replica that cannot share state must not start as if it could.
  if (raw.state?.redis) {
    const line = parsed.lineOf(['state', 'redis']);
    redisConnectionOf(raw.state.redis, line === undefined ? displayPath(file) : `${displayPath(file)}:${line}`);
  }
  // An engine that cannot be reached as configured must fail the start, not the first query routed to it.
  checkExecution(raw.engines, raw.execution, (path) => {
    const line = parsed.lineOf(path);
    return line === undefined ? displayPath(file) : `${displayPath(file)}:${line}`;
  });
  return {
    file,
    server: raw.server,
    productsDir: resolve(base, raw.products),
    policiesDir: resolve(base, raw.policies),
    ...(raw.persisted !== undefined && { persistedFile: resolve(base, raw.persisted) }),
    ...(raw.audit?.file !== undefined && { auditFile: resolve(base, raw.audit.file) }),
    cursorSecret: cursorSecret(file, raw.cursors.secretEnv),
    auth: raw.auth,
    raw,
  };
}

/** The cursor key of this process when no `cursors.secretEnv` is configured. */
const PROCESS_CURSOR_SECRET = randomBytes(32);

/**
 * The cursor signing key (docs/graphql.md): from the named environment variable when
 * set (share it between replicas), otherwise a random key of this process,
 * the same for every config it loads. Never derived from files: anything in
 * the repository (the config text included) is known to whoever can read it,
 * and a key derived from it would let them forge cursors. Without
 * `secretEnv`, cursors end with the process and do not move between replicas
 * (`serve` says so at start-up).
 */
function cursorSecret(file: string, envName: string | undefined): Buffer {
  if (envName === undefined) return PROCESS_CURSOR_SECRET;
  const fromEnv = process.env[envName];
  if (!fromEnv) throw new ConfigError(displayPath(file), `cursors.secretEnv names ${envName}, which is not set in the environment`);
  return createHash('sha256').update(fromEnv).digest();
}

/**
 * Checks what the schema cannot: API key ids and hashes are unique, and the
 * JWT key material exists and is usable, so a bad deployment fails at
 * start-up rather than on the first request. `where` names `file:line` of a
 * path under `auth`.
 */
function checkAuth(auth: AuthConfig, configDir: string, where: (path: readonly (string | number)[]) => string): void {
  const ids = new Map<string, number>();
  const hashes = new Map<string, string>();
  auth.apiKeys.forEach((key, i) => {
    if (ids.has(key.id)) {
      throw new ConfigError(
        where(['apiKeys', i, 'id']),
        `auth.apiKeys.${i}.id: "${key.id}" is already the id of auth.apiKeys.${ids.get(key.id)}`,
      );
    }
    ids.set(key.id, i);
    const other = hashes.get(key.sha256);
    if (other !== undefined) {
      throw new ConfigError(
        where(['apiKeys', i, 'sha256']),
        `auth.apiKeys.${i}.sha256: the same hash as key "${other}"; every key needs its own secret`,
      );
    }
    hashes.set(key.sha256, key.id);
    if (key.persistedOnly && key.allowPersistRegistration) {
      throw new ConfigError(
        where(['apiKeys', i, 'allowPersistRegistration']),
        `auth.apiKeys.${i}.allowPersistRegistration: key "${key.id}" is persistedOnly, so it runs manifest operations only and cannot register others`,
      );
    }
  });
  if (auth.jwt) jwtKeyOf(auth.jwt, configDir, (k) => where(['jwt', k]));
}

/** What verifies bearer tokens: public keys or an HMAC secret, never both. */
export type JwtKey =
  | { readonly kind: 'jwks'; readonly jwks: { readonly keys: readonly JsonWebKey[] } }
  | { readonly kind: 'secret'; readonly secret: Uint8Array };

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const HMAC_KEY_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * Loads the key material `auth.jwt` names: the JWKS file (relative to the
 * config directory; public RSA, EC or OKP keys only) or the secret from the
 * environment. Throws a ConfigError at `where(key)` when it is missing or
 * unusable. Secrets never appear in messages.
 */
export function jwtKeyOf(jwt: JwtConfig, configDir: string, where: (key: 'jwksFile' | 'secretEnv') => string): JwtKey {
  if (jwt.secretEnv !== undefined) {
    const fail = (message: string) => new ConfigError(where('secretEnv'), `auth.jwt.secretEnv ${message}`);
    const value = process.env[jwt.secretEnv];
    if (!value) throw fail(`names ${jwt.secretEnv}, which is not set in the environment`);
    const secret = new TextEncoder().encode(value);
    const needed = Math.max(...jwt.algorithms.map((a) => HMAC_KEY_BYTES[a] ?? 0));
    if (secret.length < needed) {
      throw fail(
        `names ${jwt.secretEnv}, which holds ${secret.length} bytes; ${jwt.algorithms.join('/')} needs a secret of at least ${needed} bytes`,
      );
    }
    return { kind: 'secret', secret };
  }
  const file = resolve(configDir, jwt.jwksFile!);
  const fail = (message: string) => new ConfigError(where('jwksFile'), `auth.jwt.jwksFile: ${displayPath(file)} ${message}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw fail('cannot be read');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw fail('is not JSON');
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw fail('must be a JWK Set, {"keys": [...]}, with at least one key');
  keys.forEach((key: unknown, i) => {
    if (typeof key !== 'object' || key === null || Array.isArray(key)) throw fail(`keys[${i}] is not a JSON object`);
    const jwk = key as JsonWebKey;
    const named = `keys[${i}]${typeof jwk['kid'] === 'string' ? ` (kid "${jwk['kid']}")` : ''}`;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') {
      throw fail(`${named} has kty ${JSON.stringify(jwk.kty)}; a JWKS holds RSA, EC or OKP public keys (an HMAC secret goes in secretEnv)`);
    }
    if (PRIVATE_JWK_MEMBERS.some((m) => m in jwk)) throw fail(`${named} is a private key; publish only the public keys`);
    if (typeof jwk['alg'] === 'string' && !(jwt.algorithms as readonly string[]).includes(jwk['alg'])) {
      throw fail(`${named} is for ${jwk['alg']}, which auth.jwt.algorithms (${jwt.algorithms.join(', ')}) does not allow`);
    }
    try {
      createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      throw fail(`${named} is not a valid public key`);
    }
  });
  return { kind: 'jwks', jwks: { keys: keys as JsonWebKey[] } };
}
