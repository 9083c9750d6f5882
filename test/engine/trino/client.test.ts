import { createServer, type Server } from 'node:http';
import { parse as parseLossless } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoweredPlan, SqlColumn } from '../../../src/engine/sql/lower-plan.js';
import { TrinoClient } from '../../../src/engine/trino/client.js';
import { decodeTrinoValue } from '../../../src/engine/trino/trino-values.js';
import { SluiceError } from '../../../src/errors.js';
import { TrinoStandin, type Fault } from '../../support/trino-standin.js';
import { ORDERS_SOURCE } from '../datasets.js';

/**
 * The Trino client against the protocol stand-in on loopback: paging,
 * session headers, exact values, cancellation, and every fault ending in a
 * stable code whose message holds nothing the engine said.
 */
let standin: TrinoStandin;
const PASSWORD = 'client-test-password';

beforeAll(async () => {
  standin = await TrinoStandin.start({
    catalog: 'lake',
    schema: 'sales',
    tables: { orders: ORDERS_SOURCE },
    users: { sluice: PASSWORD, 'ana@acme': 'ana-pass' },
    pageRows: 3,
  });
}, 30_000);
afterAll(async () => standin?.close());

const client = (o: Partial<ConstructorParameters<typeof TrinoClient>[0]> = {}) =>
  new TrinoClient({ url: standin.url, user: 'sluice', password: PASSWORD, catalog: 'lake', schema: 'sales', ...o });

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

/** Waits (bounded) for something the client does without awaiting it, such as the DELETE of a cancelled statement. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

describe('Trino client over the protocol', () => {
  it('follows nextUri through every page and sends the session headers once, on the POST', async () => {
    const before = standin.requests.length;
    const rows = await client().run(lowered(`SELECT order_id FROM lake.sales.orders ORDER BY order_id LIMIT 10`, [['order_id', 'bigint']]));
    expect(rows.map((r) => r['order_id'])).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
    const sent = standin.requests.slice(before);
    expect(sent[0]!.method).toBe('POST');
    expect(sent.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(4);
    expect(sent[0]!.headers).toMatchObject({
      'x-trino-user': 'sluice',
      'x-trino-catalog': 'lake',
      'x-trino-schema': 'sales',
      'x-trino-time-zone': 'UTC',
      'x-trino-source': 'sluice',
      'x-trino-client-capabilities': 'PARAMETRIC_DATETIME',
    });
    expect(sent[1]!.headers['x-trino-catalog']).toBeUndefined();
  });

  it('returns values exactly: bigints past 2^53, doubles as Java prints them, decimals, dates and microseconds', async () => {
    const sql = `SELECT 9007199254740993 AS big, (-9223372036854775807 - 1) AS min, CAST(1e10 AS DOUBLE) AS e10, 0.1::DOUBLE AS tenth,
      -0.0::DOUBLE AS negzero, nan() AS nan, -infinity() AS ninf, CAST(12345678901234567890 AS DECIMAL(38, 0)) AS dec,
      DATE '0001-01-01' AS d1, TIMESTAMPTZ '2024-02-29 23:59:59.999999+00' AS ts, NULL AS nothing, 'Ünïcode ✓' AS s, TRUE AS b`;
    const [row] = await client().run(
      lowered(sql, [
        ['big', 'bigint'],
        ['min', 'bigint'],
        ['e10', 'number'],
        ['tenth', 'number'],
        ['negzero', 'number'],
        ['nan', 'number'],
        ['ninf', 'number'],
        ['dec', 'bigint'],
        ['d1', 'date'],
        ['ts', 'timestamp'],
        ['nothing', 'string'],
        ['s', 'string'],
        ['b', 'boolean'],
      ]),
    );
    expect(row).toEqual({
      big: 9007199254740993n,
      min: -(2n ** 63n),
      e10: 1e10,
      tenth: 0.1,
      negzero: -0,
      nan: Number.NaN,
      ninf: -Infinity,
      dec: 12345678901234567890n,
      d1: -719_162,
      ts: 1_709_251_199_999_999n,
      nothing: null,
      s: 'Ünïcode ✓',
      b: true,
    });
  });

  it('authenticates with the configured user, or the caller passed through', async () => {
    expect(await client().run(lowered('SELECT 1 AS x', [['x', 'number']]))).toEqual([{ x: 1 }]);
    const asCaller = client({ password: 'ana-pass' }).run(lowered('SELECT 1 AS x', [['x', 'number']]), { user: 'ana@acme' });
    expect(await asCaller).toEqual([{ x: 1 }]);
    expect(standin.requests.at(-1)!.headers['x-trino-user']).toBe('ana@acme');
    const e = await failure(client({ password: 'wrong' }).execute('SELECT 1'));
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.message).not.toContain('wrong');
  });

  it('cancels a running statement with DELETE when the signal aborts: QUERY_TIMEOUT', async () => {
    standin.fault({ on: 'post', kind: 'stall' });
    const before = standin.cancelled.size;
    const e = await failure(client().execute('SELECT 1', { signal: AbortSignal.timeout(300) }));
    expect(e.code).toBe('QUERY_TIMEOUT');
    await eventually(() => standin.cancelled.size === before + 1);
  });

  it("ends every fault in a stable code, with none of the engine's words", async () => {
    const cases: [Fault, string][] = [
      [{ on: 'post', kind: 'http', status: 500 }, 'SOURCE_UNAVAILABLE'],
      [{ on: 'next', kind: 'http', status: 500 }, 'SOURCE_UNAVAILABLE'],
      [{ on: 'post', kind: 'close' }, 'SOURCE_UNAVAILABLE'],
      [{ on: 'next', kind: 'close' }, 'SOURCE_UNAVAILABLE'],
      [{ on: 'post', kind: 'hang' }, 'QUERY_TIMEOUT'],
      [{ on: 'next', kind: 'hang' }, 'QUERY_TIMEOUT'],
      [
        { on: 'next', kind: 'error', errorName: 'EXCEEDED_TIME_LIMIT', errorType: 'INSUFFICIENT_RESOURCES', errorCode: 131075 },
        'QUERY_TIMEOUT',
      ],
      [
        { on: 'next', kind: 'error', errorName: 'EXCEEDED_GLOBAL_MEMORY_LIMIT', errorType: 'INSUFFICIENT_RESOURCES', errorCode: 131073 },
        'RESOURCE_LIMIT',
      ],
      [{ on: 'next', kind: 'error', errorName: 'NUMERIC_VALUE_OUT_OF_RANGE', errorType: 'USER_ERROR', errorCode: 19 }, 'RESOURCE_LIMIT'],
      [{ on: 'post', kind: 'error', errorName: 'FUNCTION_NOT_FOUND', errorType: 'USER_ERROR', errorCode: 6 }, 'SOURCE_UNAVAILABLE'],
      [{ on: 'next', kind: 'error', errorName: 'REMOTE_HOST_GONE', errorType: 'INTERNAL_ERROR', errorCode: 65558 }, 'SOURCE_UNAVAILABLE'],
    ];
    for (const [fault, code] of cases) {
      standin.fault(fault);
      const e = await failure(client().execute(`SELECT 'secret-literal' AS x`, { signal: AbortSignal.timeout(1500) }));
      expect(e.code, JSON.stringify(fault)).toBe(code);
      expect(e.message).not.toMatch(/scripted|secret-literal|standin|127\.0\.0\.1/);
      if (fault.kind === 'error' && code === 'SOURCE_UNAVAILABLE') expect(e.message).toContain(fault.errorName);
    }
    // After all that, the same client still answers.
    expect(await client().run(lowered('SELECT 2 AS x', [['x', 'number']]))).toEqual([{ x: 2 }]);
  });

  it('retries 502, 503 and 504 from a proxy, a few times, then gives up', async () => {
    standin.fault({ on: 'post', kind: 'http', status: 503 });
    standin.fault({ on: 'next', kind: 'http', status: 502 });
    expect(await client().run(lowered('SELECT 3 AS x', [['x', 'number']]))).toEqual([{ x: 3 }]);
    for (let i = 0; i < 4; i++) standin.fault({ on: 'post', kind: 'http', status: 504 });
    expect((await failure(client().execute('SELECT 4'))).code).toBe('SOURCE_UNAVAILABLE');
  });

  it('refuses a statement the engine rejects, without its message', async () => {
    const e = await failure(client().execute('SELEC nothing FROM lake.sales.orders'));
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.message).toContain('SYNTAX_ERROR');
    expect(e.message).not.toMatch(/SELEC|Parser|standin/);
  });

  it('stops at maxRows (RESOURCE_LIMIT) and cancels the rest', async () => {
    const before = standin.cancelled.size;
    const e = await failure(client({ maxRows: 5 }).execute('SELECT order_id FROM lake.sales.orders ORDER BY order_id LIMIT 50'));
    expect(e.code).toBe('RESOURCE_LIMIT');
    await eventually(() => standin.cancelled.size === before + 1);
  });

  it('refuses a response larger than maxResponseBytes', async () => {
    const e = await failure(client({ maxResponseBytes: 200 }).execute('SELECT order_id, email, notes FROM lake.sales.orders LIMIT 3'));
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
  });

  it('answers concurrent statements on one client independently', async () => {
    const c = client();
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        c.run(lowered(`SELECT order_id FROM lake.sales.orders WHERE order_id <= ${n} ORDER BY order_id`, [['order_id', 'bigint']])),
      ),
    );
    expect(results.map((r) => r.length)).toEqual([1, 2, 3, 4]);
  });
});

describe('Trino client against a server that is not Trino', () => {
  let server: Server;
  let url: string;
  let body = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('does not follow a nextUri to another host (credentials stay with the configured one)', async () => {
    body = JSON.stringify({ id: 'q1', nextUri: 'http://198.51.100.7/v1/statement/executing/q1/x/1', stats: { state: 'QUEUED' } });
    const e = await failure(new TrinoClient({ url, user: 'u', password: 'p', catalog: 'c', schema: 's' }).execute('SELECT 1'));
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.message).not.toContain('198.51.100.7');
  });

  it('refuses a response that is not the protocol', async () => {
    for (const text of ['<html>proxy error</html>', '[1, 2]', JSON.stringify({ id: 'q', data: [[1]] })]) {
      body = text;
      expect((await failure(new TrinoClient({ url, user: 'u', catalog: 'c', schema: 's' }).execute('SELECT 1'))).code).toBe(
        'SOURCE_UNAVAILABLE',
      );
    }
  });
});

describe('Trino values', () => {
  const decode = (json: string, value: SqlColumn['value']) =>
    decodeTrinoValue((parseLossless(`[${json}]`) as unknown[])[0], { name: 'c', value });

  it('reads timestamps of any precision, with or without zone, to the microsecond (digits past it floored)', () => {
    expect(decode('"2024-01-01 00:00:00"', 'timestamp')).toBe(1_704_067_200_000_000n);
    expect(decode('"2024-01-01 00:00:00.1"', 'timestamp')).toBe(1_704_067_200_100_000n);
    expect(decode('"2024-01-01 00:00:00.123456789 UTC"', 'timestamp')).toBe(1_704_067_200_123_456n);
    expect(decode('"2024-01-01 02:00:00.000000 +02:00"', 'timestamp')).toBe(1_704_067_200_000_000n);
    expect(decode('"1969-12-31 23:59:59.999999 Z"', 'timestamp')).toBe(-1n);
    expect(decode('"0001-01-01 00:00:00.000000 UTC"', 'timestamp')).toBe(-62_135_596_800_000_000n);
  });

  it('refuses what it cannot convert exactly: a zone with daylight saving, a count past 2^53, a type it did not ask for', () => {
    for (const [json, value] of [
      ['"2024-01-01 00:00:00.000 Europe/Berlin"', 'timestamp'],
      ['9007199254740993', 'number'],
      ['"abc"', 'bigint'],
      ['1.5', 'bigint'],
      ['"2024-01-01 00:00:00"', 'date'],
      ['12', 'string'],
    ] as const) {
      expect(() => decode(json, value), json).toThrow(SluiceError);
    }
  });

  it('reads dates of every year, and signed years', () => {
    expect(decode('"1970-01-01"', 'date')).toBe(0);
    expect(decode('"0099-12-31"', 'date')).toBe(new Date(0).setUTCFullYear(99, 11, 31) / 86_400_000);
    expect(decode('"+10000-01-01"', 'date')).toBe(new Date(0).setUTCFullYear(10000, 0, 1) / 86_400_000);
  });
});
