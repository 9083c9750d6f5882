import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * `catalogs:` in sluice.yaml (docs/iceberg.md): Iceberg REST catalogs that contracts
 * name with `source: { format: iceberg, catalog, table }`. Secrets are never
 * in the file: it names the environment variables holding them, and they
 * are read at start-up (a missing one is a config error then, not a failed
 * request later).
 *
 * ```yaml
 * catalogs:
 *   lake:
 *     type: rest
 *     uri: https://catalog.example.com/api/catalog
 *     warehouse: analytics
 *     credential: { clientIdEnv: LAKE_CLIENT_ID, clientSecretEnv: LAKE_CLIENT_SECRET }
 *     accessDelegation: vended-credentials
 * ```
 */
const nonEmpty = z.string().min(1);
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable (the secret itself never goes in the file)');
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not hold credentials; name the environment variables holding them in credential');

const credentialSchema = z
  .strictObject({
    /** OAuth2 client credentials: the client id and secret, from the environment. */
    clientIdEnv: envName.optional(),
    clientSecretEnv: envName.optional(),
    /** The scope asked for; Iceberg's default is `catalog` (Apache Polaris wants e.g. `PRINCIPAL_ROLE:ALL`). */
    scope: nonEmpty.optional(),
    /**
     * The OAuth2 token endpoint; default: the catalog's own
     * `{uri}/v1/oauth/tokens`. The client secret is sent here and nowhere
     * else: an `oauth2-server-uri` in the catalog's /v1/config answer is
     * not followed, so a catalog cannot send Sluice's secret elsewhere.
     */
    tokenUri: httpUrl.optional(),
    /** A static bearer token instead, from the environment. */
    tokenEnv: envName.optional(),
  })
  .superRefine((c, ctx) => {
    const client = c.clientIdEnv !== undefined || c.clientSecretEnv !== undefined;
    if (client === (c.tokenEnv !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'set either clientIdEnv and clientSecretEnv (OAuth2 client credentials) or tokenEnv (a static bearer token)',
      });
    } else if (client && (c.clientIdEnv === undefined || c.clientSecretEnv === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.clientIdEnv === undefined ? 'clientIdEnv' : 'clientSecretEnv'],
        message: 'OAuth2 client credentials need both clientIdEnv and clientSecretEnv',
      });
    } else if (!client && (c.scope !== undefined || c.tokenUri !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.scope !== undefined ? 'scope' : 'tokenUri'],
        message: 'only used with OAuth2 client credentials (clientIdEnv, clientSecretEnv)',
      });
    }
  });

const catalogSchema = z.strictObject({
  type: z.literal('rest', { error: 'must be rest (the Apache Iceberg REST catalog); no other catalog type is supported' }),
  /** The catalog's base URI; requests go to `{uri}/v1/...`. */
  uri: httpUrl,
  /** Sent as `warehouse` to GET /v1/config; the catalog answers with the prefix and settings for it. */
  warehouse: nonEmpty.optional(),
  /** The path prefix of the catalog's routes, when the catalog's /v1/config does not set it. */
  prefix: nonEmpty.optional(),
  /** Absent: requests carry no Authorization (a catalog open on a private network). */
  credential: credentialSchema.optional(),
  /** Ask the catalog for storage credentials scoped to each table (`X-Iceberg-Access-Delegation`). */
  accessDelegation: z.literal('vended-credentials', { error: 'must be vended-credentials (remote signing is not supported)' }).optional(),
  /** How long a loaded table is reused before the catalog is asked again (one small request when unchanged). */
  refreshSeconds: z.number().min(0).max(86_400).default(60),
  /** Deadline of one attempt of one request, the body included. */
  requestTimeoutMs: z.number().int().positive().max(300_000).default(5000),
  /** Attempts per request on 5xx, 429, resets and timeouts; never on 4xx. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  retryBaseDelayMs: z.number().int().min(0).max(10_000).default(100),
});

export const catalogsSchema = z.record(z.string(), catalogSchema).superRefine((catalogs, ctx) => {
  for (const name of Object.keys(catalogs)) {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'a catalog name is a letter followed by letters, digits, _ or - (at most 64)',
      });
  }
});

export type CatalogConfig = z.infer<typeof catalogSchema>;

/** What a catalog authenticates with, read from the environment. Never logged, never put in a message. */
export type CatalogCredential =
  | {
      readonly kind: 'client';
      readonly clientId: string;
      readonly clientSecret: string;
      readonly scope: string;
      readonly tokenUri?: string;
    }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'none' };

/**
 * The credential `catalogs.<name>.credential` names, read from the
 * environment now. Throws a ConfigError at `where(key)` naming the variable
 * (never its value) when one is not set.
 */
export function catalogCredentialOf(
  name: string,
  catalog: CatalogConfig,
  where: (key: string) => string = () => 'sluice.yaml',
): CatalogCredential {
  const c = catalog.credential;
  if (c === undefined) return { kind: 'none' };
  const read = (key: 'clientIdEnv' | 'clientSecretEnv' | 'tokenEnv', env: string) => {
    const value = process.env[env];
    if (!value) throw new ConfigError(where(key), `catalogs.${name}.credential.${key} names ${env}, which is not set in the environment`);
    return value;
  };
  if (c.tokenEnv !== undefined) return { kind: 'token', token: read('tokenEnv', c.tokenEnv) };
  return {
    kind: 'client',
    clientId: read('clientIdEnv', c.clientIdEnv!),
    clientSecret: read('clientSecretEnv', c.clientSecretEnv!),
    scope: c.scope ?? 'catalog',
    ...(c.tokenUri !== undefined && { tokenUri: c.tokenUri }),
  };
}
