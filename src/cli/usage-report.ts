import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditRecord } from '../response/audit.js';
import { DeprecationUsage, type UsageReport } from '../response/deprecation-usage.js';
import { displayPath } from '../contract/yaml-file.js';
import { SluiceError } from '../errors.js';
import type { PersistedManifest } from '../server/persisted-manifest.js';

/**
 * `sluice usage`: who still uses deprecated versions and fields, per
 * operation and per API key, counted from the audit log (one JSON line per
 * request; lines that are not audit records are skipped and counted).
 */
export async function usageFromAuditLog(
  file: string,
  manifest?: PersistedManifest,
): Promise<UsageReport & { readonly records: number; readonly skipped: number }> {
  if (!existsSync(file))
    throw new SluiceError(
      'BAD_USER_INPUT',
      'user',
      `audit log ${displayPath(file)} does not exist (sluice.yaml audit.file, or --audit <file>)`,
    );
  const names = new Map([...(manifest?.operations.values() ?? [])].map((op) => [op.id, op.name]));
  const usage = new DeprecationUsage(names);
  let records = 0;
  let skipped = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      skipped++;
      continue;
    }
    // Deployment events (a reload) are audit lines too, but not requests.
    if (typeof record === 'object' && record !== null && typeof (record as { event?: unknown }).event === 'string') continue;
    if (typeof record !== 'object' || record === null || !Array.isArray(record.products)) {
      skipped++;
      continue;
    }
    records++;
    usage.record(record);
  }
  return { ...usage.report(), records, skipped };
}
