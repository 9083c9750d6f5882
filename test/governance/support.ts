import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { comparableText, openDemo, type Demo, type GraphQLResponse } from '../support/demo.js';
import { asGraphQL as asGraphQLValue, ORDERS_KIND, type Kind } from '../support/demo-sql.js';

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
  const { audit: _audit, ...demo } = parse(readFileSync('sluice.yaml', 'utf8')) as { auth: { apiKeys: unknown[] } } & Record<
    string,
    unknown
  >;
  const file = join(dir, 'sluice.yaml');
  writeYaml(file, {
    ...demo,
    // The copy lives elsewhere: the demo's own paths, made absolute.
    ...Object.fromEntries(
      ['products', 'policies', 'persisted'].filter((k) => typeof demo[k] === 'string').map((k) => [k, resolve(demo[k] as string)]),
    ),
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
  const contract = parse(readFileSync('products/orders/v2.yaml', 'utf8')) as Record<string, unknown> & {
    fields: Record<string, unknown>[];
  };
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
export async function send(
  demo: Demo,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Sent> {
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

// --- where, as GraphQL and as SQL (test/support/demo-sql.ts) --------------------------

export { gqlOrderBy, gqlWhere, sqlLiteral, sqlWhereOf as sqlWhere, type OrderBy, type Where } from '../support/demo-sql.js';
import type { OrderBy, Where } from '../support/demo-sql.js';
export type FieldKind = Kind;

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

/** A DuckDB row as GraphQL serializes it (BigInt as string, Date and DateTime as ISO). */
export function asGraphQL(row: Record<string, unknown>, kindOf: (field: string) => FieldKind): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([f, v]) => [f, asGraphQLValue(v, kindOf(f))]));
}

/** Orders v2 fields and their types (products/orders/v2.yaml). */
export { ORDERS_KIND };
export const ORDERS_FIELDS = Object.keys(ORDERS_KIND);
export const ORDERS_NULLABLE = new Set(['email', 'notes', 'is_gift']);

/** Operators of an orders field (isNull only where the field can be null, as contracts default). */
export const ordersOperators = (field: string) =>
  OPERATORS[ORDERS_KIND[field]!].filter((op) => op !== 'isNull' || ORDERS_NULLABLE.has(field));
/** GraphQL field → Parquet column (total_amount is renamed). */
export const ordersColumn = (f: string) => (f === 'total_amount' ? 'amount' : f);

// --- random where and orderBy for a masked caller --------------------------------------

export interface MaskedArbitraries {
  /** Values to compare each field with (masked forms among them). */
  readonly values: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /** Patterns for contains / startsWith / endsWith, by field. */
  readonly patterns: Readonly<Record<string, readonly string[]>>;
  readonly masked: readonly string[];
  readonly unmasked: readonly string[];
  /** Longest in / notIn list. */
  readonly maxIn: number;
  /** Also two conditions on different fields in one object (an implicit AND). */
  readonly mergedLeaves?: boolean;
  /** Relative weights of conditions on masked and unmasked fields (integers); default 3 to 1. */
  readonly weights?: { readonly masked: number; readonly unmasked: number };
}

/** Conditions mostly on masked fields (unless `weights` say otherwise), mixed with unmasked ones under AND / OR / NOT. */
export function maskedWhereArb(a: MaskedArbitraries): fc.Arbitrary<Where> {
  const condition = (fields: readonly string[]) =>
    fc.constantFrom(...fields).chain((field) =>
      fc.constantFrom(...ordersOperators(field)).chain((op) => {
        const operand =
          op === 'isNull'
            ? fc.boolean()
            : op === 'in' || op === 'notIn'
              ? fc.array(a.values[field]!, { minLength: 1, maxLength: a.maxIn })
              : TEXT_OPERATORS.includes(op)
                ? fc.constantFrom(...(a.patterns[field] ?? ['a']))
                : a.values[field]!;
        return operand.map((v) => ({ [field]: { [op]: v } }) as Where);
      }),
    );
  const { masked = 3, unmasked = 1 } = a.weights ?? {};
  const leaf = fc.oneof({ arbitrary: condition(a.masked), weight: masked }, { arbitrary: condition(a.unmasked), weight: unmasked });
  return fc.letrec<{ w: Where }>((tie) => ({
    w: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('w'), { minLength: 1, maxLength: 3 }).map((ws) => ({ AND: ws })),
      fc.array(tie('w'), { minLength: 1, maxLength: 3 }).map((ws) => ({ OR: ws })),
      tie('w').map((w) => ({ NOT: w })),
      ...(a.mergedLeaves ? [fc.tuple(leaf, leaf).map(([x, y]) => ({ ...x, ...y }))] : []),
    ),
  })).w;
}

/** Up to three sort keys, masked fields twice as likely. */
export const maskedOrderByArb = (masked: readonly string[], unmasked: readonly string[]): fc.Arbitrary<OrderBy> =>
  fc
    .uniqueArray(fc.oneof({ arbitrary: fc.constantFrom(...masked), weight: 2 }, { arbitrary: fc.constantFrom(...unmasked), weight: 1 }), {
      maxLength: 3,
    })
    .chain((fields) => fc.tuple(...fields.map((f) => fc.constantFrom('ASC' as const, 'DESC' as const).map((d) => ({ [f]: d })))));
