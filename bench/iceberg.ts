/**
 * Iceberg against Parquet on the bench's orders (npx tsx bench/iceberg.ts
 * [rows]; default 10,000,000): the same GraphQL queries, warm, against
 * orders v2 served from the Parquet files and from the Iceberg copy of the
 * same rows (bench/generate.ts: tag `parquet-equivalent`, read with asOf,
 * and the current snapshot, with its position and equality deletes), in
 * process (no HTTP), the three taking turns round by round (so a burst of
 * load on the shared machine falls on all of them), median of the rounds;
 * then the manifest and file pruning of a selective query. Both deployments
 * are configured alike (audit included) but for the orders' source. Prints
 * a table and writes it to BENCH_OUT (default bench/) iceberg-results.md;
 * speed is measured here, never asserted in tests.
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config/config.js';
import { createEngine } from '../src/server/create-engine.js';
import { createGateway } from '../src/server/create-gateway.js';
import { loadDeployment } from '../src/server/load-catalog.js';
import { IcebergTable } from '../src/engine/table/iceberg/table.js';
import { LocalSourceStore } from '../src/engine/storage/source-files.js';
import { Expr } from '../src/plan/expr.js';
import { ensureData, REPO } from './generate.js';

const rows = Number(process.argv[2] ?? 10_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const data = await ensureData(rows, (s) => console.error(s), { iceberg: true });

/** The bench deployment with orders v2 read from the Iceberg table. */
function icebergDeployment(): string {
  const dir = join(data.dir, 'iceberg-deployment');
  const config = parse(readFileSync(data.config, 'utf8')) as Record<string, unknown>;
  const contract = parse(readFileSync(join(data.dir, 'products/orders/v2.yaml'), 'utf8')) as Record<string, unknown>;
  mkdirSync(join(dir, 'products/orders'), { recursive: true });
  cpSync(join(data.dir, 'products/customers'), join(dir, 'products/customers'), { recursive: true });
  writeFileSync(
    join(dir, 'products/orders/v2.yaml'),
    stringify({ ...contract, source: { format: 'iceberg', location: data.icebergOrders } }),
  );
  writeFileSync(
    join(dir, 'sluice.yaml'),
    stringify({ ...config, products: './products', policies: join(data.dir, 'policies'), audit: { file: join(dir, 'audit.log') } }),
  );
  return join(dir, 'sluice.yaml');
}

async function gateway(file: string) {
  const config = loadConfig(file);
  const engine = createEngine(config);
  const gw = createGateway({ config, ...(await loadDeployment(config, engine, { secrets: 'optional' })), engine, today: '2026-11-21' });
  await engine.ready();
  return async (query: string) => {
    const res = await gw.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'demo-admin-key' },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
}

const mid = Math.floor(rows / 2);
const QUERIES: Record<string, (asOf: string) => string> = {
  'page by key': (asOf) =>
    `{ ordersV2(first: 50, where: { order_id: { gte: "${mid}" } }${asOf}) { nodes { order_id status total_amount } } }`,
  'filter + top 20': (asOf) =>
    `{ ordersV2(where: { region: { eq: "EU" }, total_amount: { gt: 1990 } }, orderBy: [{ total_amount: DESC }], first: 20${asOf}) { nodes { order_id total_amount } } }`,
  'filtered count': (asOf) => `{ ordersV2(first: 1, where: { status: { eq: "shipped" } }${asOf}) { totalCount } }`,
  count: (asOf) => `{ ordersV2(first: 1${asOf}) { totalCount } }`,
};

/** Median time of each run, the runs taking turns (after two warm-up turns). */
async function medians(runs: readonly (() => Promise<void>)[]): Promise<number[]> {
  for (const run of runs) {
    await run();
    await run();
  }
  const times = runs.map((): number[] => []);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [k, run] of runs.entries()) {
      const t = performance.now();
      await run();
      times[k]!.push(performance.now() - t);
    }
  }
  return times.map((ts) => ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)]!);
}

const parquet = await gateway(data.config);
const iceberg = await gateway(icebergDeployment());
const out: string[] = [];
const print = (line: string) => {
  console.log(line);
  out.push(line);
};
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
print(`# Bench — the orders as an Apache Iceberg table against the same rows as Parquet\n`);
print(
  `${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores, load average ${load} at the start; \`npm run bench:iceberg -- ${rows}\` (bench/iceberg.ts). Times in ms: the whole GraphQL request in process, warm, the three columns taking turns, median of ${ROUNDS} rounds. The target (issue 14): Iceberg within 1.1× of Parquet.\n`,
);
print(
  `| query (${rows.toLocaleString('en')} orders, warm, median of ${ROUNDS}) | Parquet ms | Iceberg, same rows (tag) ms | ratio | Iceberg, current snapshot (deletes) ms | ratio |`,
);
print('|---|---|---|---|---|---|');
for (const [name, q] of Object.entries(QUERIES)) {
  const [p, t, c] = (await medians([
    () => parquet(q('')),
    () => iceberg(q(', asOf: { ref: "parquet-equivalent" }')),
    () => iceberg(q('')),
  ])) as [number, number, number];
  print(`| ${name} | ${p.toFixed(1)} | ${t.toFixed(1)} | ${(t / p).toFixed(2)}× | ${c.toFixed(1)} | ${(c / p).toFixed(2)}× |`);
}

// Pruning: a selective key range in the current snapshot.
const table = await IcebergTable.open(data.icebergOrders, { store: new LocalSourceStore(0) });
const fields = [{ name: 'order_id', column: 'order_id' }];
const filter = Expr.and([Expr.compare('order_id', 'gte', BigInt(mid)), Expr.compare('order_id', 'lt', BigInt(mid + 1000))]);
const plan = await table.planScan({ snapshot: table.snapshot(), fields, filter });
const read = plan.files.filter((f) => f.pruned === undefined).length;
print(
  `\nPruning, order_id in [${mid}, ${mid + 1000}) in the current snapshot: manifests read ${plan.manifests.read} of ${plan.manifests.total}; data files read ${read} of ${plan.files.length}; delete files ${plan.deleteFiles.length}.`,
);
const dir = process.env.BENCH_OUT ?? join(REPO, 'bench');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'iceberg-results.md'), `${out.join('\n')}\n`);
process.exit(0);
