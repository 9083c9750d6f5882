import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { rootFieldName, typeName, type Contract } from '../contract/contract.js';
import type { ScanReport } from '../engine/engine.js';
import { fieldsReferenced, maskedFieldsOf, type PlanNode } from '../plan/plan.js';
import { accessTo, type Caller, type Session } from '../session/session.js';

/**
 * The audit trail (docs/lineage-and-audit.md): one JSON line per request, allowed or denied,
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
  /** The engine that ran the field's plans (docs/configuration.md): embedded, duckdb or trino. */
  engine: 'embedded' | 'duckdb' | 'trino';
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
  /** The operation that ran (or, for a request refused before, the operationName it sent). */
  readonly operationName: string | null;
  /**
   * `sha256:<hex>` of the document that was parsed and run — for a persisted
   * operation its id, as the manifest and APQ ids are SHA-256 of their text.
   * Never an id the request merely claimed; null when no document was parsed.
   */
  readonly documentHash: string | null;
  readonly decision: 'allow' | 'deny' | 'error';
  /** Set when the request as a whole was refused (a request error, GraphQL over HTTP: errors and no data): what, and why. */
  readonly refusal: Refusal | null;
  readonly status: number;
  readonly errors: readonly string[];
  readonly products: readonly ProductAudit[];
  /** Versions a matching policy would have opened but that were denied (e.g. a missing $caller attribute). */
  readonly deniedProducts: readonly { product: string; major: number; policies: readonly string[]; reason: string }[];
  readonly rowsReturned: number;
  readonly durationMs: number;
}

/**
 * A refused request: the error code (docs/errors.md), a reason in the gateway's own
 * words (never the caller's input: error messages may quote variable values),
 * and what the request asked for, as sent and unchecked — the persisted id it
 * named (`sha256:<hex>`, only when well-formed) or the SHA-256 of the query
 * text it sent.
 */
export interface Refusal {
  readonly code: string;
  readonly reason: string;
  readonly requested: string | null;
}

const REFUSAL_REASONS: Readonly<Record<string, string>> = {
  UNAUTHENTICATED: 'no valid credentials',
  FORBIDDEN: 'a role, purpose, product version or field the caller may not use',
  PERSISTED_QUERY_NOT_FOUND: 'no persisted operation has the requested id',
  PERSISTED_QUERY_REQUIRED: 'the key may run persisted operations only',
  GRAPHQL_PARSE_FAILED: 'the document does not parse',
  GRAPHQL_VALIDATION_FAILED: "the document is not valid against the caller's schema",
  QUERY_TOO_COMPLEX: 'over a depth, alias, directive, token or cost limit',
  BAD_USER_INPUT: 'malformed request parameters, variables or arguments',
  RESOURCE_LIMIT: 'over a body size, rate or scan limit',
  BAD_REQUEST: 'not a request the GraphQL endpoint accepts (method, media type or batch)',
};

/**
 * Something that happened to the deployment rather than a request — a
 * reload (server/reload.ts) — written between the request records. It has
 * `event` and no `products`, so readers of request records can tell it apart.
 */
export interface AuditEvent {
  readonly time: string;
  readonly event: string;
  readonly [detail: string]: unknown;
}

/** Where audit records go. */
export interface AuditSink {
  write(record: AuditRecord): void;
  /** Deployment events; sinks that keep only request records leave it out. */
  event?(record: AuditEvent): void;
  close(): Promise<void>;
}

/** Appends JSON lines to a file (created with its folder if missing). */
export function fileAuditSink(file: string): AuditSink {
  mkdirSync(dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  return {
    write: (record) => void stream.write(`${JSON.stringify(record)}\n`),
    event: (record) => void stream.write(`${JSON.stringify(record)}\n`),
    close: () => new Promise((done) => stream.end(done)),
  };
}

export const discardAuditSink: AuditSink = { write: () => undefined, close: async () => undefined };

/** What one request did, gathered as it runs and written once when it ends. */
export class AuditTrail {
  private readonly started = performance.now();
  session: Session | undefined;
  /** Who is calling, once authenticated: names the caller of a request refused before its session exists (validation). */
  private who: { readonly caller: Caller; readonly role: string; readonly purpose: string } | undefined;
  /** Schema coordinates the request asked for that its caller's schema does not show. */
  private readonly hidden: string[] = [];
  operationName: string | null = null;
  documentHash: string | null = null;
  /** What the request named (persisted id or hash of its query text), for a refusal. */
  requested: string | null = null;
  private refusalReason: string | undefined;
  /** Whether a GraphQL result was made, and whether it was a request error (errors, no data). */
  private result: 'none' | 'executed' | 'request-error' = 'none';
  private readonly products = new Map<string, ProductAudit>();
  private readonly errorCodes: string[] = [];

  /** A plan of the field at `path` ran (with its optimized form), or was refused (none). */
  recordPlan(path: readonly (string | number)[], contract: Contract, userPlan: PlanNode, optimized: PlanNode | undefined): void {
    const entry = this.entry(path, contract);
    for (const f of fieldsReferenced(userPlan)) {
      if (!entry.fieldsRequested.includes(f)) entry.fieldsRequested.push(f);
      if (!entry.fieldsGranted.includes(f) && !entry.fieldsDenied.includes(f)) entry.fieldsDenied.push(f);
      const coordinate = `${typeName(contract.product, contract.major)}.${f}`;
      if (contract.fields.find((x) => x.name === f)?.deprecated !== undefined && !entry.deprecated.includes(coordinate))
        entry.deprecated.push(coordinate);
    }
    if (optimized) {
      // Plans of one field finish in any order; list fields in contract order so records are stable.
      const masked = new Set([...entry.fieldsMasked, ...maskedFieldsOf(optimized)]);
      entry.fieldsMasked = contract.fields.map((f) => f.name).filter((f) => masked.has(f));
    }
  }

  /** What a plan of the field at `path` read, also when it failed: which engine ran it. */
  recordScans(path: readonly (string | number)[], contract: Contract, scans: readonly ScanReport[]): void {
    const engine = scans.find((s) => s.product === contract.product && s.major === contract.major)?.engine;
    if (engine !== undefined) this.entry(path, contract).engine = engine;
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
      engine: 'embedded' as const,
      deprecated: contract.status === 'deprecated' ? [`Query.${rootFieldName(contract.product, contract.major)}`] : [],
    };
    this.products.set(key, entry);
    return entry;
  }

  recordErrors(codes: readonly string[]): void {
    this.errorCodes.push(...codes);
  }

  /** The request's result: `executed` when it has data (even null), else it was refused before execution. */
  recordResult(executed: boolean): void {
    if (this.result !== 'executed') this.result = executed ? 'executed' : 'request-error';
  }

  /** The request is refused for `reason` (the gateway's words); the first one given stands. */
  refuse(reason: string): void {
    this.refusalReason ??= reason;
  }

  /** The authenticated caller, before a session exists. */
  identify(caller: Caller, role: string, purpose: string): void {
    this.who = { caller, role, purpose };
  }

  /**
   * The request asked for fields or versions its caller's schema does not
   * show (docs/frontend-apps.md): refused by validation as if they did not exist, and a
   * denial here, naming them for operators.
   */
  hide(coordinates: readonly string[]): void {
    for (const c of coordinates) if (!this.hidden.includes(c)) this.hidden.push(c);
    this.refuse(`asks for what the caller's policies do not grant: ${this.hidden.join(', ')}`);
  }

  finish(status: number): AuditRecord {
    const s = this.session;
    const who = s ?? this.who;
    const products = [...this.products.values()];
    const denied =
      status === 401 ||
      status === 403 ||
      this.hidden.length > 0 ||
      this.errorCodes.some((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN');
    const failed = status >= 500 || this.errorCodes.some((c) => c === 'INTERNAL_SERVER_ERROR');
    return {
      time: new Date().toISOString(),
      queryId: s?.queryId ?? null,
      decisionId: s?.decisionId ?? null,
      subject: who?.caller.subject ?? null,
      tenant: who?.caller.tenant ?? null,
      role: who?.role ?? null,
      purpose: who?.purpose ?? null,
      credential: who?.caller.credential ?? null,
      keyId: who?.caller.keyId ?? null,
      operationName: this.operationName,
      documentHash: this.documentHash,
      decision: denied ? 'deny' : failed ? 'error' : 'allow',
      refusal: this.refusal(status),
      status,
      errors: [...new Set(this.errorCodes)],
      products,
      deniedProducts: s ? s.denied.map((d) => ({ ...d })) : [],
      rowsReturned: products.reduce((n, p) => n + p.rows, 0),
      durationMs: Math.round((performance.now() - this.started) * 100) / 100,
    };
  }

  /**
   * Refused: a request error (errors and no data, whatever the status: under
   * application/json it is 200), or a 4xx made without a GraphQL result (415,
   * 413). 499, a client that went away, was not refused; 5xx is an error.
   */
  private refusal(status: number): Refusal | null {
    const refused = this.result === 'request-error' || (this.result === 'none' && status >= 400 && status < 500 && status !== 499);
    if (!refused) return null;
    const code = this.errorCodes[0] ?? `HTTP_${status}`;
    return { code, reason: this.refusalReason ?? REFUSAL_REASONS[code] ?? `refused with HTTP ${status}`, requested: this.requested };
  }
}
