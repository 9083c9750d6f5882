import { DuckDBInstance } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoContract, openCounted, writeYaml, type CountedGateway } from './counting-gateway.js';

/**
 * Three deployments for metamorphic tests of row filters: their orders and
 * customers are identical in every row the analyst's row filters let
 * through (orders of regions EU and US, customers of segments consumer and
 * smb), and differ in the rows those filters hide.
 *
 * | deployment | hidden rows                                                                    | row-group layout |
 * |------------|--------------------------------------------------------------------------------|------------------|
 * | a          | the demo's APAC / LATAM orders and enterprise customers                         | —                |
 * | b          | the same rows at the same places, every value but the filtered column replaced | a's              |
 * | c          | more hidden rows (different counts), demo values                                | its own          |
 *
 * In b the hidden orders take values no visible order has (ids past
 * 1,000,000, amounts from 5,000, currencies XAU and CHF, status `lost`,
 * dates ten years back…), so row-group statistics and the engine's Bloom
 * filters of every column but `region` differ from a's; in c the hidden rows
 * are more numerous, so the row groups themselves are cut elsewhere. Each
 * deployment has the same files (names and number) and byte-identical
 * contracts, policies and config (cursor secret included), so an analyst
 * must get the same answer from all three, lineage included: any difference
 * is a hidden row showing through. Between a and b, which row groups an
 * analyst's scans read must be the same too (the layouts are equal).
 *
 * Files: orders part-000 holds visible orders only, by region (row groups of
 * EU alone, EU and US, US alone); part-001 every order of its id range by
 * id (visible and hidden interleaved); part-002 by region (groups of APAC
 * alone, mixed, …, US alone). Customers: part-000 by id (mixed), part-001
 * by segment (enterprise in a block).
 */
export const ANALYST_KEY = 'row-filter-twins-analyst-key';
export const ADMIN_KEY = 'row-filter-twins-admin-key';
export const ANALYST = { 'x-api-key': ANALYST_KEY };
export const ADMIN = { 'x-api-key': ADMIN_KEY };
/** The cursor secret all three share (cursors.secretEnv). */
const CURSOR_ENV = 'SLUICE_ROW_FILTER_TWINS_CURSOR_SECRET';

export type Twin = 'a' | 'b' | 'c';
export const TWINS: readonly Twin[] = ['a', 'b', 'c'];

/** Orders fields the analyst sees masked (e-mails to their domain, notes to their first four characters, is_gift null); amounts stay raw. Customers: name and email. */
export const ORDERS_MASKED = ['email', 'notes', 'is_gift'];

const ORDER_COLUMNS = [
  'order_id',
  'customer_id',
  'region',
  'status',
  'amount',
  'currency',
  'quantity',
  'email',
  'notes',
  'order_date',
  'created_at',
  'is_gift',
];
const CUSTOMER_COLUMNS = ['customer_id', 'name', 'email', 'country', 'segment', 'signup_date', 'lifetime_value', 'is_active', 'updated_at'];

/** b's hidden orders: the same region and place (pos), every other value out of the visible rows' ranges. */
const PERTURBED_ORDER = `
  (1000000 + (order_id * 7919) % 100000)::BIGINT AS order_id,
  (1 + (customer_id * 31 + 7) % 30000)::BIGINT AS customer_id,
  region,
  (['lost', 'open', 'held'])[1 + (order_id % 3)::INTEGER] AS status,
  (5000 + amount * 3)::DOUBLE AS amount,
  (['XAU', 'CHF'])[1 + (order_id % 2)::INTEGER] AS currency,
  (quantity + 100)::INTEGER AS quantity,
  'hidden' || order_id || '@secret.test' AS email,
  'secret ' || order_id AS notes,
  (order_date - INTERVAL 3650 DAY)::DATE AS order_date,
  created_at - INTERVAL 3650 DAY AS created_at,
  NOT coalesce(is_gift, FALSE) AS is_gift`;

const PERTURBED_CUSTOMER = `
  (1000000 + customer_id)::BIGINT AS customer_id,
  'Zed ' || customer_id AS name,
  'vip' || customer_id || '@secret.test' AS email,
  'ZZ' AS country,
  segment,
  (signup_date - INTERVAL 3650 DAY)::DATE AS signup_date,
  (1000000 + coalesce(lifetime_value, 0) * 10)::DOUBLE AS lifetime_value,
  NOT is_active AS is_active,
  updated_at - INTERVAL 3650 DAY AS updated_at`;

const DEMO_ORDERS = resolve('products/orders/data/*.parquet');
const DEMO_CUSTOMERS = resolve('products/customers/data/*.parquet');
const VISIBLE_ORDER = `region IN ('EU', 'US')`;
const VISIBLE_CUSTOMER = `segment IN ('consumer', 'smb')`;

/** Each twin's orders with `pos`, the place that orders rows in files (the demo id). */
function ordersOf(twin: Twin): string {
  const columns = ORDER_COLUMNS.join(', ');
  const visible = `SELECT order_id AS pos, ${columns} FROM read_parquet('${DEMO_ORDERS}') WHERE order_id % 2 = 0 AND ${VISIBLE_ORDER}`;
  const hiddenRows = (where: string) =>
    `FROM read_parquet('${DEMO_ORDERS}') WHERE NOT ${VISIBLE_ORDER} AND order_id > 20000 AND (${where})`;
  switch (twin) {
    case 'a':
      return `${visible} UNION ALL SELECT order_id AS pos, ${columns} ${hiddenRows('order_id % 2 = 0')}`;
    case 'b':
      return `${visible} UNION ALL SELECT order_id AS pos, ${PERTURBED_ORDER} ${hiddenRows('order_id % 2 = 0')}`;
    case 'c':
      return `${visible} UNION ALL SELECT order_id AS pos, ${columns} ${hiddenRows('order_id % 2 = 0 OR order_id % 5 = 1')}`;
  }
}

function customersOf(twin: Twin): string {
  const columns = CUSTOMER_COLUMNS.join(', ');
  const all = `read_parquet('${DEMO_CUSTOMERS}')`;
  const visible = `SELECT customer_id AS pos, ${columns} FROM ${all} WHERE ${VISIBLE_CUSTOMER}`;
  switch (twin) {
    case 'a':
      return `${visible} UNION ALL SELECT customer_id AS pos, ${columns} FROM ${all} WHERE NOT ${VISIBLE_CUSTOMER}`;
    case 'b':
      return `${visible} UNION ALL SELECT customer_id AS pos, ${PERTURBED_CUSTOMER} FROM ${all} WHERE NOT ${VISIBLE_CUSTOMER}`;
    case 'c':
      // Every hidden customer twice: the second under an id no order names.
      return `${visible} UNION ALL SELECT customer_id AS pos, ${columns} FROM ${all} WHERE NOT ${VISIBLE_CUSTOMER}
        UNION ALL SELECT customer_id + 0.5 AS pos, ${columns.replace('customer_id', '(2000000 + customer_id)::BIGINT AS customer_id')} FROM ${all} WHERE NOT ${VISIBLE_CUSTOMER}`;
  }
}

const ORDER_FILES = [
  { name: 'part-000.parquet', rows: `pos <= 20000`, order: 'region, pos' },
  { name: 'part-001.parquet', rows: `pos > 20000 AND pos <= 40000`, order: 'pos' },
  { name: 'part-002.parquet', rows: `pos > 40000`, order: 'region, pos' },
];
const CUSTOMER_FILES = [
  { name: 'part-000.parquet', rows: `pos <= 10000`, order: 'pos' },
  { name: 'part-001.parquet', rows: `pos > 10000`, order: 'segment, pos' },
];

/** Every field filterable and sortable (the tests filter and sort on fields the demo contracts keep closed); relationships kept. */
function openContract(product: string, major: number): Record<string, unknown> {
  const c = demoContract(product, major, './data/*.parquet') as Record<string, unknown> & { fields: Record<string, unknown>[] };
  return { ...c, fields: c.fields.map(({ filter: _f, sort: _s, ...f }) => f) };
}

const POLICIES: Record<string, unknown>[] = [
  {
    id: 'orders-analyst',
    version: 1,
    product: 'orders',
    when: { roles: ['analyst'] },
    allow: { fields: ['*'], aggregate: true },
    rowFilter: { region: { in: '$caller.regions' } },
    masks: { email: 'email_domain', notes: 'show_first_4', is_gift: 'null' },
    limits: { maxPageSize: 40 },
  },
  {
    id: 'customers-analyst',
    version: 1,
    product: 'customers',
    when: { roles: ['analyst'] },
    allow: { fields: ['*'], aggregate: true },
    rowFilter: { segment: { in: ['consumer', 'smb'] } },
    masks: { name: 'show_first_4', email: 'email_domain' },
  },
  { id: 'orders-admin', version: 1, product: 'orders', when: { roles: ['admin'] }, allow: { fields: ['*'], aggregate: true } },
  { id: 'customers-admin', version: 1, product: 'customers', when: { roles: ['admin'] }, allow: { fields: ['*'], aggregate: true } },
];

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface RowFilterTwins {
  readonly gateways: Record<Twin, CountedGateway>;
  /** `<dir>/<twin>/products/<product>/data/*.parquet` */
  readonly dir: string;
  readonly dataOf: (twin: Twin, product: 'orders' | 'customers') => string;
  close(): Promise<void>;
}

/** Writes the three deployments' files (DuckDB, one thread: row groups of exactly 2,048 rows). */
export async function writeRowFilterTwins(): Promise<{ dir: string; dataOf: RowFilterTwins['dataOf'] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-row-filter-twins-'));
  const dataOf = (twin: Twin, product: 'orders' | 'customers') => join(dir, twin, 'products', product, 'data');
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  try {
    await duck.run(`SET TimeZone = 'UTC'`);
    for (const twin of TWINS) {
      for (const [product, rows, files, columns] of [
        ['orders', ordersOf(twin), ORDER_FILES, ORDER_COLUMNS],
        ['customers', customersOf(twin), CUSTOMER_FILES, CUSTOMER_COLUMNS],
      ] as const) {
        mkdirSync(dataOf(twin, product), { recursive: true });
        for (const f of files) {
          await duck.run(`COPY (SELECT ${columns.join(', ')} FROM (${rows}) WHERE ${f.rows} ORDER BY ${f.order})
            TO '${join(dataOf(twin, product), f.name)}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
        }
      }
    }
  } finally {
    duck.closeSync();
  }
  return { dir, dataOf };
}

export async function openRowFilterTwins(): Promise<RowFilterTwins> {
  const { dir, dataOf } = await writeRowFilterTwins();
  process.env[CURSOR_ENV] ??= 'row-filter-twins-cursor-secret-0123456789';
  const gateways = {} as Record<Twin, CountedGateway>;
  for (const twin of TWINS) {
    const root = join(dir, twin);
    writeYaml(join(root, 'products', 'orders', 'v2.yaml'), openContract('orders', 2));
    writeYaml(join(root, 'products', 'customers', 'v1.yaml'), openContract('customers', 1));
    for (const p of POLICIES) writeYaml(join(root, 'policies', `${p['id'] as string}.yaml`), p);
    writeYaml(join(root, 'sluice.yaml'), {
      server: { introspection: true },
      products: './products',
      policies: './policies',
      cursors: { secretEnv: CURSOR_ENV },
      auth: {
        apiKeys: [
          { id: 'analyst', subject: 'ana', roles: ['analyst'], attributes: { regions: ['EU', 'US'] }, sha256: sha256(ANALYST_KEY) },
          { id: 'admin', subject: 'root', roles: ['admin'], sha256: sha256(ADMIN_KEY) },
        ],
      },
      masking: { hashKeyEnv: 'SLUICE_HASH_KEY' },
    });
    gateways[twin] = await openCounted(join(root, 'sluice.yaml'));
  }
  // The configs must be byte-identical: the cursor secret, contract hashes and everything else alike.
  const configs = new Set(TWINS.map((t) => readFileSync(join(dir, t, 'sluice.yaml'), 'utf8')));
  if (configs.size !== 1) throw new Error("the twins' configs differ");
  return {
    gateways,
    dir,
    dataOf,
    close: async () => {
      await Promise.all(TWINS.map((t) => gateways[t].engine.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
