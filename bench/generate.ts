/**
 * The benchmark's data: orders and customers, deterministic (every value a
 * function of the row number), written once by DuckDB to
 * `bench/.cache/<rows>/` and reused by later runs. Orders are sorted by
 * their primary key, in files of at most 1,000,000 rows cut into row groups
 * of 125,000 (one DuckDB thread, so groups come out exactly that size).
 *
 * Next to the data: a deployment that reuses the demo's contracts and
 * policies with `source.location` pointing at the generated files
 * (`sluice.yaml`, `products/`, `policies/`).
 *
 * And the same orders as an Apache Iceberg table, `iceberg/orders/`
 * (written once by scripts/lib/iceberg-writer, unpartitioned, recorded at
 * `s3://sluice-bench/warehouse/orders`):
 *   1. append: the Parquet files above, rewritten with Iceberg field ids
 *      (same rows, same row groups): tag `parquet-equivalent`, the rows of
 *      the plain Parquet exactly
 *   2. append: rows/200 new orders (ids after the last), one file
 *   3. delete: position deletes of every order with order_id % 1000 = 7
 *      (one delete file, about rows/1000 positions)
 *   4. delete: an equality delete on customer_id erasing 20 customers'
 *      orders (customer ids 1000, 2000, …, 20000 scaled to the customers)
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IcebergTableWriter, type SchemaField, type TableFile } from '../scripts/lib/iceberg-writer/index.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchData {
  readonly rows: number;
  readonly customers: number;
  readonly dir: string;
  readonly config: string;
  /** DuckDB globs of the Parquet files. */
  readonly ordersGlob: string;
  readonly customersGlob: string;
  readonly files: number;
  readonly rowGroupSize: number;
  readonly bytes: number;
  /** The Iceberg table of the same orders (its root folder). */
  readonly icebergOrders: string;
}

const ROWS_PER_FILE = 1_000_000;
const ROW_GROUP_SIZE = 125_000;
/** Bump when the generator's output changes, so old caches are not reused. */
const FORMAT = 1;
/** The same for the Iceberg table (its own marker: the Parquet is not regenerated when only the table changes). */
const ICEBERG_FORMAT = 1;

const mix = (x: string, salt: number) => `((((${x}) * 2654435761 + ${salt}) % 4294967296) // 7)`;

export interface EnsureOptions {
  /** Also write the Iceberg copy of the orders (bench:iceberg and its test need it; the other benches do not). */
  readonly iceberg?: boolean;
}

export async function ensureData(
  rows: number,
  progress: (s: string) => void = () => undefined,
  options: EnsureOptions = {},
): Promise<BenchData> {
  const customers = Math.max(1000, Math.round(rows / 50));
  // BENCH_CACHE: where generated data (and the bench deployment's audit log) live; tests point it at a temporary folder.
  const dir = join(process.env.BENCH_CACHE ?? join(REPO, 'bench/.cache'), `orders-${rows}`);
  const files = Math.ceil(rows / ROWS_PER_FILE);
  const done = join(dir, `done-v${FORMAT}`);
  const data: BenchData = {
    rows,
    customers,
    dir,
    config: join(dir, 'sluice.yaml'),
    ordersGlob: join(dir, 'data/orders/*.parquet'),
    customersGlob: join(dir, 'data/customers/*.parquet'),
    files,
    rowGroupSize: ROW_GROUP_SIZE,
    bytes: 0,
    icebergOrders: join(dir, 'iceberg/orders'),
  };
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    await generate(data, progress);
    writeFileSync(done, new Date().toISOString());
  } else {
    progress(`data: reusing ${dir}`);
  }
  if (options.iceberg === true) await ensureIcebergOrders(data, progress);
  writeDeployment(data);
  const size = (d: string) => readdirSync(d).reduce((n, f) => n + readFileSync(join(d, f)).byteLength, 0);
  return { ...data, bytes: size(join(dir, 'data/orders')) + size(join(dir, 'data/customers')) };
}

async function generate(d: BenchData, progress: (s: string) => void): Promise<void> {
  mkdirSync(join(d.dir, 'data/orders'), { recursive: true });
  mkdirSync(join(d.dir, 'data/customers'), { recursive: true });
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  const t0 = Date.now();
  progress(`data: generating ${d.customers.toLocaleString('en')} customers…`);
  await c.run(`
COPY (
  SELECT
    i::BIGINT AS customer_id,
    (['Ada','Grace','Alan','Edsger','Barbara','Ken','Dennis','Margaret','Linus','Frances','Élodie','Søren','Zoë','Jürgen'])[1 + ${mix('i', 11)} % 14]
      || ' ' || (['Lovelace','Hopper','Turing','Dijkstra','Liskov','Thompson','Ritchie','Hamilton','Torvalds','Allen','Ng','Okafor','García','Müller'])[1 + ${mix('i', 17)} % 14] AS name,
    CASE WHEN ${mix('i', 23)} % 9 = 0 THEN NULL ELSE 'user' || i || '@' || (['example.com','mail.test','corp.example','acme.test'])[1 + ${mix('i', 29)} % 4] END AS email,
    (['DE','FR','US','GB','JP','BR','IN','NG','SE','ES'])[1 + ${mix('i', 31)} % 10] AS country,
    (['consumer','smb','enterprise'])[1 + ${mix('i', 37)} % 3] AS segment,
    (DATE '2015-01-01' + (${mix('i', 41)} % 3650)::INTEGER) AS signup_date,
    CASE WHEN ${mix('i', 43)} % 11 = 0 THEN NULL ELSE round((${mix('i', 47)} % 5000000) / 100.0, 2)::DOUBLE END AS lifetime_value,
    (${mix('i', 53)} % 4 <> 0) AS is_active,
    (TIMESTAMPTZ '2015-01-01 00:00:00+00' + to_seconds((${mix('i', 59)} % 315360000)::BIGINT)) AS updated_at
  FROM range(1, ${d.customers + 1}) t(i)
  ORDER BY customer_id
) TO '${join(d.dir, 'data/customers/customers.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE ${Math.min(ROW_GROUP_SIZE, 65_536)})`);
  for (let f = 0; f < d.files; f++) {
    const lo = 1 + f * ROWS_PER_FILE;
    const hi = Math.min(d.rows, lo + ROWS_PER_FILE - 1) + 1;
    progress(
      `data: orders file ${f + 1}/${d.files} (rows ${lo.toLocaleString('en')}–${(hi - 1).toLocaleString('en')}), ${((Date.now() - t0) / 1000).toFixed(0)} s so far`,
    );
    await c.run(
      `COPY (${ordersSelect(d, lo, hi)}) TO '${join(d.dir, `data/orders/part-${String(f).padStart(3, '0')}.parquet`)}' (FORMAT parquet, ROW_GROUP_SIZE ${ROW_GROUP_SIZE})`,
    );
  }
  c.closeSync();
  progress(`data: ${d.rows.toLocaleString('en')} orders written in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** The orders as Iceberg fields: ids in column order; required where orders v2 declares the field non-null. */
const ORDER_FIELDS: SchemaField[] = [
  { id: 1, name: 'order_id', type: 'long', required: true },
  { id: 2, name: 'customer_id', type: 'long', required: true },
  { id: 3, name: 'region', type: 'string', required: true },
  { id: 4, name: 'status', type: 'string', required: true },
  { id: 5, name: 'amount', type: 'double', required: true },
  { id: 6, name: 'currency', type: 'string', required: true },
  { id: 7, name: 'quantity', type: 'int', required: true },
  { id: 8, name: 'email', type: 'string', required: false },
  { id: 9, name: 'notes', type: 'string', required: false },
  { id: 10, name: 'order_date', type: 'date', required: true },
  { id: 11, name: 'created_at', type: 'timestamptz', required: true },
  { id: 12, name: 'is_gift', type: 'boolean', required: false },
];

/** The orders as an Iceberg table (the story is in this file's first comment); written once, like the Parquet. */
async function ensureIcebergOrders(d: BenchData, progress: (s: string) => void): Promise<void> {
  const done = join(d.dir, `iceberg/done-v${ICEBERG_FORMAT}`);
  if (existsSync(done)) {
    progress(`data: reusing the Iceberg orders in ${d.icebergOrders}`);
    return;
  }
  rmSync(join(d.dir, 'iceberg'), { recursive: true, force: true });
  const t0 = Date.now();
  const at = (hours: number) => Date.UTC(2026, 0, 1) + hours * 3_600_000;
  const table = await IcebergTableWriter.create({
    dir: d.icebergOrders,
    location: 's3://sluice-bench/warehouse/orders',
    tableUuid: '9d4c2b7a-1e3f-4a5b-8c6d-7e8f9a0b1c2d',
    schema: { fields: ORDER_FIELDS, identifierFieldIds: [1] },
    createdMs: at(0),
  });
  try {
    const parts = readdirSync(join(d.dir, 'data/orders'))
      .filter((f) => f.endsWith('.parquet'))
      .sort();
    const first: TableFile[] = [];
    for (const [i, part] of parts.entries()) {
      progress(`data: Iceberg orders, file ${i + 1}/${parts.length} rewritten with field ids`);
      const source = join(d.dir, 'data/orders', part);
      first.push(...(await table.writeDataFiles(`SELECT * FROM read_parquet('${source}')`, { rowGroupSize: ROW_GROUP_SIZE })));
    }
    const s1 = await table.commit({ timestampMs: at(1), add: first });
    await table.tag('parquet-equivalent', s1.snapshotId, at(1));

    const appended = Math.max(1000, Math.round(d.rows / 200));
    const more = await table.writeDataFiles(ordersSelect(d, d.rows + 1, d.rows + appended + 1), { rowGroupSize: ROW_GROUP_SIZE });
    await table.commit({ timestampMs: at(2), add: more });

    progress('data: Iceberg orders, position deletes');
    const positions = await Promise.all(
      table.dataFiles().map(async (file) => ({ file, positions: await table.positionsWhere(file, 'order_id % 1000 = 7') })),
    );
    await table.commit({ timestampMs: at(3), positionDeletes: positions });

    const step = Math.floor(d.customers / 20);
    const erased = Array.from({ length: 20 }, (_, k) => [BigInt((k + 1) * step)]);
    await table.commit({ timestampMs: at(4), equalityDeletes: [{ columns: ['customer_id'], rows: erased }] });
    const history = table.history();
    writeFileSync(
      done,
      `${JSON.stringify({ written: new Date().toISOString(), seconds: (Date.now() - t0) / 1000, snapshots: history.map((s) => ({ id: String(s.snapshotId), operation: s.operation, summary: s.summary })) }, null, 2)}\n`,
    );
    progress(`data: Iceberg orders (${history.length} snapshots) written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await table.close();
  }
}

/**
 * Orders [lo, hi) of a dataset of `d.rows` orders. Emails: about rows/5
 * distinct values spread over every row group (a point lookup cannot
 * prune); notes: low cardinality with a free-text tail.
 */
function ordersSelect(d: Pick<BenchData, 'rows' | 'customers'>, lo: number, hi: number): string {
  return `
SELECT
    i::BIGINT AS order_id,
    (1 + ${mix('i', 101)} % ${d.customers + Math.round(d.customers / 40)})::BIGINT AS customer_id,
    (['EU','US','APAC','LATAM'])[1 + ${mix('i', 103)} % 4] AS region,
    (['open','shipped','delivered','cancelled','returned'])[1 + ${mix('i', 107)} % 5] AS status,
    round((${mix('i', 109)} % 200000) / 100.0, 2)::DOUBLE AS amount,
    (['EUR','USD','JPY','BRL'])[1 + ${mix('i', 113)} % 4] AS currency,
    (1 + ${mix('i', 127)} % 12)::INTEGER AS quantity,
    CASE WHEN ${mix('i', 131)} % 7 = 0 THEN NULL
         ELSE 'buyer' || (${mix('i', 137)} % ${Math.max(1000, Math.round(d.rows / 5))}) || '@' || (['example.com','mail.test'])[1 + ${mix('i', 139)} % 2] END AS email,
    CASE WHEN ${mix('i', 149)} % 3 = 0 THEN NULL
         ELSE (['gift wrap','leave at door','fragile','call first','Ünïcode ✓ note'])[1 + ${mix('i', 151)} % 5] || ' #' || (${mix('i', 157)} % 997) END AS notes,
    (DATE '2022-01-01' + (i * 1461 // ${d.rows + 1})::INTEGER) AS order_date,
    (TIMESTAMPTZ '2022-01-01 00:00:00+00' + to_seconds((i * 126230400 // ${d.rows + 1}) + ${mix('i', 163)} % 3600)) AS created_at,
    CASE WHEN ${mix('i', 167)} % 13 = 0 THEN NULL ELSE (${mix('i', 173)} % 10 = 0) END AS is_gift
  FROM range(${lo}, ${hi}) t(i)
  ORDER BY order_id`;
}

/** The demo deployment with its sources moved to the generated files. */
function writeDeployment(d: BenchData): void {
  const at = (p: string) => join(d.dir, p);
  for (const [product, major] of [
    ['orders', 2],
    ['customers', 1],
  ] as const) {
    mkdirSync(at(`products/${product}`), { recursive: true });
    const yaml = readFileSync(join(REPO, `products/${product}/v${major}.yaml`), 'utf8');
    const moved = yaml.replace(/location: .*/, `location: ${at(`data/${product}`)}/*.parquet`);
    if (moved === yaml) throw new Error(`products/${product}/v${major}.yaml has no source.location`);
    writeFileSync(at(`products/${product}/v${major}.yaml`), moved);
  }
  mkdirSync(at('policies'), { recursive: true });
  // The policies of the products served here (the demo's order_events is not).
  for (const f of readdirSync(join(REPO, 'policies')).filter((f) => /^(orders|customers)-.*\.yaml$/.test(f)))
    copyFileSync(join(REPO, 'policies', f), at(`policies/${f}`));
  // The demo's config minus its persisted manifest (it names orders v1, not served here); audit next to the data.
  let config = readFileSync(join(REPO, 'sluice.yaml'), 'utf8')
    .replace(/^persisted:.*\n/m, '')
    .replace(/^(\s*)file: \.\/audit\.log.*$/m, `$1file: ${at('audit.log')}`);
  // Past 10M orders the demo's limits (sized for it) would refuse the bench's full scans (the group-by reads
  // every row): a deployment serving more rows sizes its limits to them, and so does the bench's.
  const scale = d.rows / 10_000_000;
  if (scale > 1)
    config = config
      .replace(/^(\s*)timeoutMs: \d+/m, `$1timeoutMs: ${Math.round(30_000 * scale)}`)
      .replace(/^(\s*maxRowsScanned:) \d+/m, `$1 ${Math.round(100_000_000 * scale)}`)
      .replace(/^(\s*maxBytesRead:) \d+/m, `$1 ${Math.round(2 ** 31 * scale)}`)
      .replace(/^(\s*maxMemoryBytes:) \d+/m, `$1 ${Math.round(2 ** 32 * scale)}`);
  writeFileSync(d.config, config);
}
