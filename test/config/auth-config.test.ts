import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { apiKeyHash } from '../../src/server/authenticate.js';
import { configFiles } from './config-files.js';

/** sluice.yaml's `auth` section (docs/policies.md, docs/configuration.md): shape, uniqueness, and key material checked at start-up. */
const { write, problem } = configFiles('sluice-auth-config-');

const SECRET_ENV = 'SLUICE_TEST_AUTH_CONFIG_SECRET';
const H1 = apiKeyHash('one');
const H2 = apiKeyHash('two');
const key = (id: string, hash: string) => `    - { id: ${id}, sha256: ${hash}, subject: s, roles: [r] }\n`;
const jwt = (lines: string) => `auth:\n  jwt:\n    issuer: https://idp.test\n    audience: sluice\n    claims: { roles: roles }\n${lines}`;

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  write('jwks.json', JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'a' }, await exportJWK(ec.publicKey)] }));
  write('private.json', JSON.stringify({ keys: [{ ...(await exportJWK(rsa.privateKey)), kid: 'oops' }] }));
  write('oct.json', JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }));
  write('ps.json', JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), alg: 'PS256' }] }));
  write('broken.json', JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }] }));
  write('empty.json', JSON.stringify({ keys: [] }));
  write('text.json', 'not json');
});

afterEach(() => {
  delete process.env[SECRET_ENV];
});

describe('auth config', () => {
  it('is closed when absent: no anonymous role, no keys, no JWTs', () => {
    expect(loadConfig(write('none.yaml', 'products: ./p\n')).auth).toEqual({ apiKeys: [] });
  });

  it('loads the demo config: an anonymous role and three keys stored by hash', () => {
    const { auth } = loadConfig('sluice.yaml');
    expect(auth.anonymous).toEqual({ role: 'public' });
    expect(auth.apiKeys.map((k) => [k.id, k.subject, k.roles, k.sha256])).toEqual([
      ['analyst-demo', 'ana', ['analyst'], apiKeyHash('demo-analyst-key')],
      ['partner-acme', 'acme-bot', ['partner'], apiKeyHash('demo-partner-key')],
      ['admin-demo', 'root', ['admin'], apiKeyHash('demo-admin-key')],
    ]);
    expect(auth.apiKeys[0]).toMatchObject({
      tenant: 'acme',
      attributes: { regions: ['EU', 'US'] },
      purposes: ['reporting', 'fraud-review'],
    });
    expect(auth.apiKeys[1]).toMatchObject({ persistedOnly: true });
  });

  it('accepts upper-case hashes and stores them lower-case; fills defaults', () => {
    const { auth } = loadConfig(write('upper.yaml', `auth:\n  apiKeys:\n${key('k', H1.toUpperCase())}`));
    expect(auth.apiKeys[0]).toEqual({
      id: 'k',
      sha256: H1,
      subject: 's',
      roles: ['r'],
      attributes: {},
      persistedOnly: false,
      allowPersistRegistration: false,
    });
  });

  it('defaults the algorithms by key kind, the subject claim and the clock tolerance', () => {
    process.env[SECRET_ENV] = 'x'.repeat(32);
    const jwks = loadConfig(write('j.yaml', jwt('    jwksFile: ./jwks.json\n'))).auth.jwt!;
    expect(jwks).toMatchObject({
      algorithms: ['RS256', 'ES256'],
      clockToleranceSec: 30,
      claims: { subject: 'sub', roles: 'roles', attributes: [] },
    });
    const secret = loadConfig(write('s.yaml', jwt(`    secretEnv: ${SECRET_ENV}\n`))).auth.jwt!;
    expect(secret.algorithms).toEqual(['HS256']);
  });

  it.each([
    [
      'a duplicate key id, at its line',
      `auth:\n  apiKeys:\n${key('k', H1)}${key('k', H2)}`,
      /bad\.yaml:4: auth\.apiKeys\.1\.id: "k" is already the id of auth\.apiKeys\.0/,
    ],
    [
      'a duplicate hash, at its line',
      `auth:\n  apiKeys:\n${key('a', H1)}${key('b', H1.toUpperCase())}`,
      /bad\.yaml:4: auth\.apiKeys\.1\.sha256: the same hash as key "a"/,
    ],
    [
      'a hash that is not 64 hex digits',
      `auth:\n  apiKeys:\n${key('a', 'abc')}`,
      /bad\.yaml:3: auth\.apiKeys\.0\.sha256: must be the SHA-256 of the key, 64 hex digits/,
    ],
    ['a key without roles', 'auth:\n  apiKeys:\n    - { id: a, sha256: ' + H1 + ', subject: s, roles: [] }\n', /auth\.apiKeys\.0\.roles: /],
    [
      'an unknown key',
      `auth:\n  apiKeys:\n    - { id: a, sha256: ${H1}, subject: s, roles: [r], key: plain }\n`,
      /auth\.apiKeys\.0\.key: unknown key "key"/,
    ],
    [
      'an attribute that is an object',
      `auth:\n  apiKeys:\n    - { id: a, sha256: ${H1}, subject: s, roles: [r], attributes: { x: { y: 1 } } }\n`,
      /auth\.apiKeys\.0\.attributes\.x/,
    ],
    [
      'both jwksFile and secretEnv',
      jwt(`    jwksFile: ./jwks.json\n    secretEnv: ${SECRET_ENV}\n`),
      /bad\.yaml:3: auth\.jwt: set exactly one of jwksFile .* or secretEnv/,
    ],
    ['neither jwksFile nor secretEnv', jwt(''), /auth\.jwt: set exactly one of jwksFile/],
    [
      'an HMAC algorithm with a JWKS',
      jwt('    jwksFile: ./jwks.json\n    algorithms: [RS256, HS256]\n'),
      /bad\.yaml:7: auth\.jwt\.algorithms: HS256 cannot be used with jwksFile/,
    ],
    [
      'a public-key algorithm with a secret',
      jwt(`    secretEnv: ${SECRET_ENV}\n    algorithms: [ES256]\n`),
      /auth\.jwt\.algorithms: ES256 cannot be used with secretEnv/,
    ],
    ['alg none', jwt('    jwksFile: ./jwks.json\n    algorithms: [none]\n'), /auth\.jwt\.algorithms\.0: /],
    [
      'a missing secret',
      jwt(`    secretEnv: ${SECRET_ENV}\n`),
      new RegExp(`bad\\.yaml:6: auth\\.jwt\\.secretEnv names ${SECRET_ENV}, which is not set in the environment`),
    ],
    ['a missing JWKS file', jwt('    jwksFile: ./nope.json\n'), /bad\.yaml:6: auth\.jwt\.jwksFile: .*nope\.json cannot be read/],
    ['a JWKS that is not JSON', jwt('    jwksFile: ./text.json\n'), /text\.json is not JSON/],
    ['an empty JWKS', jwt('    jwksFile: ./empty.json\n'), /empty\.json must be a JWK Set/],
    [
      'a private key in the JWKS',
      jwt('    jwksFile: ./private.json\n'),
      /keys\[0\] \(kid "oops"\) is a private key; publish only the public keys/,
    ],
    ['an HMAC key in the JWKS', jwt('    jwksFile: ./oct.json\n'), /keys\[0\] has kty "oct"; a JWKS holds RSA, EC or OKP public keys/],
    [
      'a JWKS key for an algorithm not allowed',
      jwt('    jwksFile: ./ps.json\n'),
      /keys\[0\] is for PS256, which auth\.jwt\.algorithms \(RS256, ES256\) does not allow/,
    ],
    ['a JWKS key that is not a key', jwt('    jwksFile: ./broken.json\n'), /keys\[0\] is not a valid public key/],
  ])('rejects %s', (_what, text, message) => {
    expect(problem(text)).toMatch(message);
  });

  it('rejects an HMAC secret shorter than the hash, without showing it', () => {
    process.env[SECRET_ENV] = 'short-secret';
    const message = problem(jwt(`    secretEnv: ${SECRET_ENV}\n`));
    expect(message).toMatch(
      /auth\.jwt\.secretEnv names SLUICE_TEST_AUTH_CONFIG_SECRET, which holds 12 bytes; HS256 needs a secret of at least 32 bytes/,
    );
    expect(message).not.toContain('short-secret');
  });
});
