import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { SluiceError } from '../../src/errors.js';
import { apiKeyHash, createAuthenticator, type Authenticator } from '../../src/server/authenticate.js';

/**
 * Authentication against real tokens: RS256 and ES256 keys generated here
 * and published as a JWKS file, an HS256 secret in the environment, and
 * hand-made attack tokens (`alg: none`, key confusion). Every rejection must
 * be a SluiceError with the right code whose message holds neither the key
 * nor the token.
 */
const ISSUER = 'https://idp.test';
const AUDIENCE = 'sluice';
const SECRET_ENV = 'SLUICE_TEST_AUTH_JWT_SECRET';
const SECRET = randomBytes(32).toString('base64url');
const ANALYST_KEY = 'test-analyst-key-7f3a';
const PARTNER_KEY = 'test-partner-key-91c2';

const dir = mkdtempSync(join(tmpdir(), 'sluice-auth-'));
const now = () => Math.floor(Date.now() / 1000);

let rsa: { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK };
/** Not in the JWKS: signs with a kid the JWKS has, or one it lacks. */
let stranger: { privateKey: CryptoKey };
let viaJwks: Authenticator;
let viaSecret: Authenticator;
let closed: Authenticator;

const apiKeysYaml = `
  apiKeys:
    - id: analyst
      sha256: ${apiKeyHash(ANALYST_KEY).toUpperCase()}
      subject: ana
      roles: [analyst, auditor]
      tenant: acme
      attributes: { regions: [EU, US], level: 3 }
      purposes: [reporting, fraud-review]
    - id: partner
      sha256: ${apiKeyHash(PARTNER_KEY)}
      subject: acme-bot
      roles: [partner]
      persistedOnly: true
`;
const claimsYaml = '    claims: { roles: groups, tenant: org, attributes: [regions, level] }\n';

function authenticatorFor(name: string, yaml: string): Authenticator {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  const config = loadConfig(file);
  return createAuthenticator(config.auth, { configDir: dir, configFile: file });
}

beforeAll(async () => {
  const pair = async (alg: 'RS256' | 'ES256', kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return { privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
  };
  [rsa, ec, stranger] = await Promise.all([pair('RS256', 'rsa-1'), pair('ES256', 'ec-1'), pair('RS256', 'gone')]);
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
  process.env[SECRET_ENV] = SECRET;

  viaJwks = authenticatorFor(
    'jwks.yaml',
    `auth:\n  anonymous: { role: public }\n${apiKeysYaml}  jwt:\n    issuer: ${ISSUER}\n    audience: ${AUDIENCE}\n    jwksFile: ./jwks.json\n${claimsYaml}`,
  );
  viaSecret = authenticatorFor(
    'secret.yaml',
    `auth:\n  jwt:\n    issuer: ${ISSUER}\n    audience: ${AUDIENCE}\n    secretEnv: ${SECRET_ENV}\n${claimsYaml}`,
  );
  closed = authenticatorFor('closed.yaml', `auth:\n${apiKeysYaml}`);
});

afterAll(() => {
  delete process.env[SECRET_ENV];
});

const CLAIMS: JWTPayload = { sub: 'u-42', groups: ['analyst', 'auditor'], org: 'acme', regions: ['EU'], level: 2, ignored: 'x' };

interface SignOptions {
  readonly alg?: string;
  readonly kid?: string;
  readonly key?: CryptoKey | Uint8Array;
  readonly iss?: string;
  readonly aud?: string;
  readonly exp?: number | null;
  readonly nbf?: number;
}

function sign(claims: JWTPayload = CLAIMS, o: SignOptions = {}): Promise<string> {
  const alg = o.alg ?? 'RS256';
  const key = o.key ?? (alg === 'ES256' ? ec.privateKey : alg === 'HS256' ? new TextEncoder().encode(SECRET) : rsa.privateKey);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(alg !== 'HS256' || o.kid ? { kid: o.kid ?? (alg === 'ES256' ? 'ec-1' : 'rsa-1') } : {}) })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt();
  if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now() + 300);
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(key);
}

const headers = (h: Record<string, string>) => new Headers(h);
const bearer = (token: string, more: Record<string, string> = {}) => headers({ authorization: `Bearer ${token}`, ...more });

/** The rejection, checked to be a SluiceError with `code` that does not leak `secrets`. */
async function rejection(p: Promise<unknown>, code: string, secrets: readonly string[]): Promise<SluiceError> {
  const e = await p.then(
    () => {
      throw new Error('expected authentication to fail');
    },
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(SluiceError);
  const error = e as SluiceError;
  expect(error.code).toBe(code);
  expect(error.httpStatus).toBe(code === 'UNAUTHENTICATED' ? 401 : code === 'FORBIDDEN' ? 403 : undefined);
  for (const s of secrets) {
    expect(error.message).not.toContain(s);
    expect(JSON.stringify(error.details)).not.toContain(s);
    // Not even a recognisable fragment of a token (its header or signature).
    for (const part of s.split('.').filter((x) => x.length >= 8)) expect(error.message).not.toContain(part);
  }
  return error;
}

describe('bearer tokens', () => {
  it.each(['RS256', 'ES256'])('accepts a valid %s token from the JWKS and maps its claims', async (alg) => {
    const { caller, role, purpose } = await viaJwks.authenticate(bearer(await sign(CLAIMS, { alg })));
    expect(caller).toEqual({
      subject: 'u-42',
      roles: ['analyst', 'auditor'],
      tenant: 'acme',
      attributes: { regions: ['EU'], level: 2 },
      credential: 'jwt',
    });
    expect(Object.isFrozen(caller) && Object.isFrozen(caller.roles)).toBe(true);
    expect([role, purpose]).toEqual(['analyst', 'unspecified']);
  });

  it('accepts a valid HS256 token with the secret from the environment; a single role is a string claim', async () => {
    const token = await sign({ sub: 'svc', groups: 'reader' }, { alg: 'HS256' });
    const { caller, role } = await viaSecret.authenticate(bearer(token, { 'x-purpose': 'billing' }));
    expect(caller).toEqual({ subject: 'svc', roles: ['reader'], attributes: {}, credential: 'jwt' });
    expect(role).toBe('reader');
  });

  it('tolerates clock skew within clockToleranceSec (30 s by default)', async () => {
    const token = await sign(CLAIMS, { exp: now() - 10, nbf: now() + 10 });
    await expect(viaJwks.authenticate(bearer(token))).resolves.toMatchObject({ caller: { subject: 'u-42' } });
  });

  const attacks: [string, () => Promise<string>, RegExp, (() => Authenticator)?][] = [
    ['an expired token', () => sign(CLAIMS, { exp: now() - 120 }), /^The bearer token has expired\./],
    ['a token not yet valid', () => sign(CLAIMS, { nbf: now() + 120 }), /^The bearer token is not yet valid\./],
    ['a token from another issuer', () => sign(CLAIMS, { iss: 'https://evil.test' }), /^The bearer token has the wrong issuer\./],
    ['a token for another audience', () => sign(CLAIMS, { aud: 'other-api' }), /^The bearer token has the wrong audience\./],
    ['a token without expiry', () => sign(CLAIMS, { exp: null }), /^The bearer token is malformed: it must carry an expiry \(exp\)\./],
    [
      'a token signed by another key under a known kid',
      () => sign(CLAIMS, { key: stranger.privateKey, kid: 'rsa-1' }),
      /^The bearer token has a bad signature or an unknown key\./,
    ],
    [
      'a token with an unknown kid',
      () => sign(CLAIMS, { key: stranger.privateKey, kid: 'gone' }),
      /^The bearer token has a bad signature or an unknown key\./,
    ],
    [
      'a token whose payload was altered after signing',
      async () => {
        const [h, , s] = (await sign()).split('.');
        return `${h}.${base64url.encode(JSON.stringify({ ...CLAIMS, groups: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: now() + 300 }))}.${s}`;
      },
      /^The bearer token has a bad signature or an unknown key\./,
    ],
    [
      'an unsigned token (alg: none)',
      async () => unsigned({ alg: 'none', typ: 'JWT' }),
      /^The bearer token uses an algorithm that is not allowed\./,
    ],
    [
      'an unsigned token (alg: none) against an HS256 config',
      async () => unsigned({ alg: 'none' }),
      /^The bearer token uses an algorithm that is not allowed\./,
      () => viaSecret,
    ],
    [
      'key confusion: HS256 signed with the RSA public key (PEM) as the HMAC secret',
      async () => sign(CLAIMS, { alg: 'HS256', kid: 'rsa-1', key: new TextEncoder().encode(await exportSPKI(rsa.publicKey)) }),
      /^The bearer token uses an algorithm that is not allowed\./,
    ],
    [
      'key confusion: HS256 signed with the RSA public JWK as the HMAC secret',
      async () => sign(CLAIMS, { alg: 'HS256', kid: 'rsa-1', key: new TextEncoder().encode(JSON.stringify(rsa.jwk)) }),
      /^The bearer token uses an algorithm that is not allowed\./,
    ],
    [
      'an RS256 token against an HS256-only config',
      () => sign(CLAIMS, { alg: 'RS256' }),
      /^The bearer token uses an algorithm that is not allowed\./,
      () => viaSecret,
    ],
    ['garbage', async () => 'not.a.jwt', /^The bearer token is malformed\./],
    [
      'a token without a subject',
      () => sign({ groups: ['analyst'] }),
      /^The bearer token is malformed: claim "sub" must name the subject\./,
    ],
    ['a token whose roles are not names', () => sign({ sub: 'x', groups: [1, 2] }), /^The bearer token is malformed: claim "groups"/],
  ];

  it.each(attacks)('rejects %s with UNAUTHENTICATED', async (_what, make, message, which) => {
    const token = await make();
    const error = await rejection((which?.() ?? viaJwks).authenticate(bearer(token)), 'UNAUTHENTICATED', [token]);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/Send a valid token as Authorization: Bearer <token>/);
  });

  it('refuses a valid token that grants no role with FORBIDDEN', async () => {
    const token = await sign({ sub: 'nobody' });
    const error = await rejection(viaJwks.authenticate(bearer(token)), 'FORBIDDEN', [token]);
    expect(error.message).toBe('The bearer token grants no roles (claim "groups"); ask its issuer for a token with a role.');
  });

  it('accepts only the Bearer scheme, and only where JWTs are configured', async () => {
    const basic = await rejection(viaJwks.authenticate(headers({ authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' })), 'UNAUTHENTICATED', [
      'YWxhZGRpbjpvcGVuc2VzYW1l',
    ]);
    expect(basic.message).toBe('The Authorization header must be "Bearer <token>"; no other scheme is accepted.');
    const token = await sign();
    const none = await rejection(closed.authenticate(bearer(token)), 'UNAUTHENTICATED', [token]);
    expect(none.message).toBe('This gateway does not accept bearer tokens. Send X-Api-Key: <key>.');
  });
});

/** An unsigned JWT, made by hand: jose refuses to produce one. */
function unsigned(header: Record<string, unknown>): string {
  const payload = { ...CLAIMS, iss: ISSUER, aud: AUDIENCE, exp: now() + 300 };
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;
}

describe('API keys', () => {
  it('matches the key by its SHA-256 (configured in either case) and maps the configured caller', async () => {
    const { caller, role, purpose } = await viaJwks.authenticate(headers({ 'x-api-key': ANALYST_KEY, 'x-purpose': 'reporting' }));
    expect(caller).toEqual({
      subject: 'ana',
      roles: ['analyst', 'auditor'],
      tenant: 'acme',
      attributes: { regions: ['EU', 'US'], level: 3 },
      credential: 'api-key',
      keyId: 'analyst',
      purposes: ['reporting', 'fraud-review'],
      persistedOnly: false,
    });
    expect([role, purpose]).toEqual(['analyst', 'reporting']);
    expect(JSON.stringify(caller)).not.toContain(ANALYST_KEY);
    const partner = await closed.authenticate(headers({ 'x-api-key': PARTNER_KEY }));
    expect(partner.caller).toMatchObject({ keyId: 'partner', persistedOnly: true });
    expect(partner.purpose).toBe('unspecified');
  });

  it.each([
    ['an unknown key', 'no-such-key-0000'],
    ['a key that differs in case', ANALYST_KEY.toUpperCase()],
    ['the configured hash sent as the key', apiKeyHash(ANALYST_KEY)],
    ['an empty key', ''],
  ])('rejects %s with UNAUTHENTICATED', async (_what, key) => {
    const error = await rejection(
      viaJwks.authenticate(headers({ 'x-api-key': key, 'x-purpose': 'reporting' })),
      'UNAUTHENTICATED',
      key ? [key] : [],
    );
    expect(error.message).toBe('The API key is not valid. Send X-Api-Key: <key> or Authorization: Bearer <token>.');
  });

  it('says so when the gateway takes no API keys', async () => {
    const error = await rejection(viaSecret.authenticate(headers({ 'x-api-key': ANALYST_KEY })), 'UNAUTHENTICATED', [ANALYST_KEY]);
    expect(error.message).toBe('This gateway does not accept API keys. Send Authorization: Bearer <token>.');
  });
});

describe('anonymous callers and credential rules', () => {
  it('gives a caller without credentials the anonymous role, when one is configured', async () => {
    const { caller, role, purpose } = await viaJwks.authenticate(headers({}));
    expect(caller).toEqual({ subject: 'anonymous', roles: ['public'], attributes: {}, credential: 'anonymous' });
    expect([role, purpose]).toEqual(['public', 'unspecified']);
  });

  it('refuses a caller without credentials when no anonymous role is configured', async () => {
    const error = await rejection(closed.authenticate(headers({})), 'UNAUTHENTICATED', []);
    expect(error.message).toBe('This request has no credentials. Send X-Api-Key: <key> or Authorization: Bearer <token>.');
  });

  it('refuses two credentials at once, even when both are valid', async () => {
    const token = await sign();
    const error = await rejection(viaJwks.authenticate(bearer(token, { 'x-api-key': ANALYST_KEY })), 'UNAUTHENTICATED', [
      token,
      ANALYST_KEY,
    ]);
    expect(error.message).toBe('Send one credential: X-Api-Key or Authorization: Bearer <token>, not both.');
  });
});

describe('X-Role and X-Purpose', () => {
  it('activates a role the caller holds', async () => {
    const viaKey = await viaJwks.authenticate(headers({ 'x-api-key': ANALYST_KEY, 'x-role': 'auditor', 'x-purpose': 'reporting' }));
    expect(viaKey.role).toBe('auditor');
    const viaToken = await viaJwks.authenticate(bearer(await sign(), { 'x-role': 'auditor' }));
    expect(viaToken.role).toBe('auditor');
  });

  it.each([
    [
      'an API key',
      () => headers({ 'x-api-key': ANALYST_KEY, 'x-role': 'admin', 'x-purpose': 'reporting' }),
      '"analyst", "auditor"',
      '"analyst"',
    ],
    ['an anonymous caller', () => headers({ 'x-role': 'admin' }), '"public"', '"public"'],
  ])('refuses a role %s does not hold with FORBIDDEN', async (_who, h, held, first) => {
    const error = await rejection(viaJwks.authenticate(h()), 'FORBIDDEN', [ANALYST_KEY]);
    expect(error.message).toBe(
      `Role "admin" is not granted to this caller, which holds ${held}. Send one of them in X-Role, or no X-Role for ${first}.`,
    );
  });

  it('lets a key use only its purposes, and requires it to name one', async () => {
    const ok = await viaJwks.authenticate(headers({ 'x-api-key': ANALYST_KEY, 'x-purpose': 'fraud-review' }));
    expect(ok.purpose).toBe('fraud-review');
    const other = await rejection(viaJwks.authenticate(headers({ 'x-api-key': ANALYST_KEY, 'x-purpose': 'marketing' })), 'FORBIDDEN', [
      ANALYST_KEY,
    ]);
    expect(other.message).toBe(
      'Purpose "marketing" is not allowed for this API key; send X-Purpose with one of "reporting", "fraud-review".',
    );
    const none = await rejection(viaJwks.authenticate(headers({ 'x-api-key': ANALYST_KEY })), 'FORBIDDEN', [ANALYST_KEY]);
    expect(none.message).toBe('This API key must name its purpose: send X-Purpose with one of "reporting", "fraud-review".');
  });

  it('takes any well-formed purpose from an unrestricted caller, and refuses a malformed one', async () => {
    expect((await viaJwks.authenticate(headers({ 'x-purpose': 'marketing' }))).purpose).toBe('marketing');
    const error = await rejection(viaJwks.authenticate(headers({ 'x-purpose': 'reporting; DROP TABLE audit' })), 'BAD_USER_INPUT', []);
    expect(error.message).toMatch(/^X-Purpose must be a name/);
  });
});
