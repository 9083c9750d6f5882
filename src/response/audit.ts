import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { rootFieldName, typeName, type Contract } from '../contract/contract.js';
import { fieldsReferenced, maskedFieldsOf, type PlanNode } from '../plan/plan.js';
import { accessTo, type Session } from '../session/session.js';

/**
 * The audit trail (SPEC §5): one JSON line per request, allowed or denied,
 * carrying the same queryId and decisionId as the response's lineage. It says
 * who asked (subject, tenant, role, purpose, credential), what (operation,
 * document hash, products and versions, fields requested / granted / masked /
 * denied), under which policies, what was decided, how many rows left, and
 * how long it took. Never the document text, variables, keys, tokens or
 * values.
 */
export interface ProductAudit {
  path: string;
  product: string;
  version: string;
  fieldsRequested: string[];
  fieldsGranted: string[];
  fieldsMasked: string[];
  fieldsDenied: string[];
  policies: { id: string; version: number }[];
  rowFilter: boolean;
  rows: number;
  /**
   * Deprecated things the request used, as schema coordinates: the root
   * field of a deprecated version (`Query.ordersV1`) and deprecated fields
   * (`OrdersV2.is_gift`). `sluice usage` counts them per operation and key.
   */
  deprecated: string[];
}

export interface AuditRecord {
  readonly time: string;
  readonly queryId: string | null;
  readonly decisionId: string | null;
  readonly subject: string | null;
  readonly tenant: string | null;
  readonly role: string | null;
  readonly purpose: string | null;
  readonly credential: string | null;
  readonly keyId: string | null;
  readonly operationName: string | null;
  readonly documentHash: string | null;
  readonly decision: 'allow' | 'deny' | 'error';
  readonly status: number;
  readonly errors: readonly string[];
  readonly products: readonly ProductAudit[];
  /** Versions a matching policy would have opened but that were denied (e.g. a missing $caller attribute). */
  readonly deniedProducts: readonly { product: string; major: number; policies: readonly string[]; reason: string }[];
  readonly rowsReturned: number;
  readonly durationMs: number;
}

/** Where audit records go. */
export interface AuditSink {
  write(record: AuditRecord): void;
  close(): Promise<void>;
}

/** Appends JSON lines to a file (created with its folder if missing). */
export function fileAuditSink(file: string): AuditSink {
  mkdirSync(dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  return {
    write: (record) => void stream.write(`${JSON.stringify(record)}\n`),
    close: () => new Promise((done) => stream.end(done)),
  };
}

export const discardAuditSink: AuditSink = { write: () => undefined, close: async () => undefined };

/** What one request did, gathered as it runs and written once when it ends. */
export class AuditTrail {
  private readonly started = performance.now();
  session: Session | undefined;
  operationName: string | null = null;
  documentHash: string | null = null;
  private readonly products = new Map<string, ProductAudit>();
  private readonly errorCodes: string[] = [];

  /** A plan of the field at `path` ran (with its optimized form), or was refused (none). */
  recordPlan(path: readonly (string | number)[], contract: Contract, userPlan: PlanNode, optimized: PlanNode | undefined): void {
    const entry = this.entry(path, contract);
    for (const f of fieldsReferenced(userPlan)) {
      if (!entry.fieldsRequested.includes(f)) entry.fieldsRequested.push(f);
      if (!entry.fieldsGranted.includes(f) && !entry.fieldsDenied.includes(f)) entry.fieldsDenied.push(f);
      const coordinate = `${typeName(contract.product, contract.major)}.${f}`;
      if (contract.fields.find((x) => x.name === f)?.deprecated !== undefined && !entry.deprecated.includes(coordinate)) entry.deprecated.push(coordinate);
    }
    if (optimized) {
      // Plans of one field finish in any order; list fields in contract order so records are stable.
      const masked = new Set([...entry.fieldsMasked, ...maskedFieldsOf(optimized)]);
      entry.fieldsMasked = contract.fields.map((f) => f.name).filter((f) => masked.has(f));
    }
  }

  /** The field at `path` handed `rows` rows to the caller. */
  recordDelivered(path: readonly (string | number)[], contract: Contract, rows: number): void {
    this.entry(path, contract).rows += rows;
  }

  private entry(path: readonly (string | number)[], contract: Contract): ProductAudit {
    const key = `${path.join('.')}|${contract.product}@${contract.major}`;
    const access = this.session ? accessTo(this.session, contract.product, contract.major) : undefined;
    const entry = this.products.get(key) ?? {
      path: path.join('.'),
      product: contract.product,
      version: contract.version,
      fieldsRequested: [],
      fieldsGranted: access ? [...access.fields] : [],
      fieldsMasked: [],
      fieldsDenied: [],
      policies: access ? access.policies.map((p) => ({ ...p })) : [],
      rowFilter: access?.rowFilter !== undefined,
      rows: 0,
      deprecated: contract.status === 'deprecated' ? [`Query.${rootFieldName(contract.product, contract.major)}`] : [],
    };
    this.products.set(key, entry);
    return entry;
  }

  recordErrors(codes: readonly string[]): void {
    this.errorCodes.push(...codes);
  }

  finish(status: number): AuditRecord {
    const s = this.session;
    const products = [...this.products.values()];
    const denied = status === 401 || status === 403 || this.errorCodes.some((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN');
    const failed = status >= 500 || this.errorCodes.some((c) => c === 'INTERNAL_SERVER_ERROR');
    return {
      time: new Date().toISOString(),
      queryId: s?.queryId ?? null,
      decisionId: s?.decisionId ?? null,
      subject: s?.caller.subject ?? null,
      tenant: s?.caller.tenant ?? null,
      role: s?.role ?? null,
      purpose: s?.purpose ?? null,
      credential: s?.caller.credential ?? null,
      keyId: s?.caller.keyId ?? null,
      operationName: this.operationName,
      documentHash: this.documentHash,
      decision: denied ? 'deny' : failed ? 'error' : 'allow',
      status,
      errors: [...new Set(this.errorCodes)],
      products,
      deniedProducts: s ? s.denied.map((d) => ({ ...d })) : [],
      rowsReturned: products.reduce((n, p) => n + p.rows, 0),
      durationMs: Math.round((performance.now() - this.started) * 100) / 100,
    };
  }
}

