import type { AuditRecord, AuditSink } from './audit.js';

/**
 * Who still depends on deprecated versions and fields (docs/contracts.md sunsets):
 * counts, per operation (persisted id or document hash, and name) and per
 * API key, every use of a deprecated thing named by its schema coordinate
 * (`Query.ordersV1` for a deprecated version, `OrdersV2.is_gift` for a
 * deprecated field).
 *
 * Counted from audit records, so the running gateway (live, in memory:
 * `countingAuditSink`) and `sluice usage` (from the audit log) give the same
 * numbers for the same requests.
 */
export interface OperationUsage {
  readonly documentHash: string | null;
  readonly operationName: string | null;
  readonly coordinate: string;
  readonly product: string;
  readonly version: string;
  readonly count: number;
  readonly lastSeen: string;
}

export interface CallerUsage {
  /** `auth.apiKeys[].id`, or `jwt:<subject>` / `anonymous` for callers without a key. */
  readonly caller: string;
  readonly coordinate: string;
  readonly product: string;
  readonly version: string;
  readonly count: number;
  readonly lastSeen: string;
}

export interface UsageReport {
  readonly byOperation: readonly OperationUsage[];
  readonly byCaller: readonly CallerUsage[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class DeprecationUsage {
  private readonly operations = new Map<string, Mutable<OperationUsage>>();
  private readonly callers = new Map<string, Mutable<CallerUsage>>();

  /**
   * @param operationNames names of persisted operations by id (the manifest),
   *   for requests that sent a documentId without an operationName.
   */
  constructor(private readonly operationNames: ReadonlyMap<string, string | null> = new Map()) {}

  record(record: Pick<AuditRecord, 'time' | 'keyId' | 'credential' | 'subject' | 'operationName' | 'documentHash' | 'products'>): void {
    const caller = record.keyId ?? (record.credential === 'jwt' ? `jwt:${record.subject}` : (record.credential ?? 'unknown'));
    const hash = record.documentHash;
    const operationName = record.operationName ?? (hash ? (this.operationNames.get(hash.replace(/^sha256:/, '')) ?? null) : null);
    for (const p of record.products) {
      for (const coordinate of p.deprecated ?? []) {
        const base = { coordinate, product: p.product, version: p.version };
        const opKey = JSON.stringify([hash, operationName, coordinate, p.version]);
        const op = this.operations.get(opKey) ?? { documentHash: hash, operationName, ...base, count: 0, lastSeen: record.time };
        op.count++;
        if (record.time > op.lastSeen) op.lastSeen = record.time;
        this.operations.set(opKey, op);
        const callerKey = JSON.stringify([caller, coordinate, p.version]);
        const c = this.callers.get(callerKey) ?? { caller, ...base, count: 0, lastSeen: record.time };
        c.count++;
        if (record.time > c.lastSeen) c.lastSeen = record.time;
        this.callers.set(callerKey, c);
      }
    }
  }

  /** The counts so far, most used first. */
  report(): UsageReport {
    const order = <T extends { count: number; coordinate: string }>(a: T, b: T) =>
      b.count - a.count || a.coordinate.localeCompare(b.coordinate);
    return {
      byOperation: [...this.operations.values()].map((x) => ({ ...x })).sort(order),
      byCaller: [...this.callers.values()].map((x) => ({ ...x })).sort(order),
    };
  }
}

/** Passes records on to `sink` and counts their deprecated uses in `usage`. */
export function countingAuditSink(sink: AuditSink, usage: DeprecationUsage): AuditSink {
  return {
    write(record) {
      usage.record(record);
      sink.write(record);
    },
    close: () => sink.close(),
  };
}

export function formatUsageMarkdown(report: UsageReport): string {
  const lines: string[] = [];
  if (report.byOperation.length === 0) return 'No use of deprecated versions or fields recorded.';
  lines.push(
    '### Deprecated use by operation',
    '',
    '| operation | document | deprecated | version | requests | last seen |',
    '|---|---|---|---|---:|---|',
  );
  for (const o of report.byOperation) {
    lines.push(
      `| ${o.operationName ?? '(anonymous)'} | ${o.documentHash ? `\`${o.documentHash.replace(/^sha256:/, '').slice(0, 12)}…\`` : '—'} | \`${o.coordinate}\` | ${o.product} ${o.version} | ${o.count} | ${o.lastSeen} |`,
    );
  }
  lines.push('', '### Deprecated use by caller', '', '| caller | deprecated | version | requests | last seen |', '|---|---|---|---:|---|');
  for (const c of report.byCaller)
    lines.push(`| ${c.caller} | \`${c.coordinate}\` | ${c.product} ${c.version} | ${c.count} | ${c.lastSeen} |`);
  return lines.join('\n');
}
