import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { resolve } from 'node:path';
import { maskFunction } from '../../src/policy/mask-value.js';

/**
 * DuckDB over the demo's Parquet files as the oracle of GraphQL answers that
 * join or group, for two callers of the demo deployment:
 *
 * - `admin` (demo-admin-key): every row, every value;
 * - `analyst` (demo-analyst-key, X-Purpose: reporting): orders of EU and US
 *   only (orders-analyst's row filter), customers with name show_first_4,
 *   email email_domain and lifetime_value round 1000 (customers-analyst),
 *   orders' email hashed (orders-analyst).
 *
 * Each caller's view of a product is a SQL view written here from the
 * policies, not from the code under test: the row filter sees raw values,
 * everything above sees masked ones. The hash mask (keyed HMAC) has no SQL
 * form: `hashEmails` applies it to answers instead, so tests never filter,
 * sort or group the analyst's orders by email.
 */
export type Caller = 'admin' | 'analyst';

export const HEADERS: Record<Caller, Record<string, string>> = {
  admin: { 'x-api-key': 'demo-admin-key' },
  analyst: { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' },
};

const ORDERS_FILES = resolve('products/orders/data/*.parquet');
const CUSTOMERS_FILES = resolve('products/customers/data/*.parquet');

const ORDERS_COLUMNS =
  'order_id, customer_id, region, status, amount AS total_amount, currency, quantity, email, notes, order_date, created_at, is_gift';

export const roundSql = (x: string, n: number) =>
  `CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} < 0 THEN -(round(abs(${x}) / ${n}) * ${n}) ELSE round(${x} / ${n}) * ${n} END`;
export const showFirst4Sql = (x: string) => `left(${x}, 4) || repeat('*', greatest(length(${x}) - 4, 0))`;
export const emailDomainSql = (x: string) =>
  `CASE WHEN ${x} IS NULL THEN NULL WHEN strpos(${x}, '@') = 0 THEN '***' ELSE '***@' || regexp_extract(${x}, '@([^@]*)$', 1) END`;

export async function openOracle(): Promise<DuckDBConnection> {
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  await duck.run(`SET TimeZone = 'UTC'`);
  await duck.run(`CREATE VIEW orders_admin AS SELECT ${ORDERS_COLUMNS} FROM read_parquet('${ORDERS_FILES}')`);
  await duck.run(`CREATE VIEW customers_admin AS SELECT * FROM read_parquet('${CUSTOMERS_FILES}')`);
  await duck.run(`CREATE VIEW orders_analyst AS SELECT * FROM orders_admin WHERE region IN ('EU', 'US')`);
  await duck.run(`CREATE VIEW customers_analyst AS SELECT customer_id, ${showFirst4Sql('name')} AS name, ${emailDomainSql('email')} AS email,
    country, segment, signup_date, ${roundSql('lifetime_value', 1000)} AS lifetime_value, is_active, updated_at FROM customers_admin`);
  return duck;
}

export async function rowsOf(duck: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await duck.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/** The analyst's orders.email as the gateway shows it. */
export function hashEmails<T extends Record<string, unknown>>(caller: Caller, row: T): T {
  if (caller !== 'analyst' || !('email' in row)) return row;
  const hash = maskFunction({ field: 'email', type: 'string', kind: 'hash' }, Buffer.from(process.env['SLUICE_HASH_KEY']!, 'utf8'));
  return { ...row, email: hash((row['email'] as string | null) ?? null) };
}

// --- field types and values --------------------------------------------------------

export type Kind = 'int64' | 'int32' | 'float64' | 'string' | 'date' | 'timestamp' | 'boolean';

export const ORDERS_KIND: Record<string, Kind> = {
  order_id: 'int64',
  customer_id: 'int64',
  region: 'string',
  status: 'string',
  total_amount: 'float64',
  currency: 'string',
  quantity: 'int32',
  email: 'string',
  notes: 'string',
  order_date: 'date',
  created_at: 'timestamp',
  is_gift: 'boolean',
};
export const CUSTOMERS_KIND: Record<string, Kind> = {
  customer_id: 'int64',
  name: 'string',
  email: 'string',
  country: 'string',
  segment: 'string',
  signup_date: 'date',
  lifetime_value: 'float64',
  is_active: 'boolean',
  updated_at: 'timestamp',
};

/** A DuckDB value as GraphQL serializes it. */
export function asGraphQL(v: unknown, kind: Kind | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return kind === 'float64' ? Number(v) : v.toString();
  if (v instanceof Date) return kind === 'date' ? v.toISOString().slice(0, 10) : v.toISOString();
  return v;
}

export function shape(
  row: Record<string, unknown>,
  kinds: Record<string, Kind>,
  fields: readonly string[],
  prefix = '',
): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, asGraphQL(row[`${prefix}${f}`], kinds[f])]));
}

// --- where, as GraphQL and as SQL ----------------------------------------------------

export type Where = { [key: string]: unknown };

export function sqlLiteral(kind: Kind, v: unknown): string {
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

export function gqlWhere(w: Where): string {
  const parts = Object.entries(w).map(([k, v]) => {
    if (k === 'AND' || k === 'OR') return `${k}: [${(v as Where[]).map(gqlWhere).join(', ')}]`;
    if (k === 'NOT') return `NOT: ${gqlWhere(v as Where)}`;
    const ops = Object.entries(v as Where).map(
      ([op, x]) => `${op}: ${Array.isArray(x) ? `[${x.map((e) => JSON.stringify(e)).join(', ')}]` : JSON.stringify(x)}`,
    );
    return `${k}: { ${ops.join(', ')} }`;
  });
  return `{ ${parts.join(', ')} }`;
}

/** `where` in SQL with three-valued logic (NOT stays NOT); `alias` qualifies columns. */
export const sqlWhere = (w: Where, kinds: Record<string, Kind>, alias = ''): string =>
  sqlWhereOf(
    w,
    (f) => kinds[f]!,
    (f) => `${alias}"${f}"`,
  );

/**
 * SQL for a `where`, written independently of the compiler under test: NOT
 * stays a SQL NOT with three-valued logic. `column` names the SQL value of a
 * field (a raw column, or the masked column of a subquery).
 */
export function sqlWhereOf(w: Where, kindOf: (field: string) => Kind, column: (field: string) => string): string {
  const parts = Object.entries(w).map(([k, v]) => {
    if (k === 'AND') return `(${(v as Where[]).map((x) => sqlWhereOf(x, kindOf, column)).join(' AND ') || 'TRUE'})`;
    if (k === 'OR') return `(${(v as Where[]).map((x) => sqlWhereOf(x, kindOf, column)).join(' OR ') || 'FALSE'})`;
    if (k === 'NOT') return `(NOT ${sqlWhereOf(v as Where, kindOf, column)})`;
    const c = column(k);
    const kind = kindOf(k);
    const ops = Object.entries(v as Where).map(([op, x]) => {
      const lit = () => sqlLiteral(kind, x);
      const list = () => (x as unknown[]).map((e) => sqlLiteral(kind, e)).join(', ');
      switch (op) {
        case 'eq':
          return `${c} = ${lit()}`;
        case 'ne':
          return `${c} <> ${lit()}`;
        case 'lt':
          return `${c} < ${lit()}`;
        case 'lte':
          return `${c} <= ${lit()}`;
        case 'gt':
          return `${c} > ${lit()}`;
        case 'gte':
          return `${c} >= ${lit()}`;
        case 'in':
          return `${c} IN (${list()})`;
        case 'notIn':
          return `${c} NOT IN (${list()})`;
        case 'contains':
          return `contains(${c}, ${sqlLiteral('string', x)})`;
        case 'startsWith':
          return `starts_with(${c}, ${sqlLiteral('string', x)})`;
        case 'endsWith':
          return `ends_with(${c}, ${sqlLiteral('string', x)})`;
        case 'isNull':
          return x ? `${c} IS NULL` : `${c} IS NOT NULL`;
        default:
          throw new Error(`no SQL for operator ${op}`);
      }
    });
    return `(${ops.join(' AND ')})`;
  });
  return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
}

type Leaf = fc.Arbitrary<Where>;
/** One condition on `field`: an operator of `ops` with a value (a list for in / notIn, a flag for isNull). */
export const leaf = (field: string, ops: readonly string[], value: fc.Arbitrary<unknown>): Leaf =>
  fc
    .constantFrom(...ops)
    .chain((op) =>
      (op === 'in' || op === 'notIn' ? fc.array(value, { minLength: 1, maxLength: 4 }) : op === 'isNull' ? fc.boolean() : value).map(
        (v) => ({ [field]: { [op]: v } }) as Where,
      ),
    );

/** A leaf, or AND / OR of a few, or NOT of one. */
export function combine(leaves: Leaf): fc.Arbitrary<Where> {
  return fc.oneof(
    { weight: 3, arbitrary: leaves },
    { weight: 1, arbitrary: fc.array(leaves, { minLength: 1, maxLength: 3 }).map((ws) => ({ AND: ws })) },
    { weight: 1, arbitrary: fc.array(leaves, { minLength: 1, maxLength: 3 }).map((ws) => ({ OR: ws })) },
    { weight: 1, arbitrary: leaves.map((w) => ({ NOT: w })) },
  );
}

const day = fc.integer({ min: 18_990, max: 20_450 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));

/** Conditions on orders v2 fields the contract lets callers filter (never email: the analyst's is hashed). */
export const ordersWhere: fc.Arbitrary<Where> = combine(
  fc.oneof(
    leaf('region', ['eq', 'ne', 'in', 'notIn'], fc.constantFrom('EU', 'US', 'APAC', 'LATAM')),
    leaf(
      'status',
      ['eq', 'ne', 'in', 'lt', 'gte', 'contains', 'startsWith'],
      fc.constantFrom('open', 'shipped', 'delivered', 'cancelled', 'returned', 'o', 'e'),
    ),
    leaf('total_amount', ['lt', 'gte', 'ne'], fc.integer({ min: 0, max: 2000 })),
    leaf('quantity', ['eq', 'in', 'lt', 'gt'], fc.integer({ min: 1, max: 12 })),
    leaf('currency', ['eq', 'in', 'notIn'], fc.constantFrom('EUR', 'USD', 'JPY', 'BRL')),
    leaf('order_date', ['lt', 'gte'], day),
    leaf('notes', ['contains', 'isNull'], fc.constantFrom('gift', 'door', '#1', 'Ü')),
  ),
);

/** Conditions on customers v1 fields, masked ones (name, email, lifetime_value for the analyst) included. */
export const customersWhere: fc.Arbitrary<Where> = combine(
  fc.oneof(
    leaf('country', ['eq', 'in', 'notIn'], fc.constantFrom('DE', 'FR', 'US', 'GB', 'JP', 'BR')),
    leaf('segment', ['eq', 'ne', 'in'], fc.constantFrom('consumer', 'smb', 'enterprise')),
    leaf('customer_id', ['lt', 'gte', 'in'], fc.integer({ min: 1, max: 20_600 }).map(String)),
    leaf('name', ['startsWith', 'contains', 'lt', 'gte'], fc.constantFrom('Ada', 'Zoë', 'Grac', 'Alan ', '*', 'H', 'Ö')),
    leaf('email', ['contains', 'isNull'], fc.constantFrom('@example.com', 'user1', '***@', 'acme')),
    leaf('lifetime_value', ['lt', 'gte', 'isNull'], fc.constantFrom(0, 500, 1000, 12_000, 25_000, 49_500)),
    leaf('is_active', ['eq'], fc.boolean()),
  ),
);

export type OrderBy = readonly Record<string, 'ASC' | 'DESC'>[];

export const orderByOf = (fields: readonly string[]): fc.Arbitrary<OrderBy> =>
  fc
    .uniqueArray(fc.constantFrom(...fields), { maxLength: 2 })
    .chain((fs) => fc.tuple(...fs.map((f) => fc.constantFrom('ASC' as const, 'DESC' as const).map((d) => ({ [f]: d })))));

export const gqlOrderBy = (ob: OrderBy) => `[${ob.map((o) => `{ ${Object.keys(o)[0]}: ${Object.values(o)[0]} }`).join(', ')}]`;

/** ORDER BY of a connection: orderBy as given, nulls last, then the primary key. */
export const sqlOrderBy = (ob: OrderBy, pk: string, alias = '') =>
  [
    ...ob.map((o) => `${alias}"${Object.keys(o)[0]}" ${Object.values(o)[0]} NULLS LAST`),
    ...(ob.some((o) => pk in o) ? [] : [`${alias}"${pk}" ASC`]),
  ].join(', ');
