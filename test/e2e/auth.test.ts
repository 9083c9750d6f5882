/**
 * Authentication end to end: `sluice serve` with a config that has no
 * anonymous role, API keys, and RS256/ES256 public keys in a JWKS file,
 * spoken to over real HTTP with tokens signed here. Neither the responses
 * nor the server's output may contain a key or a token.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHash } from '../../src/server/authenticate.js';
import { REPO, runCli, startServer, type RunningServer } from './start-server.js';

const ISSUER = 'https://idp.e2e.test';
const AUDIENCE = 'sluice-e2e';
const KEY = 'e2e-analyst-key-5d1e';
const QUERY = '{ customersV1(first: 2) { nodes { customer_id } } }';

let server: RunningServer;
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let es: { privateKey: CryptoKey; publicKey: CryptoKey };
/** Every credential sent, to check that none comes back or is logged. */
const sent = new Set<string>([KEY]);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-auth-'));
  [rsa, es] = await Promise.all([generateKeyPair('RS256', { extractable: true }), generateKeyPair('ES256', { extractable: true })]);
  writeFileSync(
    join(dir, 'jwks.json'),
    JSON.stringify({
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', use: 'sig' },
        { ...(await exportJWK(es.publicKey)), kid: 'ec' },
      ],
    }),
  );
  // A policy open to every authenticated role: these tests are about identity, not policy.
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies/customers-all.yaml'), 'id: customers-all\nversion: 1\nproduct: customers\nallow: { fields: ["*"] }\n');
  writeFileSync(
    join(dir, 'sluice.yaml'),
    [
      `products: ${join(REPO, 'products')}`,
      'auth:',
      '  apiKeys:',
      `    - { id: analyst, sha256: ${apiKeyHash(KEY)}, subject: ana, roles: [analyst], purposes: [reporting] }`,
      '  jwt:',
      `    issuer: ${ISSUER}`,
      `    audience: ${AUDIENCE}`,
      '    jwksFile: ./jwks.json',
      '    claims: { roles: roles, tenant: tenant }',
      '',
    ].join('\n'),
  );
  server = await startServer({ config: join(dir, 'sluice.yaml') });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  const { stdout, stderr } = server?.output() ?? { stdout: '', stderr: '' };
  for (const s of sent) {
    expect(stdout).not.toContain(s);
    expect(stderr).not.toContain(s);
  }
});

function sign(claims: JWTPayload, o: { alg?: string; kid?: string; key?: CryptoKey | Uint8Array; exp?: number; aud?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? 'rsa' })
    .setIssuer(ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(o.key ?? rsa.privateKey);
}

async function ask(headers: Record<string, string>): Promise<{ status: number; text: string }> {
  if (headers['x-api-key']) sent.add(headers['x-api-key']);
  if (headers['authorization']) sent.add(headers['authorization'].replace(/^Bearer /, ''));
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: QUERY }),
  });
  const text = await res.text();
  for (const s of sent) expect(text).not.toContain(s);
  return { status: res.status, text };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

describe('authentication over HTTP', () => {
  it('answers valid RS256 and ES256 tokens and a valid API key', async () => {
    const viaToken = await ask(bearer(await sign({ sub: 'u1', roles: ['analyst'], tenant: 'acme' })));
    expect(viaToken.status).toBe(200);
    expect(JSON.parse(viaToken.text).data.customersV1.nodes).toHaveLength(2);
    const viaEs = await ask(bearer(await sign({ sub: 'u2', roles: 'analyst' }, { alg: 'ES256', kid: 'ec', key: es.privateKey })));
    expect(viaEs.status).toBe(200);
    const viaKey = await ask({ 'x-api-key': KEY, 'x-purpose': 'reporting' });
    expect(viaKey.status).toBe(200);
  });

  const cases: [string, () => Promise<Record<string, string>>, number, string, RegExp][] = [
    ['no credentials', async () => ({}), 401, 'UNAUTHENTICATED', /^This request has no credentials\./],
    ['an unknown API key', async () => ({ 'x-api-key': 'e2e-wrong-key-0000' }), 401, 'UNAUTHENTICATED', /^The API key is not valid\./],
    [
      'both credentials',
      async () => ({ 'x-api-key': KEY, ...bearer(await sign({ sub: 'u1', roles: ['analyst'] })) }),
      401,
      'UNAUTHENTICATED',
      /^Send one credential/,
    ],
    [
      'an expired token',
      async () => bearer(await sign({ sub: 'u1', roles: ['analyst'] }, { exp: now() - 600 })),
      401,
      'UNAUTHENTICATED',
      /^The bearer token has expired\./,
    ],
    [
      'a token for another audience',
      async () => bearer(await sign({ sub: 'u1', roles: ['analyst'] }, { aud: 'other' })),
      401,
      'UNAUTHENTICATED',
      /wrong audience/,
    ],
    [
      'a token with an unknown kid',
      async () => bearer(await sign({ sub: 'u1', roles: ['analyst'] }, { kid: 'nobody' })),
      401,
      'UNAUTHENTICATED',
      /bad signature or an unknown key/,
    ],
    [
      'an unsigned token (alg: none)',
      async () =>
        bearer(
          `${base64url.encode('{"alg":"none"}')}.${base64url.encode(JSON.stringify({ sub: 'u1', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: now() + 300 }))}.`,
        ),
      401,
      'UNAUTHENTICATED',
      /algorithm that is not allowed/,
    ],
    [
      'key confusion (HS256 keyed with the RSA public key PEM)',
      async () =>
        bearer(
          await sign({ sub: 'u1', roles: ['admin'] }, { alg: 'HS256', key: new TextEncoder().encode(await exportSPKI(rsa.publicKey)) }),
        ),
      401,
      'UNAUTHENTICATED',
      /algorithm that is not allowed/,
    ],
    [
      'a role the caller lacks',
      async () => ({ 'x-api-key': KEY, 'x-purpose': 'reporting', 'x-role': 'admin' }),
      403,
      'FORBIDDEN',
      /^Role "admin" is not granted/,
    ],
    [
      'a purpose the key may not use',
      async () => ({ 'x-api-key': KEY, 'x-purpose': 'marketing' }),
      403,
      'FORBIDDEN',
      /^Purpose "marketing" is not allowed/,
    ],
  ];

  it.each(cases)('refuses %s', async (_what, headers, status, code, message) => {
    const res = await ask(await headers());
    expect(res.status).toBe(status);
    const body = JSON.parse(res.text) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]!.extensions).toEqual({ code });
    expect(body.errors[0]!.message).toMatch(message);
  });
});

describe('sluice key hash', () => {
  it('prints the SHA-256 to configure, without needing a config', async () => {
    const { code, stdout } = await runCli(['key', 'hash', 'demo-admin-key', '--config', '/nonexistent.yaml']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(apiKeyHash('demo-admin-key'));
    expect(stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
  });
});
