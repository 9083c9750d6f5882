import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IcebergTableWriter } from '../../scripts/lib/iceberg-writer/index.js';
import { comparableText, openDemo, type Demo } from '../support/demo.js';
import { CountingEngine, writeYaml } from '../support/counting-gateway.js';

/**
 * Row-filter twins over Iceberg (docs/policies.md, docs/iceberg.md): two tables with the same
 * commits (so the same snapshot ids and times), identical in every row the
 * analyst's row filter lets through (regions EU and US), different in the
 * rows it hides (APAC: other values, nine times as many in three files
 * instead of one, and deletes of other rows in a second commit). An analyst must get byte-identical
 * responses from both, lineage included (ids, file names and etags aside,
 * which differ by design): any difference is a hidden row showing through
 * the answer, a count, the pruning, or the files and delete files listed.
 *
 * A second product, `ledger`, is one unpartitioned data file whose row
 * groups hold visible rows only, visible and hidden rows mixed, or hidden
 * rows only, cut alike in both twins, the hidden rows' values far apart
 * (amounts and kinds): inside the file the scan prunes row groups by
 * statistics and Bloom filters, visits them best-first for a top-K and
 * counts from the footer, as for Parquet. Lineage withholds row-group
 * figures under a row filter, so here the operator's view is compared too
 * (the engine's scan reports: row groups and rows read per file): what is
 * read must not depend on hidden values either.
 */
const ANALYST_KEY = 'iceberg-twins-analyst-key';
const ADMIN_KEY = 'iceberg-twins-admin-key';
const CURSOR_ENV = 'SLUICE_ICEBERG_TWINS_CURSOR_SECRET';

async function writeTwin(dir: string, hiddenFactor: number, hiddenSalt: number): Promise<void> {
  const table = await IcebergTableWriter.create({
    dir,
    location: 's3://twins/warehouse/events',
    tableUuid: '0f0e0d0c-0b0a-4908-8706-050403020100',
    schema: {
      fields: [
        { id: 1, name: 'event_id', type: 'long', required: true },
        { id: 2, name: 'region', type: 'string', required: true },
        { id: 3, name: 'amount', type: 'double', required: false },
        { id: 4, name: 'kind', type: 'string', required: false },
      ],
      identifierFieldIds: [1],
    },
    partitionSpec: [{ name: 'region', sourceId: 2, transform: 'identity' }],
    createdMs: Date.parse('2026-01-01T00:00:00Z'),
  });
  const visible = `SELECT i::BIGINT AS event_id, (['EU', 'US'])[1 + i % 2] AS region, (i * 7 % 1000)::DOUBLE AS amount,
    (['a', 'b', 'c'])[1 + i % 3] AS kind FROM range(1, 400) t(i)`;
  const hidden = `SELECT (100000 + i)::BIGINT AS event_id, 'APAC' AS region, (i * ${hiddenSalt} % 5000)::DOUBLE AS amount,
    (['x', 'a', 'b'])[1 + i % 3] AS kind FROM range(1, ${100 * hiddenFactor}) t(i)`;
  // b's hidden rows come in as more files (one per write): the files a session is shown must not tell.
  const files = [...(await table.writeDataFiles(`${visible} UNION ALL ${hidden} ORDER BY event_id`))];
  for (let k = 1; k < hiddenFactor; k++)
    files.push(...(await table.writeDataFiles(`${hidden.replace('100000', `${100000 * (k + 1)}`)} ORDER BY event_id`)));
  await table.commit({ timestampMs: Date.parse('2026-01-02T00:00:00Z'), add: files });
  const eu = files.find((f) => f.partition[0] === 'EU')!;
  const apac = files.find((f) => f.partition[0] === 'APAC')!;
  await table.commit({
    timestampMs: Date.parse('2026-01-03T00:00:00Z'),
    equalityDeletes: [
      { columns: ['event_id'], rows: [[2n], [4n], [10n]], partitionOf: eu },
      {
        columns: ['event_id'],
        rows: Array.from({ length: hiddenFactor * 5 }, (_, k) => [BigInt(100001 + k * hiddenSalt)]),
        partitionOf: apac,
      },
    ],
  });
  await table.close();
}

/** Rows per row group of the ledger (DuckDB writes no smaller groups than one vector). */
const GROUP = 2048;

/**
 * The ledger: 6 row groups of event ids in order; groups 0–1 visible only
 * (EU, US), 2–3 mixed (even ids APAC), 4–5 APAC only. Visible amounts stay
 * below 900; hidden ones are below 100 in a and above 4000 in b; hidden
 * kinds are x in a and y in b. An equality delete removes two visible
 * rows (both twins) and hidden rows (others in each twin).
 */
async function writeLedger(dir: string, hiddenAmount: string, hiddenKind: string, hiddenDeleted: readonly bigint[]): Promise<void> {
  const table = await IcebergTableWriter.create({
    dir,
    location: 's3://twins/warehouse/ledger',
    tableUuid: '1f1e1d1c-1b1a-4918-8716-151413121110',
    schema: {
      fields: [
        { id: 1, name: 'event_id', type: 'long', required: true },
        { id: 2, name: 'region', type: 'string', required: true },
        { id: 3, name: 'amount', type: 'double', required: false },
        { id: 4, name: 'kind', type: 'string', required: false },
      ],
      identifierFieldIds: [1],
    },
    createdMs: Date.parse('2026-01-01T00:00:00Z'),
  });
  const hidden = `(i > ${4 * GROUP} OR (i > ${2 * GROUP} AND i % 2 = 0))`;
  const rows = `SELECT i::BIGINT AS event_id,
      CASE WHEN ${hidden} THEN 'APAC' ELSE (['EU', 'US'])[1 + i % 2] END AS region,
      CASE WHEN ${hidden} THEN (${hiddenAmount})::DOUBLE ELSE (i * 7 % 900)::DOUBLE END AS amount,
      CASE WHEN ${hidden} THEN '${hiddenKind}' ELSE (['a', 'b', 'c'])[1 + i % 3] END AS kind
    FROM range(1, ${6 * GROUP + 1}) t(i) ORDER BY event_id`;
  const files = await table.writeDataFiles(rows, { rowGroupSize: GROUP });
  await table.commit({ timestampMs: Date.parse('2026-01-02T00:00:00Z'), add: files });
  await table.commit({
    timestampMs: Date.parse('2026-01-03T00:00:00Z'),
    equalityDeletes: [{ columns: ['event_id'], rows: [[3n], [BigInt(GROUP + 5)], ...hiddenDeleted.map((id) => [id])] }],
  });
  await table.close();
}

function writeDeployment(dir: string, tableDir: string, ledgerDir: string): string {
  writeYaml(join(dir, 'products/ledger/v1.yaml'), {
    product: 'ledger',
    version: '1.0.0',
    status: 'active',
    owner: 'twins@example.com',
    source: { format: 'iceberg', location: ledgerDir },
    primaryKey: ['event_id'],
    fields: [
      { name: 'event_id', type: 'int64', nullable: false, classification: 'public' },
      { name: 'region', type: 'string', nullable: false, classification: 'public' },
      { name: 'amount', type: 'float64', nullable: true, classification: 'public' },
      { name: 'kind', type: 'string', nullable: true, classification: 'public' },
    ],
  });
  writeYaml(join(dir, 'policies/ledger-analyst.yaml'), {
    id: 'ledger-analyst',
    version: 1,
    product: 'ledger',
    when: { roles: ['analyst'] },
    allow: { fields: ['*'], aggregate: true },
    rowFilter: { region: { in: '$caller.regions' } },
  });
  writeYaml(join(dir, 'products/events/v1.yaml'), {
    product: 'events',
    version: '1.0.0',
    status: 'active',
    owner: 'twins@example.com',
    source: { format: 'iceberg', location: tableDir },
    primaryKey: ['event_id'],
    fields: [
      { name: 'event_id', type: 'int64', nullable: false, classification: 'public' },
      { name: 'region', type: 'string', nullable: false, classification: 'public' },
      { name: 'amount', type: 'float64', nullable: true, classification: 'public' },
      { name: 'kind', type: 'string', nullable: true, classification: 'public' },
    ],
  });
  writeYaml(join(dir, 'policies/events-analyst.yaml'), {
    id: 'events-analyst',
    version: 1,
    product: 'events',
    when: { roles: ['analyst'] },
    allow: { fields: ['*'], aggregate: true },
    rowFilter: { region: { in: '$caller.regions' } },
  });
  writeYaml(join(dir, 'policies/ledger-admin.yaml'), {
    id: 'ledger-admin',
    version: 1,
    product: 'ledger',
    when: { roles: ['admin'] },
    allow: { fields: ['*'], aggregate: true },
  });
  const file = join(dir, 'sluice.yaml');
  writeYaml(file, {
    products: './products',
    policies: './policies',
    cursors: { secretEnv: CURSOR_ENV },
    auth: {
      apiKeys: [
        {
          id: 'analyst',
          subject: 'ana',
          roles: ['analyst'],
          attributes: { regions: ['EU', 'US'] },
          sha256: createHash('sha256').update(ANALYST_KEY).digest('hex'),
        },
        { id: 'admin', subject: 'ada', roles: ['admin'], sha256: createHash('sha256').update(ADMIN_KEY).digest('hex') },
      ],
    },
  });
  return file;
}

let root: string;
const twins: Demo[] = [];
beforeAll(async () => {
  process.env[CURSOR_ENV] = 'iceberg-twins-cursor-secret-0123456789';
  root = mkdtempSync(join(tmpdir(), 'sluice-iceberg-twins-'));
  for (const [name, factor, salt, ledger] of [
    ['a', 1, 3, { amount: 'i % 100', kind: 'x', deleted: [4n * 2048n + 2n, 4n * 2048n + 9n] }],
    // As many hidden rows deleted in each: a delete file is reported (to operators) with its whole row count.
    ['b', 3, 7, { amount: '4000 + i % 1000', kind: 'y', deleted: [5n * 2048n + 1n, 4n * 2048n + 4n] }],
  ] as const) {
    await writeTwin(join(root, name, 'table'), factor, salt);
    await writeLedger(join(root, name, 'ledger'), ledger.amount, ledger.kind, ledger.deleted);
    const config = writeDeployment(join(root, name), join(root, name, 'table'), join(root, name, 'ledger'));
    twins.push(await openDemo(config, () => new CountingEngine()));
  }
}, 120_000);
afterAll(async () => {
  for (const t of twins) await t.engine.close();
  rmSync(root, { recursive: true, force: true });
  delete process.env[CURSOR_ENV];
});

const QUERIES = [
  '{ eventsV1(first: 20) { nodes { event_id region amount kind } totalCount pageInfo { endCursor hasNextPage } } }',
  '{ eventsV1(first: 5, where: { kind: { eq: "a" } }, orderBy: [{ amount: DESC }]) { nodes { event_id amount } totalCount } }',
  '{ eventsV1(first: 5, where: { amount: { gt: 990 } }) { nodes { event_id amount } totalCount } }',
  '{ eventsV1(first: 5, where: { region: { eq: "APAC" } }) { nodes { event_id } totalCount } }',
  '{ eventsV1(first: 5, where: { event_id: { in: [2, 3, 100001, 100004] } }) { nodes { event_id } totalCount } }',
  '{ eventsV1Aggregate(groupBy: [kind]) { key { kind } count sum { amount } max { amount } } }',
  '{ eventsV1(first: 3, asOf: { ref: "main" }) { nodes { event_id } } }',
  '{ eventsV1ByKey(event_id: 100004) { event_id } }',
  // Inside the ledger's file: statistics of mixed groups cover hidden amounts (below 100 in a, above 4000 in b; visible ones below 900).
  '{ ledgerV1(first: 5, where: { amount: { gt: 950 } }) { nodes { event_id amount } totalCount } }',
  '{ ledgerV1(first: 5, where: { amount: { gte: 900, lte: 3900 } }) { nodes { event_id amount } totalCount } }',
  // Best-first visiting for a top-K: only bounds of visible rows may order the groups.
  '{ ledgerV1(first: 4, orderBy: [{ amount: DESC }]) { nodes { event_id amount } } }',
  '{ ledgerV1(first: 4, where: { kind: { eq: "b" } }, orderBy: [{ amount: ASC }]) { nodes { event_id amount } } }',
  // Bloom filters (built by the first lookup of kind, consulted by the second) know hidden kinds.
  '{ ledgerV1(first: 5, where: { kind: { eq: "y" } }) { nodes { event_id } totalCount } }',
  '{ ledgerV1(first: 5, where: { kind: { in: ["x", "y"] } }) { nodes { event_id } totalCount } }',
  '{ ledgerV1(first: 5, where: { kind: { eq: "x" } }) { nodes { event_id } totalCount } }',
  // Counts: from the footer only where every row is visible and none deleted.
  '{ ledgerV1(first: 1) { totalCount } }',
  '{ ledgerV1(first: 1, where: { amount: { gte: 0 } }) { totalCount } }',
  '{ ledgerV1Aggregate { count max { amount } min { amount } } }',
  // Again, now that earlier scans kept statistics of the visible rows of the groups they decoded.
  '{ ledgerV1(first: 5, where: { amount: { gt: 950 } }) { nodes { event_id amount } totalCount } }',
  '{ ledgerV1(first: 4, orderBy: [{ amount: DESC }]) { nodes { event_id amount } } }',
];

/** What an engine's scans since its last reset read, as operators see it: per scan, per file in order, row groups and rows (names differ by design). */
function reads(engine: CountingEngine): string[] {
  return engine.scans
    .map(
      (s) =>
        `${s.product}: ${s.sources.map((f) => `${f.role ?? 'data'} ${f.rowGroupsScanned}/${f.rowGroupsTotal}g ${f.rowsScanned}r`).join(', ')}`,
    )
    .sort();
}

describe('Iceberg row-filter twins', () => {
  it.each(QUERIES)('the analyst gets the same response from both twins, and both read the same: %s', async (query) => {
    for (const t of twins) (t.engine as CountingEngine).reset();
    const [a, b] = await Promise.all(twins.map((t) => t.query(query, undefined, { 'x-api-key': ANALYST_KEY })));
    expect(a!.errors?.[0]?.extensions?.['code'] ?? null).not.toBe('INTERNAL_SERVER_ERROR');
    expect(comparableText(JSON.stringify(b))).toBe(comparableText(JSON.stringify(a)));
    const [readsA, readsB] = twins.map((t) => reads(t.engine as CountingEngine));
    expect(readsB).toEqual(readsA);
  });

  it('the ledger twins differ in what the row filter hides, and the admin reads them differently', async () => {
    const query = '{ ledgerV1(first: 5, where: { amount: { gt: 950 } }) { nodes { event_id } totalCount } }';
    for (const t of twins) (t.engine as CountingEngine).reset();
    const [a, b] = await Promise.all(twins.map((t) => t.query(query, undefined, { 'x-api-key': ADMIN_KEY })));
    expect(JSON.stringify(b!.data)).not.toBe(JSON.stringify(a!.data));
    const [readsA, readsB] = twins.map((t) => reads(t.engine as CountingEngine));
    // Without a row filter the statistics prune freely: a skips every group, b reads its hidden ones.
    expect(readsB).not.toEqual(readsA);
  });

  it('the twins do differ in what the row filter hides (an unfiltered count)', async () => {
    const counts = await Promise.all(
      twins.map(async (t) => {
        const engine = t.engine;
        const source = join(root, t === twins[0] ? 'a' : 'b', 'table');
        const snapshot = await engine.resolveSnapshot!(source, 'events');
        return snapshot;
      }),
    );
    // Same commits, so the same snapshot ids and times: what lineage shows of the table is the same.
    expect(counts[0]).toEqual(counts[1]);
    const { rows } = await twins[0]!.engine.execute({
      kind: 'count',
      input: {
        kind: 'scan',
        product: 'events',
        major: 1,
        version: '1.0.0',
        source: join(root, 'a', 'table'),
        fields: [],
        filters: [],
        table: { format: 'iceberg' },
      },
    });
    const { rows: rowsB } = await twins[1]!.engine.execute({
      kind: 'count',
      input: {
        kind: 'scan',
        product: 'events',
        major: 1,
        version: '1.0.0',
        source: join(root, 'b', 'table'),
        fields: [],
        filters: [],
        table: { format: 'iceberg' },
      },
    });
    expect(rows[0]!['count']).not.toEqual(rowsB[0]!['count']);
  });
});
