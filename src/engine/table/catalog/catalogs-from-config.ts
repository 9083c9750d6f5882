import { catalogCredentialOf, type CatalogConfig } from '../../../config/catalogs.js';
import type { CatalogLog } from './catalog-auth.js';
import { RestCatalog } from './rest-catalog.js';

/**
 * The catalogs `catalogs:` in sluice.yaml configures, by name, their secrets
 * read from the environment now. One set per process: each client holds
 * its tokens, its cached tables and their vended credentials.
 */
export function catalogsFromConfig(catalogs: Readonly<Record<string, CatalogConfig>>, log?: CatalogLog): ReadonlyMap<string, RestCatalog> {
  const out = new Map<string, RestCatalog>();
  for (const [name, c] of Object.entries(catalogs)) {
    out.set(
      name,
      new RestCatalog({
        name,
        uri: c.uri,
        ...(c.warehouse !== undefined && { warehouse: c.warehouse }),
        ...(c.prefix !== undefined && { prefix: c.prefix }),
        credential: catalogCredentialOf(name, c),
        ...(c.accessDelegation !== undefined && { accessDelegation: c.accessDelegation }),
        refreshSeconds: c.refreshSeconds,
        requestTimeoutMs: c.requestTimeoutMs,
        maxAttempts: c.maxAttempts,
        retryBaseDelayMs: c.retryBaseDelayMs,
        ...(log !== undefined && { log }),
      }),
    );
  }
  return out;
}
