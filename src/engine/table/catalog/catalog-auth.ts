import type { CatalogCredential } from '../../../config/catalogs.js';
import { CatalogFailure, type CatalogRequest, type CatalogResponse, type Secrets } from './catalog-requests.js';

/**
 * How requests to a catalog are authorised (the REST spec's security
 * schemes): an OAuth2 access token got with client credentials, a static
 * bearer token, or nothing for a catalog open on a private network.
 */
export interface CatalogAuth {
  /** The Authorization header value; undefined for an open catalog. */
  authorization(): Promise<string | undefined>;
  /**
   * The catalog answered 401 (or 419) to `authorization`. Returns whether
   * asking again may help: a renewable token is forgotten, so the next
   * `authorization()` gets a new one.
   */
  rejected(authorization: string): boolean;
}

/** What the client logs for operators: pino's Logger fits. */
export interface CatalogLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export function catalogAuth(
  credential: CatalogCredential,
  defaultTokenUri: string,
  send: (request: CatalogRequest) => Promise<CatalogResponse>,
  secrets: Secrets,
): CatalogAuth {
  switch (credential.kind) {
    case 'none':
      return { authorization: async () => undefined, rejected: () => false };
    case 'token':
      return { authorization: async () => `Bearer ${credential.token}`, rejected: () => false };
    case 'client':
      return new ClientCredentialsAuth(credential, credential.tokenUri ?? defaultTokenUri, send, secrets);
  }
}

interface AccessToken {
  readonly value: string;
  readonly receivedAt: number;
  /** From `expires_in`; absent: valid until the catalog says otherwise (a 401). */
  readonly expiresAt?: number;
}

/**
 * OAuth2 client credentials (RFC 6749 §4.4) against the token endpoint:
 * `grant_type=client_credentials`, the client id and secret and the scope
 * in a form body, as Iceberg clients send them. The token is renewed before
 * it expires (once less than a tenth of its life, at most a minute, is
 * left), so requests do not meet a 401 in the ordinary course; a 401 all
 * the same (a token revoked, a clock off) forgets it, and the request is
 * made once more with a new one. Concurrent callers share one token request.
 */
class ClientCredentialsAuth implements CatalogAuth {
  private token: AccessToken | undefined;
  private fetching: Promise<AccessToken> | undefined;

  constructor(
    private readonly credential: Extract<CatalogCredential, { kind: 'client' }>,
    private readonly tokenUri: string,
    private readonly send: (request: CatalogRequest) => Promise<CatalogResponse>,
    private readonly secrets: Secrets,
  ) {}

  async authorization(): Promise<string> {
    const held = this.token;
    if (held !== undefined && !renewalDue(held, Date.now())) return `Bearer ${held.value}`;
    try {
      return `Bearer ${(await this.fetchToken()).value}`;
    } catch (e) {
      // The catalog's token endpoint is down, but the token held is still good: use it.
      if (held !== undefined && this.token === held && (held.expiresAt === undefined || held.expiresAt > Date.now()))
        return `Bearer ${held.value}`;
      throw e;
    }
  }

  rejected(authorization: string): boolean {
    if (this.token !== undefined && authorization === `Bearer ${this.token.value}`) this.token = undefined;
    return true;
  }

  private fetchToken(): Promise<AccessToken> {
    this.fetching ??= this.requestToken().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async requestToken(): Promise<AccessToken> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.credential.clientId,
      client_secret: this.credential.clientSecret,
      scope: this.credential.scope,
    }).toString();
    const receivedAt = Date.now();
    const res = await this.send({
      method: 'POST',
      url: this.tokenUri,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    if (res.status !== 200) {
      const error = oauthError(res.text);
      const detail = { route: 'token', status: res.status, ...(error !== undefined && { error: this.secrets.scrub(error) }) };
      if (res.status === 400 || res.status === 401 || res.status === 403)
        throw new CatalogFailure('denied', `the token endpoint refused the client credentials (HTTP ${res.status})`, res.attempts, detail);
      throw new CatalogFailure('failed', `the token endpoint answered HTTP ${res.status}`, res.attempts, detail);
    }
    let answer: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    try {
      answer = JSON.parse(res.text) as typeof answer;
    } catch {
      throw new CatalogFailure('failed', 'the token endpoint answered something other than JSON', res.attempts, { route: 'token' });
    }
    const value = answer?.access_token;
    if (
      typeof value !== 'string' ||
      value === '' ||
      typeof answer.token_type !== 'string' ||
      answer.token_type.toLowerCase() !== 'bearer'
    ) {
      throw new CatalogFailure('failed', 'the token endpoint gave no bearer access token', res.attempts, { route: 'token' });
    }
    this.secrets.add(value);
    const expiresIn = answer.expires_in;
    const token: AccessToken = {
      value,
      receivedAt,
      // Counted from when the request was sent, so time spent in transit shortens it rather than lengthens it.
      ...(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 && { expiresAt: receivedAt + expiresIn * 1000 }),
    };
    this.token = token;
    return token;
  }
}

/** Renew once less than a tenth of the token's life (at most a minute) is left. */
function renewalDue(token: AccessToken, now: number): boolean {
  if (token.expiresAt === undefined) return false;
  const margin = Math.min(60_000, (token.expiresAt - token.receivedAt) / 10);
  return now >= token.expiresAt - margin;
}

/** The `error` (and description) of an OAuth error answer, for the operator's log. */
function oauthError(text: string): string | undefined {
  try {
    const e = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof e?.error !== 'string') return undefined;
    return typeof e.error_description === 'string' ? `${e.error}: ${e.error_description}` : e.error;
  } catch {
    return undefined;
  }
}
