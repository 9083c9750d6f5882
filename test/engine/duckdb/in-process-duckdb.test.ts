import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessDuckDb } from '../../../src/engine/duckdb/in-process-duckdb.js';
import type { LoweredPlan, SqlColumn } from '../../../src/engine/sql/lower-plan.js';
import { SluiceError } from '../../../src/errors.js';
import { maskFunction } from '../../../src/policy/mask-value.js';

/**
 * The in-process DuckDB runner: the hash mask as a registered function that
 * equals the policy layer's, cancellation, and DuckDB's failures as stable
 * codes without DuckDB's words (its messages quote statements and paths).
 */
const key = Buffer.from('runner-test-key');
const hash = maskFunction({ field: 'x', type: 'string', kind: 'hash' }, key);
let db: InProcessDuckDb;

beforeAll(async () => {
  db = await InProcessDuckDb.open({ threads: 2, hash: { name: 'sluice_hash', compute: (s) => hash(s) as string } });
});
afterAll(() => db?.close());

const lowered = (sql: string, columns: [string, SqlColumn['value']][]): LoweredPlan => ({
  sql,
  columns: columns.map(([name, value]) => ({ name, value })),
  extraColumns: 0,
});

async function failure(p: Promise<unknown>): Promise<SluiceError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SluiceError);
  return e as SluiceError;
}

describe('in-process DuckDB', () => {
  it('hashes with the registered function exactly as the embedded mask does, NULL staying NULL', async () => {
    const values = ['', 'a@example.com', 'Ünïcode ✓ 😀', 'quote \' and " both'];
    const sql = `SELECT sluice_hash(v) AS h FROM (VALUES ${values.map((v) => `('${v.replaceAll("'", "''")}')`).join(', ')}, (NULL)) AS t(v)`;
    const rows = await db.run(lowered(sql, [['h', 'string']]));
    expect(rows.map((r) => r['h'])).toEqual([...values.map((v) => hash(v)), null]);
  });

  it('runs with the session time zone at UTC', async () => {
    const rows = await db.run(lowered(`SELECT CAST(TIMESTAMP '2024-01-01 00:00:00' AS TIMESTAMPTZ) AS t`, [['t', 'timestamp']]));
    expect(rows).toEqual([{ t: 1_704_067_200_000_000n }]);
  });

  it('interrupts a statement when the signal aborts: QUERY_TIMEOUT', async () => {
    const e = await failure(
      db.run(lowered('SELECT count(*) AS n FROM range(100000000000) a', [['n', 'number']]), AbortSignal.timeout(200)),
    );
    expect(e.code).toBe('QUERY_TIMEOUT');
    // The database is still there for the next statement.
    expect(await db.run(lowered('SELECT 1 AS x', [['x', 'number']]))).toEqual([{ x: 1 }]);
  });

  it('turns DuckDB failures into stable codes without its message', async () => {
    const missing = await failure(db.run(lowered(`SELECT * FROM read_parquet('/nonexistent/secret-dir/x.parquet')`, [])));
    expect(missing.code).toBe('SOURCE_UNAVAILABLE');
    expect(missing.message).not.toMatch(/secret-dir|nonexistent/);
    const overflow = await failure(db.run(lowered('SELECT CAST(9223372036854775807 AS BIGINT) + 1 AS x', [['x', 'bigint']])));
    expect(overflow.code).toBe('RESOURCE_LIMIT');
  });
});
