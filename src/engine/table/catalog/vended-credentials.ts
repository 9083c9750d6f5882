import type { DelegatedS3Access, S3Credentials } from '../../storage/s3-store.js';
import { S3RequestFailure } from '../../storage/s3-requests.js';
import type { CatalogLog } from './catalog-auth.js';
import type { Secrets } from './catalog-requests.js';

/**
 * Storage credentials a catalog vends for one table
 * (`X-Iceberg-Access-Delegation: vended-credentials`), turned into the S3
 * store's per-table grants and kept valid while the table is read.
 *
 * Where they come from (the REST spec, LoadTableResult): first the
 * `storage-credentials` entries, each for a location prefix (the longest
 * matching prefix wins); only without any, the `s3.*` keys of the table's
 * `config`, which then hold for every S3 location the table reads. Settings
 * (`s3.endpoint`, `s3.path-style-access`, `client.region`) come from the
 * entry, else the table's config, else the catalog's /v1/config.
 *
 * Renewal: when less than half the credentials' life, at most 5 minutes,
 * is left, the next request that uses them starts a renewal in the
 * background and goes on with the ones held; when they are about to expire
 * (a tenth of their life, at most 30 s, left) requests wait for the
 * renewal. Credentials past that point are never handed out: a read fails
 * with SOURCE_UNAVAILABLE rather than being sent with credentials S3 would
 * refuse. Credentials without an expiry are used until the next answer
 * from the catalog replaces them.
 */
export interface StorageGrant {
  /** `s3://bucket/…` (s3a:// and s3n:// are written as s3://). */
  readonly prefix: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly region?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiresAtMs?: number;
  /** When the catalog was asked for them (the start of their life, as far as Sluice can tell). */
  readonly receivedAtMs: number;
}

export interface StorageCredentialEntry {
  readonly prefix: string;
  readonly config: Readonly<Record<string, string>>;
}

/**
 * The S3 grants in a catalog answer. `tableConfig` is LoadTableResult's
 * `config` (absent for LoadCredentialsResponse); `catalogConfig` the
 * catalog's merged /v1/config properties. Entries for other stores (gs://,
 * abfss://) and entries without a key pair are left out, reported through `skip`.
 */
export function storageGrantsOf(
  entries: readonly StorageCredentialEntry[] | undefined,
  tableConfig: Readonly<Record<string, string>> | undefined,
  catalogConfig: Readonly<Record<string, string>>,
  receivedAtMs: number,
  skip: (why: string) => void,
): StorageGrant[] {
  const base = { ...catalogConfig, ...tableConfig };
  const s3Entries = (entries ?? []).filter((e) => /^s3[an]?:\/\//.test(e.prefix));
  const sources =
    s3Entries.length > 0
      ? s3Entries.map((e) => ({ prefix: s3Prefix(e.prefix), config: { ...base, ...e.config } }))
      : tableConfig !== undefined && 's3.access-key-id' in tableConfig
        ? [{ prefix: 's3://', config: base }]
        : [];
  const grants: StorageGrant[] = [];
  for (const { prefix, config } of sources) {
    const accessKeyId = config['s3.access-key-id'];
    const secretAccessKey = config['s3.secret-access-key'];
    if (!accessKeyId || !secretAccessKey) {
      skip('a storage credential without s3.access-key-id and s3.secret-access-key');
      continue;
    }
    const expires = config['s3.session-token-expires-at-ms'];
    const expiresAtMs = expires !== undefined && /^\d{1,16}$/.test(expires) ? Number(expires) : undefined;
    if (expires !== undefined && expiresAtMs === undefined)
      skip('an s3.session-token-expires-at-ms that is not milliseconds since the epoch');
    const endpoint = config['s3.endpoint'];
    const endpointOk = endpoint !== undefined && /^https?:\/\/[^/@\s]+(\/\S*)?$/.test(endpoint);
    if (endpoint !== undefined && !endpointOk) skip('an s3.endpoint that is not an http(s) URL');
    const pathStyle = config['s3.path-style-access'];
    grants.push({
      prefix,
      accessKeyId,
      secretAccessKey,
      receivedAtMs,
      ...(config['s3.session-token'] && { sessionToken: config['s3.session-token'] }),
      ...(expiresAtMs !== undefined && { expiresAtMs }),
      ...(endpointOk && { endpoint }),
      ...(pathStyle !== undefined && { forcePathStyle: pathStyle.toLowerCase() === 'true' }),
      ...(config['client.region'] && { region: config['client.region'] }),
    });
  }
  return grants;
}

const s3Prefix = (prefix: string) => prefix.replace(/^s3[an]:\/\//, 's3://');

/**
 * One table's vended credentials: the grants of the latest catalog answer,
 * the store's view of them (stable DelegatedS3Access objects, one per
 * prefix, whose `credentials()` always answers with the freshest grant),
 * and their renewal through `renew` (the catalog's loadCredentials route,
 * or loading the table again).
 */
export class TableCredentials {
  private grants: readonly StorageGrant[] = [];
  private readonly accessByPrefix = new Map<string, DelegatedS3Access>();
  private renewing: Promise<void> | undefined;
  /** When the last renewal ended, and whether it failed: a background renewal is not retried within a second. */
  private lastRenewal = { at: 0, failed: false };

  constructor(
    /** Names the table in grant ids and log lines: `catalog/namespace.table`. */
    private readonly subject: string,
    private readonly renew: () => Promise<readonly StorageGrant[]>,
    private readonly secrets: Secrets,
    private readonly log: CatalogLog | undefined,
  ) {}

  /** Takes the grants of a new answer from the catalog. */
  update(grants: readonly StorageGrant[]): void {
    for (const g of grants) {
      this.secrets.add(g.accessKeyId);
      this.secrets.add(g.secretAccessKey);
      this.secrets.add(g.sessionToken);
    }
    this.grants = grants;
  }

  currentGrants(): readonly StorageGrant[] {
    return this.grants;
  }

  /** The store's grants, one per prefix of the latest answer; the same object for a prefix across answers. */
  access(): readonly DelegatedS3Access[] {
    return this.grants.map((g) => {
      let a = this.accessByPrefix.get(g.prefix);
      const settings = { endpoint: g.endpoint, forcePathStyle: g.forcePathStyle, region: g.region };
      if (
        a === undefined ||
        a.endpoint !== settings.endpoint ||
        a.forcePathStyle !== settings.forcePathStyle ||
        a.region !== settings.region
      ) {
        const prefix = g.prefix;
        a = {
          // Settings are part of the id: the store keeps one client per id, and new settings need a new client.
          id: `${this.subject} ${prefix} ${JSON.stringify([settings.endpoint, settings.forcePathStyle, settings.region])}`,
          prefix,
          ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
          ...(settings.forcePathStyle !== undefined && { forcePathStyle: settings.forcePathStyle }),
          ...(settings.region !== undefined && { region: settings.region }),
          credentials: () => this.credentialsFor(prefix),
        };
        this.accessByPrefix.set(prefix, a);
      }
      return a;
    });
  }

  /** Credentials for objects under `prefix`, valid for a while yet; renews them first when they are about to expire. */
  async credentialsFor(prefix: string): Promise<S3Credentials> {
    let grant = this.grantFor(prefix);
    const now = Date.now();
    if (grant !== undefined && phase(grant, now) === 'fresh') return credentialsOf(grant);
    if (grant !== undefined && phase(grant, now) === 'renew') {
      if (!(this.lastRenewal.failed && now - this.lastRenewal.at < 1000)) void this.renewOnce().catch(() => {});
      return credentialsOf(grant);
    }
    // Expiring, expired, or gone from the latest answer: wait for new ones.
    try {
      await this.renewOnce();
    } catch {
      throw new S3RequestFailure('failed', 'the storage credentials the table catalog vended expired and could not be renewed');
    }
    grant = this.grantFor(prefix);
    if (grant === undefined)
      throw new S3RequestFailure('failed', 'the table catalog no longer vends storage credentials for this location');
    if (phase(grant, Date.now()) === 'expiring')
      throw new S3RequestFailure('failed', 'the table catalog vended storage credentials that had already expired');
    return credentialsOf(grant);
  }

  /**
   * The grant of the latest answer for `prefix`, else the one with the
   * longest prefix of it, else the only one there is (credentials first
   * vended in the table's config, for every location, then renewed by
   * loadCredentials for the table's prefix).
   */
  private grantFor(prefix: string): StorageGrant | undefined {
    const exact = this.grants.find((g) => g.prefix === prefix);
    if (exact !== undefined) return exact;
    const covering = this.grants.filter((g) => prefix.startsWith(g.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
    return covering ?? (this.grants.length === 1 ? this.grants[0] : undefined);
  }

  /** One renewal at a time; callers arriving meanwhile share it. */
  private renewOnce(): Promise<void> {
    this.renewing ??= this.renew()
      .then(
        (grants) => {
          this.update(grants);
          this.lastRenewal = { at: Date.now(), failed: false };
        },
        (e: unknown) => {
          this.lastRenewal = { at: Date.now(), failed: true };
          this.log?.warn(
            { table: this.subject, reason: e instanceof Error ? e.message : 'unknown' },
            'renewing vended storage credentials failed',
          );
          throw e;
        },
      )
      .finally(() => (this.renewing = undefined));
    return this.renewing;
  }
}

/** Where a grant is in its life: use it; use it and renew in the background; renew before using anything. */
function phase(grant: StorageGrant, now: number): 'fresh' | 'renew' | 'expiring' {
  if (grant.expiresAtMs === undefined) return 'fresh';
  const life = Math.max(0, grant.expiresAtMs - grant.receivedAtMs);
  const left = grant.expiresAtMs - now;
  if (left <= Math.min(30_000, life / 10)) return 'expiring';
  if (left <= Math.min(300_000, life / 2)) return 'renew';
  return 'fresh';
}

const credentialsOf = (g: StorageGrant): S3Credentials => ({
  accessKeyId: g.accessKeyId,
  secretAccessKey: g.secretAccessKey,
  ...(g.sessionToken !== undefined && { sessionToken: g.sessionToken }),
  ...(g.expiresAtMs !== undefined && { expiration: new Date(g.expiresAtMs) }),
});
