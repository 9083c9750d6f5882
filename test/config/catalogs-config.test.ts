import { afterEach, describe, expect, it } from 'vitest';
import { catalogCredentialOf } from '../../src/config/catalogs.js';
import { loadConfig } from '../../src/config/config.js';
import { configFiles } from './config-files.js';

/** sluice.yaml's `catalogs:` (docs/iceberg.md): a strict shape, secrets only from the environment, checked at start-up. */
const { write, problem } = configFiles('sluice-catalogs-config-');
const ID_ENV = 'SLUICE_TEST_CATALOG_CLIENT_ID';
const SECRET_ENV = 'SLUICE_TEST_CATALOG_CLIENT_SECRET';
const TOKEN_ENV = 'SLUICE_TEST_CATALOG_TOKEN';
const lake = (lines: string) => `catalogs:\n  lake:\n    type: rest\n    uri: https://catalog.example.com/api/catalog\n${lines}`;
const clientCredential = `    credential: { clientIdEnv: ${ID_ENV}, clientSecretEnv: ${SECRET_ENV} }\n`;

afterEach(() => {
  for (const k of [ID_ENV, SECRET_ENV, TOKEN_ENV]) delete process.env[k];
});

describe('catalogs', () => {
  it('are none by default', () => {
    expect(loadConfig(write('none.yaml', 'products: ./p\n')).raw.catalogs).toEqual({});
  });

  it('take the spec shape, with defaults for refresh, deadlines and retries', () => {
    process.env[ID_ENV] = 'reader';
    process.env[SECRET_ENV] = 'catalog-secret-91f2';
    const config = loadConfig(
      write('lake.yaml', lake(`    warehouse: analytics\n    prefix: wh\n${clientCredential}    accessDelegation: vended-credentials\n`)),
    );
    expect(config.raw.catalogs['lake']).toEqual({
      type: 'rest',
      uri: 'https://catalog.example.com/api/catalog',
      warehouse: 'analytics',
      prefix: 'wh',
      credential: { clientIdEnv: ID_ENV, clientSecretEnv: SECRET_ENV },
      accessDelegation: 'vended-credentials',
      refreshSeconds: 60,
      requestTimeoutMs: 5000,
      maxAttempts: 3,
      retryBaseDelayMs: 100,
    });
    // The secret is read from the environment, never kept in the parsed config.
    expect(JSON.stringify(config.raw)).not.toContain('catalog-secret-91f2');
    expect(catalogCredentialOf('lake', config.raw.catalogs['lake']!)).toEqual({
      kind: 'client',
      clientId: 'reader',
      clientSecret: 'catalog-secret-91f2',
      scope: 'catalog',
    });
  });

  it('take a static token from the environment, or no credential for an open catalog', () => {
    process.env[TOKEN_ENV] = 'static-token-1';
    const config = loadConfig(write('token.yaml', lake(`    credential: { tokenEnv: ${TOKEN_ENV} }\n`)));
    expect(catalogCredentialOf('lake', config.raw.catalogs['lake']!)).toEqual({ kind: 'token', token: 'static-token-1' });
    const open = loadConfig(write('open.yaml', lake('')));
    expect(catalogCredentialOf('lake', open.raw.catalogs['lake']!)).toEqual({ kind: 'none' });
  });

  it('refuse a secret that is not in the environment, naming the variable and the line', () => {
    process.env[ID_ENV] = 'reader';
    expect(problem(lake(clientCredential))).toMatch(
      new RegExp(`bad\\.yaml:5: catalogs\\.lake\\.credential\\.clientSecretEnv names ${SECRET_ENV}, which is not set in the environment`),
    );
  });

  it('refuse secrets in the file, other catalog types, bad URIs and half-given credentials', () => {
    expect(problem(lake('    credential: { clientId: reader, clientSecret: hunter2 }\n'))).toMatch(
      /bad\.yaml:5: catalogs\.lake\.credential\.clientId: unknown key "clientId", "clientSecret"/,
    );
    expect(problem(lake('    credential: { clientSecretEnv: hunter2-is-not-a-name! }\n'))).toMatch(
      /must be the name of an environment variable/,
    );
    expect(problem('catalogs:\n  lake:\n    type: glue\n    uri: https://x\n')).toMatch(/bad\.yaml:3: catalogs\.lake\.type: must be rest/);
    expect(problem('catalogs:\n  lake:\n    type: rest\n    uri: ftp://x\n')).toMatch(/catalogs\.lake\.uri: must be an http/);
    expect(problem('catalogs:\n  lake:\n    type: rest\n    uri: https://user:pw@x\n')).toMatch(/must not hold credentials/);
    expect(problem(lake(`    credential: { clientIdEnv: ${ID_ENV} }\n`))).toMatch(/need both clientIdEnv and clientSecretEnv/);
    expect(problem(lake(`    credential: { clientIdEnv: ${ID_ENV}, clientSecretEnv: ${SECRET_ENV}, tokenEnv: ${TOKEN_ENV} }\n`))).toMatch(
      /set either clientIdEnv and clientSecretEnv .* or tokenEnv/,
    );
    expect(problem(lake(`    credential: { tokenEnv: ${TOKEN_ENV}, scope: catalog }\n`))).toMatch(
      /credential\.scope: only used with OAuth2 client credentials/,
    );
    expect(problem(lake('    accessDelegation: remote-signing\n'))).toMatch(/accessDelegation: must be vended-credentials/);
    expect(problem('catalogs:\n  9lake:\n    type: rest\n    uri: https://x\n')).toMatch(/a catalog name is a letter/);
  });
});
