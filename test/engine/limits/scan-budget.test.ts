import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedEngine, ScanBudget, type ExecutionResult, type ScanLimits, type ScanReport } from '../../../src/engine/engine.js';
import { SluiceError } from '../../../src/errors.js';
import { Expr } from '../../../src/plan/expr.js';
import { AggregateNode, LimitNode, ScanNode, SortNode, type PlanNode } from '../../../src/plan/plan.js';
import { ORDERS_FIELDS, ORDERS_SOURCE } from '../datasets.js';

/**
 * The per-request budget (scan-budget.ts) over the demo orders (2 files × 8
 * row groups, 60,000 rows): each limit refuses a full scan with
 * RESOURCE_LIMIT before it has decoded every row group, lets a scan that
 * statistics prune to one row group through, and is shared by the
 * executions of one request.
 */
const engine = new EmbeddedEngine({ columnCacheBytes: 0 });
afterAll(() => engine.close());

const ROW_GROUPS = 16;
const fields = (...names: string[]) => ORDERS_FIELDS.filter((f) => names.includes(f.name));

/** Sums the amounts per region: every row group, columns region and amount. */
const fullScan = (): PlanNode =>
  AggregateNode.create(
    ScanNode.create({
      product: 'orders',
      major: 2,
      version: '2.1.0',
      source: ORDERS_SOURCE,
      fields: fields('region', 'total_amount'),
      filters: [],
    }),
    ['region'],
    [{ fn: 'sum', field: 'total_amount', type: 'float64' }],
  );

/** The same over the first thousand orders: statistics leave one row group. */
const prunedScan = (): PlanNode =>
  AggregateNode.create(
    ScanNode.create({
      product: 'orders',
      major: 2,
      version: '2.1.0',
      source: ORDERS_SOURCE,
      fields: fields('order_id', 'region', 'total_amount'),
      filters: [Expr.compare('order_id', 'lt', 1000n)],
    }),
    ['region'],
    [{ fn: 'sum', field: 'total_amount', type: 'float64' }],
  );

async function failure(plan: PlanNode, budget: ScanBudget, reports: ScanReport[] = []): Promise<SluiceError> {
  const e = await engine.execute(plan, { budget, reports }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SluiceError);
  return e as SluiceError;
}

const decoded = (scans: readonly ScanReport[]) => scans.flatMap((s) => s.sources).reduce((n, s) => n + s.rowGroupsScanned, 0);

// Rows: about 3,750 per row group. Bytes and memory (demo files, region + amount): about 19 KB of chunks and 57 KB decoded per row group.
const CASES: { limit: keyof ScanLimits; value: number; what: RegExp }[] = [
  { limit: 'maxRowsScanned', value: 10_000, what: /scan more than 10000 rows/ },
  { limit: 'maxBytesRead', value: 60_000, what: /read more than 60000 bytes/ },
  { limit: 'maxMemoryBytes', value: 150_000, what: /decode more than 150000 bytes/ },
];

describe('per-request budget', () => {
  it.each(CASES)('$limit: a full scan stops early with RESOURCE_LIMIT; a pruned scan fits', async ({ limit, value, what }) => {
    const limits = { [limit]: value };
    const reports: ScanReport[] = [];
    const e = await failure(fullScan(), new ScanBudget(limits), reports);
    expect(e.code).toBe('RESOURCE_LIMIT');
    expect(e.fault).toBe('user');
    expect(e.details).toEqual({ limit, value });
    expect(e.message).toMatch(what);
    expect(e.message).toContain(`server.limits.${limit}`);
    expect(e.message).toMatch(/narrow the filter/);
    expect(e.message).not.toMatch(/\/|parquet/);
    // Stopped before the end: the failed execution's reports show row groups never decoded.
    expect(decoded(reports)).toBeGreaterThan(0);
    expect(decoded(reports)).toBeLessThan(ROW_GROUPS / 2);

    const budget = new ScanBudget(limits);
    const pruned: ExecutionResult = await engine.execute(prunedScan(), { budget });
    expect(decoded(pruned.scans)).toBe(1);
    expect(pruned.rows.length).toBeGreaterThan(0);
    // Unlimited, the full scan passes each limit: the limit is what refused it.
    const unlimited = new ScanBudget();
    await engine.execute(fullScan(), { budget: unlimited });
    const used = unlimited.usage();
    expect({ rows: used.rowsScanned, bytes: used.bytesRead, memory: used.memoryBytes, groups: used.rowGroupsRead }).toMatchObject({
      rows: 60_000,
      groups: ROW_GROUPS,
    });
    expect({ maxRowsScanned: used.rowsScanned, maxBytesRead: used.bytesRead, maxMemoryBytes: used.memoryBytes }[limit]).toBeGreaterThan(
      value,
    );
  });

  it('counts bytes from the footer, for the columns read only', async () => {
    const one = new ScanBudget();
    const both = new ScanBudget();
    const scanOf = (names: string[]) =>
      ScanNode.create({ product: 'orders', major: 2, version: '2.1.0', source: ORDERS_SOURCE, fields: fields(...names), filters: [] });
    await engine.execute(AggregateNode.create(scanOf(['total_amount']), [], [{ fn: 'max', field: 'total_amount', type: 'float64' }]), {
      budget: one,
    });
    const r = await engine.execute(
      AggregateNode.create(
        scanOf(['total_amount', 'email']),
        [],
        [
          { fn: 'max', field: 'total_amount', type: 'float64' },
          { fn: 'max', field: 'email', type: 'string' },
        ],
      ),
      { budget: both },
    );
    expect(one.usage().bytesRead).toBeGreaterThan(0);
    expect(both.usage().bytesRead).toBeGreaterThan(one.usage().bytesRead);
    // The reports carry the same measure, file by file.
    expect(r.scans.flatMap((s) => s.sources).reduce((n, s) => n + s.bytesRead, 0)).toBe(both.usage().bytesRead);
  });

  it('is shared by the executions of one request', async () => {
    const budget = new ScanBudget({ maxRowsScanned: 6000 });
    const page = () =>
      LimitNode.create(
        SortNode.create(
          ScanNode.create({
            product: 'orders',
            major: 2,
            version: '2.1.0',
            source: ORDERS_SOURCE,
            fields: fields('order_id'),
            filters: [Expr.compare('order_id', 'lt', 100n)],
          }),
          [{ field: 'order_id', direction: 'asc', nullsLast: true }],
        ),
        0,
        10,
      );
    await engine.execute(page(), { budget });
    // One row group (4,096 rows): within the limit; a second would not be.
    expect(budget.usage()).toMatchObject({ rowsScanned: 4096, rowGroupsRead: 1 });
    const e = await failure(page(), budget);
    expect(e.code).toBe('RESOURCE_LIMIT');
  });

  it('counts columns served from the decoded-column cache as read', async () => {
    const cached = new EmbeddedEngine();
    try {
      const cold = new ScanBudget();
      await cached.execute(fullScan(), { budget: cold });
      const warm = new ScanBudget();
      await cached.execute(fullScan(), { budget: warm });
      expect(cached.cacheStats()!.hits).toBeGreaterThan(0);
      expect(warm.usage()).toEqual(cold.usage());
      const e = await cached.execute(fullScan(), { budget: new ScanBudget({ maxRowsScanned: 10_000 }) }).catch((err: unknown) => err);
      expect((e as SluiceError).code).toBe('RESOURCE_LIMIT');
    } finally {
      await cached.close();
    }
  });
});
