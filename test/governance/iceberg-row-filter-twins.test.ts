import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IcebergTableWriter } from '../../scripts/lib/iceberg-writer/index.js';
import { comparableText, openDemo, type Demo } from '../support/demo.js';
import { writeYaml } from '../support/counting-gateway.js';

/**
 * Row-filter twins over Iceberg (SPEC §4, §10): two tables with the same
 * commits (so the same snapshot ids and times), identical in every row the
 * analyst's row filter lets through (regions EU and US), different in the
 * rows it hides (APAC: other values, nine times as many in three files
 * instead of one, and deletes of other rows in a second commit). An analyst must get byte-identical
 * responses from both, lineage included (ids, file names and etags aside,
 * which differ by design): any difference is a hidden row showing through
 * the answer, a count, the pruning, or the files and delete files listed.
 */
const ANALYST_KEY = 'iceberg-twins-analyst-key';
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

function writeDeployment(dir: string, tableDir: string): string {
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
  for (const [name, factor, salt] of [
    ['a', 1, 3],
    ['b', 3, 7],
  ] as const) {
    await writeTwin(join(root, name, 'table'), factor, salt);
    twins.push(await openDemo(writeDeployment(join(root, name), join(root, name, 'table'))));
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
];

describe('Iceberg row-filter twins', () => {
  it.each(QUERIES)('the analyst gets the same response from both twins: %s', async (query) => {
    const [a, b] = await Promise.all(twins.map((t) => t.query(query, undefined, { 'x-api-key': ANALYST_KEY })));
    expect(a!.errors?.[0]?.extensions?.['code'] ?? null).not.toBe('INTERNAL_SERVER_ERROR');
    expect(comparableText(JSON.stringify(b))).toBe(comparableText(JSON.stringify(a)));
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
