import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { comparableText, type GraphQLResponse } from './demo.js';
import { demoContract, openCounted, writeDeployment, writeYaml, type CountedGateway, type TestKey } from './counting-gateway.js';

/**
 * Twin deployments for metamorphic tests of masking across products (docs/policies.md:
 * "aggregates, relationship keys … on a masked field all operate on the
 * masked value"). A and B serve orders and customers that are identical
 * except for the raw values of masked fields, perturbed so that every masked
 * value stays the same while raw values (and so row-group statistics)
 * differ. Everything else — contracts (relationships included), policies,
 * keys — is byte-identical, so a masked, row-filtered caller must get the
 * same bytes from both for any request: any difference means a raw value
 * reached the answer through a join key, a group, an aggregate, a filter, a
 * sort, a cursor or statistics.
 *
 * | product   | field          | mask          | perturbation in B                         |
 * |-----------|----------------|---------------|-------------------------------------------|
 * | orders    | customer_id    | round: 10     | another id rounding to the same ten       |
 * | orders    | total_amount   | round: 100    | another amount rounding to the same 100   |
 * | orders    | order_date     | year          | another day of the same year              |
 * | orders    | notes          | show_first_4  | characters after the 4th replaced         |
 * | customers | name           | show_first_4  | characters after the 4th replaced         |
 * | customers | email          | email_domain  | local part replaced, domain kept          |
 * | customers | lifetime_value | round: 1000   | another value rounding to the same 1000   |
 * | customers | signup_date    | year          | another day of the same year              |
 *
 * Row filters (raw values, not perturbed): orders of the caller's regions
 * (EU, US), customers of segments consumer and smb.
 */
export const TWIN_KEY: TestKey = {
  id: 'twin-analyst',
  key: 'masked-twins-analyst-key',
  roles: ['analyst'],
  attributes: { regions: ['EU', 'US'] },
};
export const TWIN_CALLER = { 'x-api-key': TWIN_KEY.key };

const mix = (key: string, salt: number) => `(hash(${key} * 1000 + ${salt}) % 1000000)::BIGINT`;

const ORDERS_PERTURBED = `
  greatest(0, (customer_id + 5) // 10 * 10 + (${mix('order_id', 1)} % 10) - 5)::BIGINT AS customer_id,
  greatest(0.0, round(amount / 100) * 100 + ((${mix('order_id', 3)} % 9801) - 4900) / 100.0)::DOUBLE AS amount,
  make_date(year(order_date), (1 + ${mix('order_id', 6)} % 12)::INTEGER, (1 + ${mix('order_id', 7)} % 28)::INTEGER) AS order_date,
  CASE WHEN notes IS NULL THEN NULL ELSE left(notes, 4) || repeat(chr((97 + ${mix('order_id', 4)} % 26)::INTEGER), greatest(length(notes) - 4, 0)) END AS notes`;

const CUSTOMERS_PERTURBED = `
  left(name, 4) || repeat(chr((97 + ${mix('customer_id', 11)} % 26)::INTEGER), greatest(length(name) - 4, 0)) AS name,
  CASE WHEN email IS NULL THEN NULL ELSE 'p' || md5(customer_id::VARCHAR)[1:1 + ${mix('customer_id', 12)} % 10] || substr(email, strpos(email, '@')) END AS email,
  CASE WHEN lifetime_value IS NULL THEN NULL
       ELSE greatest(0.0, round(lifetime_value / 1000) * 1000 + ((${mix('customer_id', 13)} % 99801) - 49900) / 100.0) END::DOUBLE AS lifetime_value,
  make_date(year(signup_date), (1 + ${mix('customer_id', 14)} % 12)::INTEGER, (1 + ${mix('customer_id', 15)} % 28)::INTEGER) AS signup_date`;

/** Every field filterable and sortable, so requests may filter and sort on masked fields. */
function openContract(product: string, major: number): Record<string, unknown> {
  const c = demoContract(product, major, './data/*.parquet') as Record<string, unknown> & { fields: Record<string, unknown>[] };
  return { ...c, fields: c.fields.map(({ filter: _f, sort: _s, ...f }) => f) };
}

export interface Twins {
  readonly a: CountedGateway;
  readonly b: CountedGateway;
  /** `<dir>/<a|b>/products/<product>/data/*.parquet` */
  readonly dir: string;
  close(): Promise<void>;
}

export async function openTwins(): Promise<Twins> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-masked-twins-'));
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  await duck.run(`SET TimeZone = 'UTC'`);
  const orders = resolve('products/orders/data/*.parquet');
  const customers = resolve('products/customers/data/*.parquet');
  const gateways: CountedGateway[] = [];
  for (const twin of ['a', 'b'] as const) {
    const root = join(dir, twin);
    const data = (p: string) => join(root, 'products', p, 'data');
    mkdirSync(data('orders'), { recursive: true });
    mkdirSync(data('customers'), { recursive: true });
    // Every fourth order in two files, every customer in one: several row groups each (DuckDB cuts at 2,048 rows with one thread).
    for (const [name, rows] of [
      ['part-000.parquet', 'order_id % 4 = 0 AND order_id <= 30000'],
      ['part-001.parquet', 'order_id % 4 = 0 AND order_id > 30000'],
    ]) {
      await duck.run(`COPY (SELECT ${twin === 'a' ? '*' : `* REPLACE (${ORDERS_PERTURBED})`} FROM read_parquet('${orders}') WHERE ${rows} ORDER BY order_id)
        TO '${join(data('orders'), name!)}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    }
    await duck.run(`COPY (SELECT ${twin === 'a' ? '*' : `* REPLACE (${CUSTOMERS_PERTURBED})`} FROM read_parquet('${customers}') ORDER BY customer_id)
      TO '${join(data('customers'), 'customers.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    writeYaml(join(root, 'products', 'orders', 'v2.yaml'), openContract('orders', 2));
    writeYaml(join(root, 'products', 'customers', 'v1.yaml'), openContract('customers', 1));
    const config = writeDeployment(root, {
      products: './products',
      keys: [TWIN_KEY],
      policies: {
        'orders-twin': {
          id: 'orders-twin',
          version: 1,
          product: 'orders',
          when: { roles: ['analyst'] },
          allow: { fields: ['*'], aggregate: true },
          rowFilter: { region: { in: '$caller.regions' } },
          masks: { customer_id: { round: 10 }, total_amount: { round: 100 }, order_date: 'year', notes: 'show_first_4' },
        },
        'customers-twin': {
          id: 'customers-twin',
          version: 1,
          product: 'customers',
          when: { roles: ['analyst'] },
          allow: { fields: ['*'], aggregate: true },
          rowFilter: { segment: { in: ['consumer', 'smb'] } },
          masks: { name: 'show_first_4', email: 'email_domain', lifetime_value: { round: 1000 }, signup_date: 'year' },
        },
      },
    });
    gateways.push(await openCounted(config));
  }
  duck.closeSync();
  const [a, b] = gateways as [CountedGateway, CountedGateway];
  return { a, b, dir, close: async () => void (await Promise.all([a.engine.close(), b.engine.close()])) };
}

/** A response without what differs between deployments by design (see comparable in demo.ts). */
export const comparable = (res: GraphQLResponse): string => comparableText(JSON.stringify(res));

/**
 * One request to both twins as the masked caller: their comparable answers,
 * and what their scans read. Lineage withholds row-group figures from a
 * row-filtered caller, so the reads are compared on the operators' side: a
 * raw value of a masked field that decided what is read would show there.
 */
export async function askTwins(
  twins: Twins,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ a: string; b: string; readsA: string[]; readsB: string[] }> {
  twins.a.engine.reset();
  twins.b.engine.reset();
  const [a, b] = await Promise.all([twins.a.query(query, variables, TWIN_CALLER), twins.b.query(query, variables, TWIN_CALLER)]);
  return { a: comparable(a), b: comparable(b), readsA: twins.a.engine.reads(), readsB: twins.b.engine.reads() };
}
