// Writes the demo products' Parquet files, deterministically: the same rows,
// row groups and order on every run. The files are committed; this script is
// how they were made (DuckDB, a dev dependency, does the writing).
//
//   node scripts/generate-demo-data.mjs
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CUSTOMERS = 20_000;
const ORDERS_PER_FILE = 30_000;
const FILES = 2;

// A cheap integer mixer: deterministic pseudo-randomness without RNG state.
const mix = (x, salt) => `((((${x}) * 2654435761 + ${salt}) % 4294967296) // 7)`;

const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const c = await db.connect();

const customersDir = join(root, 'products/customers/data');
rmSync(customersDir, { recursive: true, force: true });
mkdirSync(customersDir, { recursive: true });
await c.run(`
COPY (
  SELECT
    i::BIGINT AS customer_id,
    (['Ada','Grace','Alan','Edsger','Barbara','Ken','Dennis','Margaret','Linus','Frances','Élodie','Søren','Zoë','Jürgen'])[1 + ${mix('i', 11)} % 14]
      || ' ' || (['Lovelace','Hopper','Turing','Dijkstra','Liskov','Thompson','Ritchie','Hamilton','Torvalds','Allen','Ng','Okafor','García','Müller'])[1 + ${mix('i', 17)} % 14] AS name,
    CASE WHEN ${mix('i', 23)} % 9 = 0 THEN NULL
         ELSE 'user' || i || '@' || (['example.com','mail.test','corp.example','acme.test'])[1 + ${mix('i', 29)} % 4] END AS email,
    (['DE','FR','US','GB','JP','BR','IN','NG','SE','ES'])[1 + ${mix('i', 31)} % 10] AS country,
    (['consumer','smb','enterprise'])[1 + ${mix('i', 37)} % 3] AS segment,
    (DATE '2015-01-01' + (${mix('i', 41)} % 3650)::INTEGER) AS signup_date,
    CASE WHEN ${mix('i', 43)} % 11 = 0 THEN NULL ELSE round((${mix('i', 47)} % 5000000) / 100.0, 2)::DOUBLE END AS lifetime_value,
    (${mix('i', 53)} % 4 <> 0) AS is_active,
    (TIMESTAMPTZ '2015-01-01 00:00:00+00' + to_seconds((${mix('i', 59)} % 315360000)::BIGINT)) AS updated_at
  FROM range(1, ${CUSTOMERS + 1}) t(i)
  ORDER BY customer_id
) TO '${customersDir}/customers.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);

const ordersDir = join(root, 'products/orders/data');
rmSync(ordersDir, { recursive: true, force: true });
mkdirSync(ordersDir, { recursive: true });
for (let f = 0; f < FILES; f++) {
  const lo = 1 + f * ORDERS_PER_FILE;
  const hi = lo + ORDERS_PER_FILE;
  await c.run(`
COPY (
  SELECT
    i::BIGINT AS order_id,
    (1 + ${mix('i', 101)} % ${CUSTOMERS + 500})::BIGINT AS customer_id,  -- some point at no customer
    (['EU','US','APAC','LATAM'])[1 + ${mix('i', 103)} % 4] AS region,
    (['open','shipped','delivered','cancelled','returned'])[1 + ${mix('i', 107)} % 5] AS status,
    round((${mix('i', 109)} % 200000) / 100.0, 2)::DOUBLE AS amount,
    (['EUR','USD','JPY','BRL'])[1 + ${mix('i', 113)} % 4] AS currency,
    (1 + ${mix('i', 127)} % 12)::INTEGER AS quantity,
    CASE WHEN ${mix('i', 131)} % 7 = 0 THEN NULL
         ELSE 'buyer' || (${mix('i', 137)} % 50000) || '@' || (['example.com','mail.test'])[1 + ${mix('i', 139)} % 2] END AS email,
    CASE WHEN ${mix('i', 149)} % 3 = 0 THEN NULL
         ELSE (['gift wrap','leave at door','fragile','call first','Ünïcode ✓ note'])[1 + ${mix('i', 151)} % 5] || ' #' || (${mix('i', 157)} % 997) END AS notes,
    (DATE '2022-01-01' + (i * 1461 // ${FILES * ORDERS_PER_FILE})::INTEGER) AS order_date,
    (TIMESTAMPTZ '2022-01-01 00:00:00+00' + to_seconds((i * 126230400 // ${FILES * ORDERS_PER_FILE}) + ${mix('i', 163)} % 3600)) AS created_at,
    CASE WHEN ${mix('i', 167)} % 13 = 0 THEN NULL ELSE (${mix('i', 173)} % 10 = 0) END AS is_gift
  FROM range(${lo}, ${hi}) t(i)
  ORDER BY order_id
) TO '${ordersDir}/part-${String(f).padStart(3, '0')}.parquet' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
}
console.log(`wrote ${CUSTOMERS} customers and ${FILES * ORDERS_PER_FILE} orders under products/*/data`);
