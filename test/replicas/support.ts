import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO } from '../e2e/start-server.js';

/**
 * The deployment the replicas test runs and the compose file mounts: one
 * file, so what is tested is what is deployed (deploy-files.test.ts checks
 * that compose.yaml mounts this file into every replica).
 */
export const REPLICAS_CONFIG = 'deploy/sluice.yaml';
export const COMPOSE_FILE = 'deploy/compose.yaml';

export const ADMIN_TOKEN = 'replicas-test-admin-token';

/** Values for the variables the config names (`*Env`); the test adds SLUICE_REDIS_URL. */
export const REPLICA_ENV: Record<string, string> = {
  SLUICE_CURSOR_KEY: 'replicas-test-cursor-key',
  SLUICE_HASH_KEY: 'replicas-test-hash-key',
  SLUICE_METRICS_TOKEN: 'replicas-test-metrics-token',
  SLUICE_ADMIN_TOKEN: ADMIN_TOKEN,
};

export function deployConfig(): Record<string, unknown> & { server: Record<string, unknown> & { limits: Record<string, unknown> } } {
  return parse(readFileSync(join(REPO, REPLICAS_CONFIG), 'utf8')) as ReturnType<typeof deployConfig>;
}

/** Every environment variable the config names (values of keys ending in `Env`), wherever they are. */
export function envNamesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(envNamesIn);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => (k.endsWith('Env') && typeof v === 'string' ? [v] : envNamesIn(v)));
  return [];
}
