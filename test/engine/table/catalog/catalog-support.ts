import { cpSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { CatalogCredential } from '../../../../src/config/catalogs.js';
import { SluiceError } from '../../../../src/errors.js';
import type { CatalogLog } from '../../../../src/engine/table/catalog/catalog-auth.js';
import { RestCatalog, type RestCatalogOptions } from '../../../../src/engine/table/catalog/rest-catalog.js';
import { afterEach, expect } from 'vitest';
import { IcebergRestCatalogStandIn, type StandInOptions } from '../../../support/iceberg-rest-catalog.js';

/** Shared by the catalog client tests: fixture tables, a log that keeps its lines, and a secrets scan. */
export const FIXTURES = join(import.meta.dirname, '../../../fixtures/iceberg');
export const SPARK_BUNNIES = join(FIXTURES, 'icebird/spark/bunnies');
export const JAVA_BUNNIES = join(FIXTURES, 'icebird/java/bunnies');

/** Every fixture table root (a folder whose metadata/ holds metadata files), relative to FIXTURES. */
export function fixtureTables(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!statSync(path).isDirectory()) continue;
      if (name === 'metadata' && readdirSync(path).some((f) => f.endsWith('.metadata.json'))) found.push(relative(FIXTURES, dir));
      else walk(path);
    }
  };
  walk(FIXTURES);
  return found.sort();
}

/** A private copy of a fixture table, to commit to. */
export function tableCopy(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-catalog-table-'));
  cpSync(source, dir, { recursive: true });
  return dir;
}

export interface LogLine {
  readonly level: 'warn' | 'info';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export function recordingLog(): CatalogLog & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
  };
}

export function clientOf(standIn: IcebergRestCatalogStandIn, credential: CatalogCredential, options: Partial<RestCatalogOptions> = {}) {
  const log = recordingLog();
  const catalog = new RestCatalog({
    name: 'lake',
    uri: standIn.url,
    credential,
    refreshSeconds: 0,
    // Generous: the machine is shared, and an attempt abandoned and retried would change what the stand-in counts.
    requestTimeoutMs: 10_000,
    maxAttempts: 3,
    retryBaseDelayMs: 10,
    log,
    ...options,
  });
  return { catalog, log };
}

/** The error a promise rejects with (a test failure when it resolves). */
export async function failureOf(p: Promise<unknown>): Promise<SluiceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SluiceError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

/**
 * Every secret the stand-in ever handed out or accepted: tokens, vended
 * key ids, secret keys and session tokens, plus `extra` (client secrets).
 */
export function secretsOf(standIn: IcebergRestCatalogStandIn, extra: readonly string[]): string[] {
  return [...extra, ...standIn.tokens.keys(), ...standIn.vended.flatMap((v) => [v.accessKeyId, v.secretAccessKey, v.sessionToken])];
}

/** The secrets found in `texts` (empty: none). */
export function leaked(texts: readonly string[], secrets: readonly string[]): string[] {
  const all = texts.join('\n');
  return secrets.filter((s) => all.includes(s));
}

/** A SluiceError as everything a caller or a log could see of it. */
export const shown = (e: SluiceError) => JSON.stringify({ message: e.message, code: e.code, details: e.details, stack: e.stack });

/**
 * Starts stand-ins for one test file; after each test they are closed and
 * whatever they found against the API description fails the test.
 */
export function useStandIns(): (options: StandInOptions) => Promise<IcebergRestCatalogStandIn> {
  let started: IcebergRestCatalogStandIn[] = [];
  afterEach(async () => {
    const all = started;
    started = [];
    for (const s of all) await s.close();
    expect(all.flatMap((s) => s.violations)).toEqual([]);
  });
  return async (options) => {
    const s = await IcebergRestCatalogStandIn.start(options);
    started.push(s);
    return s;
  };
}
