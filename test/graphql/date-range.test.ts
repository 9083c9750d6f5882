/**
 * Dates and instants over the whole range the scalars accept (years
 * 0000–9999), against DuckDB: what a caller sends (Date, DateTime) and what
 * the gateway prints agree with DuckDB's calendar, a Parquet file DuckDB
 * writes decodes to the same days and microseconds in the engine, and the
 * `year` mask keeps January 1 of the right year (Date.UTC read years 0–99 as
 * 1900–1999, so the scalars refused 0000–0099 and the mask moved them).
 */
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { parseDate, parseDateTime } from '../../src/graphql/scalars.js';
import { ScanNode } from '../../src/plan/plan.js';
import { daysFromCivil, formatDate, formatTimestamp } from '../../src/plan/scalar.js';
import { maskFunction } from '../../src/policy/mask-value.js';
import { Oracle } from '../engine/duckdb-oracle.js';

const FIRST_DAY = daysFromCivil(0, 1, 1);
const LAST_DAY = daysFromCivil(9999, 12, 31);
const DAY_US = 86_400_000_000n;
const RUNS = Number(process.env['DATE_RUNS'] ?? 400);

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.open();
  await oracle.run(`SET TimeZone = 'UTC'`);
});
afterAll(() => oracle?.connection.closeSync());

/** Days of the whole range, with its ends and the years 0–99 drawn often. */
const dayArb = fc.oneof(
  fc.integer({ min: FIRST_DAY, max: LAST_DAY }),
  fc.integer({ min: FIRST_DAY, max: daysFromCivil(100, 12, 31) }),
  fc.constantFrom(FIRST_DAY, LAST_DAY, daysFromCivil(100, 2, 28), daysFromCivil(1969, 12, 31), 0),
);
const microsArb = fc.tuple(dayArb, fc.bigInt({ min: 0n, max: DAY_US - 1n })).map(([d, us]) => BigInt(d) * DAY_US + us);

describe('the full date range against DuckDB', () => {
  it('Date: what the gateway prints and parses is DuckDB’s calendar, years 0000–9999', async () => {
    const days = fc.sample(dayArb, RUNS);
    const rows = await oracle.rows(
      `SELECT d, strftime(DATE '1970-01-01' + d, '%Y-%m-%d') AS text FROM (VALUES ${days.map((d) => `(${d})`).join(', ')}) t(d)`,
    );
    for (const r of rows) {
      const d = Number(r['d']);
      expect(formatDate(d), String(d)).toBe(r['text']);
      expect(parseDate(r['text'])).toBe(d);
    }
    // And DuckDB reads the printed text back to the same day.
    const back = await oracle.rows(
      `SELECT t.text, CAST(t.text AS DATE) - DATE '1970-01-01' AS d FROM (VALUES ${days.map((d) => `('${formatDate(d)}')`).join(', ')}) t(text)`,
    );
    for (const r of back) expect(Number(r['d']), String(r['text'])).toBe(parseDate(r['text']));
  });

  it('DateTime: printed and parsed instants agree with DuckDB to the microsecond, years 0000–9999', async () => {
    const micros = fc.sample(microsArb, RUNS);
    const rows = await oracle.rows(
      `SELECT us, strftime(make_timestamp(us), '%Y-%m-%dT%H:%M:%S.%fZ') AS text FROM (VALUES ${micros.map((us) => `(${us}::BIGINT)`).join(', ')}) t(us)`,
    );
    for (const r of rows) {
      const us = BigInt(r['us'] as bigint);
      expect(parseDateTime(r['text']), String(r['text'])).toBe(us);
      expect(parseDateTime(formatTimestamp(us)), String(us)).toBe(us);
      expect(formatTimestamp(us).slice(0, 19), String(us)).toBe((r['text'] as string).slice(0, 19));
    }
  });

  it('a Parquet file DuckDB writes decodes to the same days and microseconds, and the year mask keeps each year', async () => {
    const days = fc.sample(dayArb, RUNS);
    const micros = fc.sample(microsArb, RUNS);
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-dates-')), 'dates.parquet');
    const values = days.map((d, i) => `(${i}::BIGINT, DATE '1970-01-01' + ${d}, make_timestamp(${micros[i]}::BIGINT))`).join(', ');
    await oracle.run(
      `COPY (SELECT * FROM (VALUES ${values}) t(id, day, instant) ORDER BY id) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 64)`,
    );
    const expected = await oracle.rows(
      `SELECT id, day - DATE '1970-01-01' AS day, epoch_us(instant) AS instant,
              make_date(year(day), 1, 1) - DATE '1970-01-01' AS day_year, epoch_us(make_timestamp(year(instant), 1, 1, 0, 0, 0)) AS instant_year
       FROM read_parquet('${file}') ORDER BY id`,
    );
    const engine = new EmbeddedEngine();
    try {
      const scan = ScanNode.create({
        product: 'dates',
        major: 1,
        version: '1.0.0',
        source: file,
        fields: [
          { name: 'id', column: 'id', type: 'int64' },
          { name: 'day', column: 'day', type: 'date' },
          { name: 'instant', column: 'instant', type: 'timestamp' },
        ],
        filters: [],
      });
      const { rows } = await engine.execute(scan);
      rows.sort((a, b) => Number((a['id'] as bigint) - (b['id'] as bigint)));
      expect(rows).toHaveLength(expected.length);
      const yearOfDay = maskFunction({ field: 'day', type: 'date', kind: 'year' }, undefined);
      const yearOfInstant = maskFunction({ field: 'instant', type: 'timestamp', kind: 'year' }, undefined);
      rows.forEach((row, i) => {
        const want = expected[i]!;
        expect(row['day'], `row ${i}`).toBe(Number(want['day']));
        expect(row['instant'], `row ${i}`).toBe(BigInt(want['instant'] as bigint));
        expect(yearOfDay(row['day']!), `row ${i}`).toBe(Number(want['day_year']));
        expect(yearOfInstant(row['instant']!), `row ${i}`).toBe(BigInt(want['instant_year'] as bigint));
      });
    } finally {
      await engine.close();
    }
  });
});
