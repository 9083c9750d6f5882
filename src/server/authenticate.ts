import { createHash, timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, errors as jose, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { jwtKeyOf, type ApiKeyConfig, type AuthConfig, type JwtConfig } from '../config/config.js';
import { displayPath } from '../contract/yaml-file.js';
import { SluiceError } from '../errors.js';
import type { Caller } from '../session/session.js';

/**
 * Who is calling, in which role and for which purpose (docs/policies.md), from the
 * request headers:
 *
 * - `X-Api-Key: <key>` — matched by SHA-256 against `auth.apiKeys`;
 * - `Authorization: Bearer <jwt>` — verified by jose against `auth.jwt`;
 * - neither — the anonymous role, when `auth.anonymous` names one;
 * - `X-Role` picks the active role among the caller's (default: the first);
 * - `X-Purpose` names the purpose (default `unspecified`), which an API key
 *   may restrict.
 *
 * Failures are UNAUTHENTICATED (401: who are you?) or FORBIDDEN (403: not
 * this role or purpose). Messages say what to send instead; they never hold
 * the key or token, and say of a rejected token only the category of the
 * failure (expired, not yet valid, wrong issuer or audience, bad signature
 * or unknown key, algorithm not allowed, malformed).
 */
export interface Authenticated {
  readonly caller: Caller;
  readonly role: string;
  readonly purpose: string;
}

export interface Authenticator {
  /** Resolves to the caller, or rejects with a SluiceError (UNAUTHENTICATED or FORBIDDEN). */
  authenticate(headers: Headers): Promise<Authenticated>;
}

export interface AuthenticatorOptions {
  /** Directory `auth.jwt.jwksFile` is relative to. */
  readonly configDir: string;
  /** The config file, to name in ConfigErrors about key material. */
  readonly configFile?: string;
}

/** How API keys are stored in sluice.yaml: SHA-256 of the key, lowercase hex. */
export const apiKeyHash = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

const SEND_CREDENTIAL = 'Send X-Api-Key: <key> or Authorization: Bearer <token>.';
const SEND_VALID_TOKEN = 'Send a valid token as Authorization: Bearer <token>, or an X-Api-Key.';
const UNSPECIFIED_PURPOSE = 'unspecified';
/** Purposes end up in audit records: names only, no spaces or control characters. */
const PURPOSE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

const unauthenticated = (message: string) => new SluiceError('UNAUTHENTICATED', 'user', message);
const forbidden = (message: string) => new SluiceError('FORBIDDEN', 'user', message);

export function createAuthenticator(auth: AuthConfig, options: AuthenticatorOptions): Authenticator {
  const apiKeys = auth.apiKeys.map((k) => ({ hash: Buffer.from(k.sha256, 'hex'), caller: apiKeyCaller(k) }));
  const verifyJwt = auth.jwt ? jwtVerifier(auth.jwt, options) : undefined;
  const anonymous: Caller | undefined = auth.anonymous
    ? Object.freeze({
        subject: 'anonymous',
        roles: Object.freeze([auth.anonymous.role]),
        attributes: Object.freeze({}),
        credential: 'anonymous',
      })
    : undefined;

  const byApiKey = (key: string): Caller => {
    if (apiKeys.length === 0) throw unauthenticated('This gateway does not accept API keys. Send Authorization: Bearer <token>.');
    const digest = createHash('sha256').update(key, 'utf8').digest();
    // Compare with every configured hash, so the time taken does not depend
    // on which key (if any) matched.
    let match: Caller | undefined;
    for (const k of apiKeys) if (timingSafeEqual(k.hash, digest)) match ??= k.caller;
    if (!match) throw unauthenticated(`The API key is not valid. ${SEND_CREDENTIAL}`);
    return match;
  };

  const byBearer = async (authorization: string): Promise<Caller> => {
    const m = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(authorization);
    if (!m) throw unauthenticated('The Authorization header must be "Bearer <token>"; no other scheme is accepted.');
    if (!verifyJwt) throw unauthenticated('This gateway does not accept bearer tokens. Send X-Api-Key: <key>.');
    return verifyJwt(m[1]!);
  };

  const callerOf = async (headers: Headers): Promise<Caller> => {
    const key = headers.get('x-api-key');
    const authorization = headers.get('authorization');
    if (key !== null && authorization !== null) {
      throw unauthenticated('Send one credential: X-Api-Key or Authorization: Bearer <token>, not both.');
    }
    if (key !== null) return byApiKey(key);
    if (authorization !== null) return byBearer(authorization);
    if (anonymous) return anonymous;
    throw unauthenticated(`This request has no credentials. ${SEND_CREDENTIAL}`);
  };

  return {
    async authenticate(headers) {
      const caller = await callerOf(headers);
      return Object.freeze({
        caller,
        role: activeRole(caller, headers.get('x-role')),
        purpose: purposeOf(caller, headers.get('x-purpose')),
      });
    },
  };
}

function apiKeyCaller(k: ApiKeyConfig): Caller {
  return Object.freeze({
    subject: k.subject,
    roles: Object.freeze([...k.roles]),
    ...(k.tenant !== undefined && { tenant: k.tenant }),
    attributes: frozenAttributes(k.attributes),
    credential: 'api-key',
    keyId: k.id,
    ...(k.purposes !== undefined && { purposes: Object.freeze([...k.purposes]) }),
    persistedOnly: k.persistedOnly,
  });
}

function activeRole(caller: Caller, header: string | null): string {
  const asked = header?.trim();
  if (!asked) return caller.roles[0]!;
  if (caller.roles.includes(asked)) return asked;
  throw forbidden(
    `Role ${quote(asked)} is not granted to this caller, which holds ${caller.roles.map(quote).join(', ')}. ` +
      `Send one of them in X-Role, or no X-Role for ${quote(caller.roles[0]!)}.`,
  );
}

function purposeOf(caller: Caller, header: string | null): string {
  const asked = header?.trim() || undefined;
  if (asked !== undefined && !PURPOSE.test(asked)) {
    throw new SluiceError(
      'BAD_USER_INPUT',
      'user',
      'X-Purpose must be a name of at most 100 letters, digits and . _ : / - characters, e.g. "reporting".',
      { http: { status: 400 } },
    );
  }
  const allowed = caller.purposes;
  if (allowed === undefined) return asked ?? UNSPECIFIED_PURPOSE;
  if (asked === undefined) {
    throw forbidden(`This API key must name its purpose: send X-Purpose with one of ${allowed.map(quote).join(', ')}.`);
  }
  if (!allowed.includes(asked)) {
    throw forbidden(
      `Purpose ${quote(asked)} is not allowed for this API key; send X-Purpose with one of ${allowed.map(quote).join(', ')}.`,
    );
  }
  return asked;
}

/**
 * Verifies bearer tokens with jose against the configured issuer, audience
 * and algorithm allow-list, then maps claims to a caller. The allow-list
 * holds only public-key algorithms for a JWKS and only HMAC ones for a
 * secret (config.ts enforces it), so a token cannot choose to be checked with
 * a public key used as an HMAC secret; `alg: none` is never on it.
 */
function jwtVerifier(jwt: JwtConfig, options: AuthenticatorOptions): (token: string) => Promise<Caller> {
  const shown = options.configFile ? displayPath(options.configFile) : 'sluice.yaml';
  const key = jwtKeyOf(jwt, options.configDir, () => shown);
  const verifyOptions = {
    issuer: jwt.issuer,
    audience: jwt.audience,
    algorithms: [...jwt.algorithms],
    clockTolerance: jwt.clockToleranceSec,
    requiredClaims: ['exp'],
  };
  let verify: (token: string) => Promise<{ payload: JWTPayload }>;
  if (key.kind === 'jwks') {
    // Made once: the key set caches the keys it has imported.
    const jwks = createLocalJWKSet(key.jwks as JSONWebKeySet);
    verify = (token) => jwtVerify(token, jwks, verifyOptions);
  } else {
    const { secret } = key;
    verify = (token) => jwtVerify(token, secret, verifyOptions);
  }

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token));
    } catch (e) {
      throw unauthenticated(`${tokenFailure(e)} ${SEND_VALID_TOKEN}`);
    }
    return jwtCaller(payload, jwt);
  };
}

/** The category of a token failure, and nothing more specific. */
function tokenFailure(e: unknown): string {
  if (e instanceof jose.JWTExpired) return 'The bearer token has expired.';
  if (e instanceof jose.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') return 'The bearer token is not yet valid.';
    if (e.claim === 'iss') return 'The bearer token has the wrong issuer.';
    if (e.claim === 'aud') return 'The bearer token has the wrong audience.';
    if (e.claim === 'exp') return 'The bearer token is malformed: it must carry an expiry (exp).';
  }
  if (
    e instanceof jose.JWSSignatureVerificationFailed ||
    e instanceof jose.JWKSNoMatchingKey ||
    e instanceof jose.JWKSMultipleMatchingKeys
  ) {
    return 'The bearer token has a bad signature or an unknown key.';
  }
  if (e instanceof jose.JOSEAlgNotAllowed || e instanceof jose.JOSENotSupported)
    return 'The bearer token uses an algorithm that is not allowed.';
  return 'The bearer token is malformed.';
}

function jwtCaller(payload: JWTPayload, jwt: JwtConfig): Caller {
  const { claims } = jwt;
  const malformed = (what: string) => unauthenticated(`The bearer token is malformed: ${what}. ${SEND_VALID_TOKEN}`);
  const subject = payload[claims.subject];
  if (typeof subject !== 'string' || subject === '') throw malformed(`claim "${claims.subject}" must name the subject`);

  const rolesClaim = payload[claims.roles];
  const roles = typeof rolesClaim === 'string' ? [rolesClaim] : rolesClaim;
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string' && r !== ''))) {
    throw malformed(`claim "${claims.roles}" must be a role name or a list of role names`);
  }
  if (roles === undefined || roles.length === 0) {
    throw forbidden(`The bearer token grants no roles (claim "${claims.roles}"); ask its issuer for a token with a role.`);
  }

  let tenant: string | undefined;
  if (claims.tenant !== undefined && payload[claims.tenant] !== undefined) {
    const t = payload[claims.tenant];
    if (typeof t !== 'string' || t === '') throw malformed(`claim "${claims.tenant}" must be a tenant name`);
    tenant = t;
  }

  const attributes: Record<string, unknown> = {};
  for (const name of claims.attributes) {
    const v = payload[name];
    if (v === undefined) continue;
    const scalar = (x: unknown) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
    if (!(scalar(v) || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) {
      throw malformed(`claim "${name}" must be a string, number, boolean or list of strings`);
    }
    attributes[name] = v;
  }

  return Object.freeze({
    subject,
    roles: Object.freeze([...(roles as string[])]),
    ...(tenant !== undefined && { tenant }),
    attributes: frozenAttributes(attributes),
    credential: 'jwt',
  });
}

/** A caller-supplied name in a message: quoted, bounded, and printable. */
const quote = (s: string) => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** A frozen copy of caller attributes (values are scalars or arrays of them). */
function frozenAttributes(o: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return Object.freeze(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? Object.freeze([...v]) : v])));
}
