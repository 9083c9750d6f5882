import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { comparableText, openDemo, type Demo, type GraphQLResponse } from '../support/demo.js';

/**
 * What the governance tests share: temporary deployments (sluice.yaml,
 * contracts, policies, keys) served in-process, requests that keep the
 * response text, the parts of a response that may legitimately differ
 * between two runs, and the GraphQL and SQL text of one `where` argument.
 */

// --- deployments -----------------------------------------------------------------

export interface KeySpec {
  readonly id: string;
  /** The key in clear; the config stores its SHA-256. */
  readonly key: string;
  readonly subject: string;
  readonly roles: readonly string[];
  readonly tenant?: string;
  readonly attributes?: Record<string, unknown>;
  readonly purposes?: readonly string[];
  readonly persistedOnly?: boolean;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function apiKeyEntry(k: KeySpec): Record<string, unknown> {
  const { key, ...rest } = k;
  return { ...rest, sha256: sha256(key) };
}

export function writeYaml(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stringify(value));
}

export interface DeploymentSpec {
  /** Folders relative to the deployment's folder, or absolute. */
  readonly products: string;
  readonly policies: string;
  readonly keys: readonly KeySpec[];
  readonly anonymousRole?: string;
}

/** Writes `<dir>/sluice.yaml`; returns its path. */
export function writeConfig(dir: string, spec: DeploymentSpec): string {
  const file = join(dir, 'sluice.yaml');
  writeYaml(file, {
    server: { introspection: true },
    products: spec.products,
    policies: spec.policies,
    auth: {
      ...(spec.anonymousRole !== undefined && { anonymous: { role: spec.anonymousRole } }),
      apiKeys: spec.keys.map(apiKeyEntry),
    },
    masking: { hashKeyEnv: 'SLUICE_HASH_KEY' },
  });
  return file;
}

/**
 * The demo deployment (products, policies, keys of sluice.yaml) plus `extra`
 * keys, in `dir`: the demo's callers and more, against one gateway.
 */
export function writeDemoWithKeys(dir: string, extra: readonly KeySpec[]): string {
  const { audit: _audit, ...demo } = parse(readFileSync('sluice.yaml', 'utf8')) as { auth: { apiKeys: unknown[] } } & Record<string, unknown>;
  const file = join(dir, 'sluice.yaml');
  writeYaml(file, {
    ...demo,
    // The copy lives elsewhere: the demo's own paths, made absolute.
    ...Object.fromEntries(['products', 'policies', 'persisted'].filter((k) => typeof demo[k] === 'string').map((k) => [k, resolve(demo[k] as string)])),
    auth: { ...demo.auth, apiKeys: [...demo.auth.apiKeys, ...extra.map(apiKeyEntry)] },
  });
  return file;
}

/**
 * Orders v2 as in products/orders/v2.yaml, reading `location`, with every
 * operator its types allow and sorting on every field (the governance tests
 * filter and sort on fields the demo contract keeps closed), and without
 * relationships (its deployments have no other product).
 */
export function openOrdersContract(location: string): Record<string, unknown> {
  const contract = parse(readFileSync('products/orders/v2.yaml', 'utf8')) as Record<string, unknown> & { fields: Record<string, unknown>[] };
  return {
    ...contract,
    source: { format: 'parquet', location },
    fields: contract.fields.map(({ filter: _f, sort: _s, ...f }) => f),
    // Deployments built from it serve orders alone.
    relationships: [],
  };
}

export const openGateway = (configFile: string): Promise<Demo> => openDemo(configFile);

// --- requests --------------------------------------------------------------------

export interface Sent {
  readonly status: number;
  readonly text: string;
  readonly body: GraphQLResponse;
}

/** One POST through the gateway with exactly these headers (no default key). */
export async function send(demo: Demo, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Sent> {
  const res = await demo.gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as GraphQLResponse };
}

/** The response text without what differs between runs or deployments by design. */
export const comparable = comparableText;

// --- where, as GraphQL and as SQL ----------------------------------------------------

export type Where = { [key: string]: unknown };
export type FieldKind = 'string' | 'boolean' | 'int32' | 'int64' | 'float64' | 'date' | 'timestamp';

/** Operators of each type (contract.ts operatorGroupsFor, every group open). */
export const OPERATORS: Record<FieldKind, readonly string[]> = {
  string: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'contains', 'startsWith', 'endsWith', 'isNull'],
  boolean: ['eq', 'ne', 'isNull'],
  int32: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'isNull'],
  int64: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'isNull'],
  float64: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'isNull'],
  date: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'isNull'],
  timestamp: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'isNull'],
};

export const TEXT_OPERATORS = ['contains', 'startsWith', 'endsWith'];

export function gqlWhere(w: Where): string {
  const parts = Object.entries(w).map(([k, v]) => {
    if (k === 'AND' || k === 'OR') return `${k}: [${(v as Where[]).map(gqlWhere).join(', ')}]`;
    if (k === 'NOT') return `NOT: ${gqlWhere(v as Where)}`;
    const ops = Object.entries(v as Where).map(([op, x]) => `${op}: ${Array.isArray(x) ? `[${x.map((e) => JSON.stringify(e)).join(', ')}]` : JSON.stringify(x)}`);
    return `${k}: { ${ops.join(', ')} }`;
  });
  return `{ ${parts.join(', ')} }`;
}

export type OrderBy = readonly Record<string, 'ASC' | 'DESC'>[];

export const gqlOrderBy = (ob: OrderBy) => `[${ob.map((o) => `{ ${Object.keys(o)[0]}: ${Object.values(o)[0]} }`).join(', ')}]`;

export function sqlLiteral(kind: FieldKind, v: unknown): string {
  switch (kind) {
    case 'string':
      return `'${String(v).replaceAll("'", "''")}'`;
    case 'date':
      return `DATE '${String(v)}'`;
    case 'timestamp':
      return `TIMESTAMPTZ '${String(v)}'`;
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    case 'float64':
      return `${Number(v)}::DOUBLE`;
    default:
      return String(v);
  }
}

/**
 * SQL for a `where`, written independently of the compiler under test: NOT
 * stays a SQL NOT with three-valued logic. `column` names the SQL value of a
 * field (a raw column, or the masked column of a subquery).
 */
export function sqlWhere(w: Where, kindOf: (field: string) => FieldKind, column: (field: string) => string): string {
  const parts = Object.entries(w).map(([k, v]) => {
    if (k === 'AND') return `(${(v as Where[]).map((x) => sqlWhere(x, kindOf, column)).join(' AND ') || 'TRUE'})`;
    if (k === 'OR') return `(${(v as Where[]).map((x) => sqlWhere(x, kindOf, column)).join(' OR ') || 'FALSE'})`;
    if (k === 'NOT') return `(NOT ${sqlWhere(v as Where, kindOf, column)})`;
    const c = column(k);
    const kind = kindOf(k);
    const ops = Object.entries(v as Where).map(([op, x]) => {
      const lit = () => sqlLiteral(kind, x);
      const list = () => (x as unknown[]).map((e) => sqlLiteral(kind, e)).join(', ');
      switch (op) {
        case 'eq': return `${c} = ${lit()}`;
        case 'ne': return `${c} <> ${lit()}`;
        case 'lt': return `${c} < ${lit()}`;
        case 'lte': return `${c} <= ${lit()}`;
        case 'gt': return `${c} > ${lit()}`;
        case 'gte': return `${c} >= ${lit()}`;
        case 'in': return `${c} IN (${list()})`;
        case 'notIn': return `${c} NOT IN (${list()})`;
        case 'contains': return `contains(${c}, ${sqlLiteral('string', x)})`;
        case 'startsWith': return `starts_with(${c}, ${sqlLiteral('string', x)})`;
        case 'endsWith': return `ends_with(${c}, ${sqlLiteral('string', x)})`;
        case 'isNull': return x ? `${c} IS NULL` : `${c} IS NOT NULL`;
        default: throw new Error(`no SQL for operator ${op}`);
      }
    });
    return `(${ops.join(' AND ')})`;
  });
  return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
}

/** A DuckDB row as GraphQL serializes it (BigInt as string, Date and DateTime as ISO). */
export function asGraphQL(row: Record<string, unknown>, kindOf: (field: string) => FieldKind): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [f, v] of Object.entries(row)) {
    if (v === null || v === undefined) out[f] = null;
    else if (typeof v === 'bigint') out[f] = v.toString();
    else if (v instanceof Date) out[f] = kindOf(f) === 'date' ? v.toISOString().slice(0, 10) : v.toISOString();
    else out[f] = v;
  }
  return out;
}

/** Orders v2 fields and their types (products/orders/v2.yaml). */
export const ORDERS_KIND: Record<string, FieldKind> = {
  order_id: 'int64', customer_id: 'int64', region: 'string', status: 'string', total_amount: 'float64', currency: 'string',
  quantity: 'int32', email: 'string', notes: 'string', order_date: 'date', created_at: 'timestamp', is_gift: 'boolean',
};
export const ORDERS_FIELDS = Object.keys(ORDERS_KIND);
export const ORDERS_NULLABLE = new Set(['email', 'notes', 'is_gift']);

/** Operators of an orders field (isNull only where the field can be null, as contracts default). */
export const ordersOperators = (field: string) => OPERATORS[ORDERS_KIND[field]!].filter((op) => op !== 'isNull' || ORDERS_NULLABLE.has(field));
/** GraphQL field → Parquet column (total_amount is renamed). */
export const ordersColumn = (f: string) => (f === 'total_amount' ? 'amount' : f);
