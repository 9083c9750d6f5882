import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { openDemo, type Demo, type GraphQLResponse } from '../support/demo.js';
import { allColumns, DuckOracle, openTable } from '../engine/table/iceberg/support.js';
import type { IcebergTable } from '../../src/engine/table/iceberg/table.js';

/**
 * The demo's Iceberg product (products/order_events) through GraphQL, held
 * to DuckDB reading the same data files with the deletes applied in SQL
 * (DuckOracle): every snapshot and tag, paged and unpaged; `asOf` by id,
 * tag and time; one snapshot per request; cursors pinned to the snapshot
 * they were minted on while the table moves on, and refused once it expired.
 */

const TABLE = resolve('products/order_events/table');
const FIELDS = 'event_id order_id event_time status region warehouse carrier parcels is_late';
let demo: Demo;
let table: IcebergTable;
let oracle: DuckOracle;

beforeAll(async () => {
  demo = await openDemo();
  table = await openTable(TABLE);
  oracle = await DuckOracle.open();
});
afterAll(async () => {
  oracle?.close();
  await demo?.engine.close();
});

type Node = Record<string, string | number | boolean | null>;

/** The snapshot lineage reports for the response's first product. */
function snapshotOf(res: GraphQLResponse): { id: string; timestamp: string } {
  return (res.extensions!['lineage'] as { products: { snapshot: { id: string; timestamp: string } }[] }).products[0]!.snapshot;
}

/** A GraphQL node as DuckDB prints the row (columns in schema order; timestamptz with +00, NULL for null). */
function printed(n: Node): string[] {
  return FIELDS.split(' ').map((f) => {
    const v = n[f];
    if (v === null || v === undefined) return 'NULL';
    if (f === 'event_time')
      return `${String(v)
        .replace('T', ' ')
        .replace(/\.000Z$/, '')
        .replace(/Z$/, '')}+00`;
    return String(v);
  });
}
const sorted = (rows: string[][]) => rows.sort((a, b) => (a.join('\t') < b.join('\t') ? -1 : a.join('\t') > b.join('\t') ? 1 : 0));

async function oracleRows(snapshotId: string): Promise<string[][]> {
  const plan = await table.planScan({ snapshot: table.snapshot({ snapshotId }), fields: allColumns(table) });
  return oracle.rows(table, plan);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response data is checked field by field below
type Data = Record<string, any>;

function ok(res: GraphQLResponse): Data {
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!;
}

/** Every row of a snapshot through the API, page by page. */
async function walk(d: Demo, asOf: string, pageSize: number, extra = ''): Promise<{ nodes: Node[]; snapshots: Set<string> }> {
  const nodes: Node[] = [];
  const snapshots = new Set<string>();
  let after: string | null = null;
  for (;;) {
    const res = await d.query(
      `query($after: String) { orderEventsV1(first: ${pageSize}, after: $after${asOf}${extra}) { nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    const page = ok(res)['orderEventsV1'];
    nodes.push(...page.nodes);
    snapshots.add(snapshotOf(res).id);
    if (!page.pageInfo.hasNextPage) return { nodes, snapshots };
    after = page.pageInfo.endCursor;
  }
}

describe('order_events through GraphQL', () => {
  it('every snapshot, by id, equals DuckDB over its data files with the deletes applied; totalCount and the aggregate agree', async () => {
    for (const snapshot of table.metadata.snapshots.values()) {
      const expected = await oracleRows(snapshot.id);
      const { nodes, snapshots } = await walk(demo, `, asOf: { snapshotId: "${snapshot.id}" }`, 500);
      expect(snapshots).toEqual(new Set([snapshot.id]));
      expect(sorted(nodes.map(printed)), `snapshot ${snapshot.id}`).toEqual(expected);
      const res = ok(
        await demo.query(
          `{ orderEventsV1(first: 1, asOf: { snapshotId: "${snapshot.id}" }) { totalCount } orderEventsV1Aggregate(groupBy: [status], asOf: { snapshotId: "${snapshot.id}" }) { key { status } count } }`,
        ),
      );
      expect(res['orderEventsV1'].totalCount).toBe(expected.length);
      const byStatus = new Map<string, number>();
      for (const r of expected) byStatus.set(r[3]!, (byStatus.get(r[3]!) ?? 0) + 1);
      expect(
        Object.fromEntries(
          (res['orderEventsV1Aggregate'] as { key: { status: string }; count: number }[]).map((g) => [g.key.status, g.count]),
        ),
      ).toEqual(Object.fromEntries(byStatus));
    }
  });

  it('the tags read their snapshots; without asOf the current one', async () => {
    for (const [ref, s] of table.metadata.refs) {
      const res = await demo.query(`{ orderEventsV1(first: 1, asOf: { ref: "${ref}" }) { totalCount } }`);
      expect(ok(res)['orderEventsV1'].totalCount).toBe((await oracleRows(s.snapshotId)).length);
      expect(snapshotOf(res).id).toBe(s.snapshotId);
    }
    const current = await demo.query('{ orderEventsV1(first: 1) { totalCount } }');
    // The current snapshot has position and equality deletes: lineage lists the data files and the deletes applied, no absolute path.
    const sources = (current.extensions!['lineage'] as { products: { sources: { uri: string; role?: string }[] }[] }).products[0]!.sources;
    const plan = await table.planScan({ snapshot: table.snapshot(), fields: allColumns(table) });
    expect(sources.filter((s) => s.role === undefined)).toHaveLength(plan.files.length);
    expect(sources.filter((s) => s.role === 'delete').length).toBeGreaterThanOrEqual(2);
    expect(sources.every((s) => !s.uri.startsWith('/') && s.uri.startsWith('products/order_events/table/data/'))).toBe(true);
    expect(snapshotOf(current)).toEqual({
      id: table.snapshot()!.id,
      timestamp: new Date(table.snapshot()!.timestampMs).toISOString(),
    });
  });

  it('asOf timestamp reads the last snapshot committed at or before it; a time before the first, two selectors or an unknown ref are BAD_USER_INPUT', async () => {
    const log = [...table.metadata.snapshots.values()].sort((a, b) => a.timestampMs - b.timestampMs);
    for (let i = 0; i < log.length; i++) {
      for (const t of [log[i]!.timestampMs, log[i]!.timestampMs + 1000, (log[i + 1]?.timestampMs ?? log[i]!.timestampMs + 2000) - 1]) {
        const res = await demo.query(`{ orderEventsV1(first: 1, asOf: { timestamp: "${new Date(t).toISOString()}" }) { totalCount } }`);
        expect(snapshotOf(res).id, new Date(t).toISOString()).toBe(log[i]!.id);
      }
    }
    const refused = async (asOf: string, words: RegExp) => {
      const res = await demo.query(`{ orderEventsV1(first: 1, asOf: ${asOf}) { totalCount } }`);
      expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(words);
    };
    await refused(`{ timestamp: "${new Date(log[0]!.timestampMs - 1).toISOString()}" }`, /no snapshot .* at or before/);
    await refused(`{ ref: "initial-load", snapshotId: "${log[0]!.id}" }`, /exactly one/);
    await refused('{ ref: "no-such-tag" }', /no-such-tag/);
    await refused('{ snapshotId: "42" }', /snapshot 42 does not exist/);
  });

  it('paging in any page size equals the unpaged order (where and orderBy with ties), all from one snapshot', async () => {
    const where = ', where: { region: { in: ["EU", "APAC"] } }, orderBy: [{ status: ASC }, { event_time: DESC }]';
    const asOf = ', asOf: { ref: "before-erasure" }';
    const whole = await walk(demo, asOf, 500, where);
    for (const size of [1, 7, 64]) {
      if (size === 1) {
        // 1-row pages over everything would take thousands of requests: the first 40 rows are enough to cross ties.
        const res = ok(await demo.query(`{ orderEventsV1(first: 40${asOf}${where}) { nodes { event_id } } }`));
        expect(res['orderEventsV1'].nodes.map((n: Node) => n['event_id'])).toEqual(whole.nodes.slice(0, 40).map((n) => n['event_id']));
        continue;
      }
      const paged = await walk(demo, asOf, size, where);
      expect(paged.nodes.map((n) => n['event_id'])).toEqual(whole.nodes.map((n) => n['event_id']));
    }
    const expected = (await oracleRows(table.metadata.refs.get('before-erasure')!.snapshotId)).filter((r) =>
      ['EU', 'APAC'].includes(r[4]!),
    );
    expect(sorted(whole.nodes.map(printed))).toEqual(expected);
  });
});

describe('a table that moves on', () => {
  let dir: string;
  let moving: Demo;
  const metadata = (d: string) => join(d, 'products/order_events/table/metadata');

  beforeAll(async () => {
    // A copy of the deployment whose table starts at metadata v5 (snapshot 3) and is committed to by copying v6.. in.
    dir = mkdtempSync(join(tmpdir(), 'sluice-iceberg-moving-'));
    cpSync('products', join(dir, 'products'), { recursive: true });
    cpSync('policies', join(dir, 'policies'), { recursive: true });
    for (const f of readdirSync(metadata(dir))) if (/^v([6-9]|\d\d)\.metadata\.json$/.test(f)) rmSync(join(metadata(dir), f));
    const config = parse(readFileSync('sluice.yaml', 'utf8')) as Record<string, unknown> & { storage?: object };
    config['products'] = './products';
    config['policies'] = './policies';
    config['storage'] = { ...config['storage'], iceberg: { refreshSeconds: 0 } };
    delete config['audit'];
    delete config['persisted'];
    writeFileSync(join(dir, 'sluice.yaml'), stringify(config));
    moving = await openDemo(join(dir, 'sluice.yaml'));
  });
  afterAll(async () => {
    await moving?.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a cursor reads the snapshot it was minted on after a commit; a new request reads the new one; an expired snapshot is BAD_USER_INPUT naming it', async () => {
    const q = 'query($after: String) { orderEventsV1(first: 100, after: $after) { nodes { event_id } pageInfo { endCursor } } }';
    const first = await moving.query(q, { after: null });
    const old = snapshotOf(first).id;
    const cursor = ok(first)['orderEventsV1'].pageInfo.endCursor as string;

    // The table moves on: two more commits (snapshot 5 is current after v8).
    for (const v of [6, 7, 8]) cpSync(join(metadata('.'), `v${v}.metadata.json`), join(metadata(dir), `v${v}.metadata.json`));
    const next = await moving.query(q, { after: cursor });
    expect(snapshotOf(next).id).toBe(old);
    const pinnedIds = ok(next)['orderEventsV1'].nodes.map((n: Node) => n['event_id']);
    const unpaged = await walk(moving, `, asOf: { snapshotId: "${old}" }`, 500);
    expect(pinnedIds).toEqual(unpaged.nodes.slice(100, 200).map((n) => n['event_id']));
    const fresh = await moving.query('{ orderEventsV1(first: 1) { totalCount } }');
    expect(snapshotOf(fresh).id).toBe(table.snapshot()!.id);

    // The snapshot expires: a metadata v9 without it.
    type Entry = { 'snapshot-id': unknown };
    const v8 = parseLossless(readFileSync(join(metadata(dir), 'v8.metadata.json'), 'utf8')) as {
      snapshots: Entry[];
      'snapshot-log': Entry[];
      refs: Record<string, Entry>;
    };
    v8.snapshots = v8.snapshots.filter((s) => String(s['snapshot-id']) !== old);
    v8['snapshot-log'] = v8['snapshot-log'].filter((s) => String(s['snapshot-id']) !== old);
    for (const [name, r] of Object.entries(v8.refs)) if (String(r['snapshot-id']) === old) delete v8.refs[name];
    writeFileSync(join(metadata(dir), 'v9.metadata.json'), stringifyLossless(v8)!);
    writeFileSync(join(metadata(dir), 'version-hint.text'), '9');
    const expired = await moving.query(q, { after: cursor });
    expect(expired.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(expired.errors?.[0]?.message).toContain(`snapshot ${old}`);
    expect(expired.errors?.[0]?.message).not.toContain('/');
  });
});

describe('deleted rows and the request budget', () => {
  it('rows deletes drop still count toward maxRowsScanned where their row groups are read', async () => {
    const current = table.snapshot()!;
    const plan = await table.planScan({ snapshot: current, fields: allColumns(table) });
    const stored = plan.files.reduce((n, f) => n + f.recordCount, 0);
    // A filter no statistics settle: every row group is read (a count of settled groups comes from metadata, reading nothing).
    const QUERY = '{ orderEventsV1(first: 1, where: { status: { eq: "paid" } }) { totalCount } }';
    const live = ok(await demo.query(QUERY))['orderEventsV1'].totalCount as number;
    // The table deletes rows in its current snapshot: the comparison below is not vacuous.
    expect(plan.deleteFiles.length).toBeGreaterThan(0);
    expect(stored).toBeGreaterThan(live);
    const limited = async (maxRowsScanned: number) => {
      const d = await openDemo('sluice.yaml', undefined, { maxRowsScanned });
      try {
        return await d.query(QUERY);
      } finally {
        await d.engine.close();
      }
    };
    // Enough for the rows the caller can count, not for the rows read: refused.
    const short = await limited(stored - 1);
    expect(short.errors?.[0]?.extensions?.['code']).toBe('RESOURCE_LIMIT');
    expect(short.errors?.[0]?.message).toMatch(/maxRowsScanned/);
    expect(live).toBeLessThan(stored - 1);
    // Every stored row of the snapshot's data files: answered, with the live count.
    expect(ok(await limited(stored))['orderEventsV1'].totalCount).toBe(live);
  });
});
