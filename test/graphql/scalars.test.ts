import { GraphQLError, Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { BigIntScalar, DateScalar, DateTimeScalar, parseBigInt, parseDate, parseDateTime } from '../../src/graphql/scalars.js';

const badInput = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GraphQLError);
    expect((e as GraphQLError).extensions['code']).toBe('BAD_USER_INPUT');
    return (e as GraphQLError).message;
  }
  throw new Error('expected a BAD_USER_INPUT error');
};

describe('BigInt', () => {
  it('accepts strings and safe Ints, serializes as a string', () => {
    expect(parseBigInt('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseBigInt(-42)).toBe(-42n);
    expect(BigIntScalar.serialize(123n)).toBe('123');
    expect(BigIntScalar.parseLiteral({ kind: Kind.INT, value: '9223372036854775807' })).toBe(9223372036854775807n);
    expect(BigIntScalar.parseLiteral({ kind: Kind.STRING, value: '-7' })).toBe(-7n);
  });
  it.each([['9223372036854775808'], ['1.5'], ['abc'], [1.5], [true], [''], ['0x10']])('rejects %j', (v) => {
    expect(badInput(() => parseBigInt(v))).toMatch(/BigInt cannot represent .*string of digits/);
  });
  it('rejects float literals', () => {
    badInput(() => BigIntScalar.parseLiteral({ kind: Kind.FLOAT, value: '1.5' }));
  });
});

describe('Date', () => {
  it('round-trips days since epoch', () => {
    expect(parseDate('1970-01-02')).toBe(1);
    expect(parseDate('2024-02-29')).toBe(19782);
    expect(DateScalar.serialize(19782)).toBe('2024-02-29');
    expect(DateScalar.serialize(-1)).toBe('1969-12-31');
  });
  it.each([
    ['2023-02-29'],
    ['2024-13-01'],
    ['2024-1-1'],
    ['2024-01-01T00:00:00Z'],
    [20240101],
    ['0100-02-29'],
    ['2024-00-10'],
    ['2024-04-31'],
    ['10000-01-01'],
    ['-0001-01-01'],
  ])('rejects %j', (v) => {
    expect(badInput(() => parseDate(v))).toMatch(/YYYY-MM-DD/);
  });
  it('accepts the whole range 0000–9999, years 0–99 included (Date.UTC would read 0050 as 1950)', () => {
    expect(parseDate('0000-01-01')).toBe(-719_528); // DuckDB: DATE '0000-01-01' - DATE '1970-01-01'
    expect(parseDate('0000-02-29')).toBe(-719_469); // year 0 is a leap year (proleptic Gregorian)
    expect(parseDate('0050-06-15')).toBe(parseDate('0050-01-01') + 165);
    expect(DateScalar.serialize(parseDate('0050-06-15'))).toBe('0050-06-15');
    expect(DateScalar.serialize(parseDate('0099-12-31') + 1)).toBe('0100-01-01');
    expect(parseDate('9999-12-31')).toBe(2_932_896);
  });
});

describe('DateTime', () => {
  it('parses zones and fractions to microseconds, serializes in UTC', () => {
    expect(parseDateTime('1970-01-01T00:00:01Z')).toBe(1_000_000n);
    expect(parseDateTime('1970-01-01T01:00:00+01:00')).toBe(0n);
    expect(parseDateTime('2024-03-01T12:00:00.123456Z')).toBe(1709294400123456n);
    expect(DateTimeScalar.serialize(1709294400123456n)).toBe('2024-03-01T12:00:00.123456Z');
    expect(DateTimeScalar.serialize(1709294400000000n)).toBe('2024-03-01T12:00:00.000Z');
    expect(DateTimeScalar.serialize(-1n)).toBe('1969-12-31T23:59:59.999999Z');
  });
  it.each([
    ['2024-03-01 12:00:00Z'],
    ['2024-03-01T12:00:00'],
    ['2024-03-01T25:00:00Z'],
    ['2024-02-30T00:00:00Z'],
    [0],
    // Offsets past ±14:00, or minutes past 59.
    ['2024-03-01T12:00:00+99:99'],
    ['2024-03-01T12:00:00+14:01'],
    ['2024-03-01T12:00:00-14:30'],
    ['2024-03-01T12:00:00+05:60'],
    ['2024-03-01T12:00:00+24:00'],
    // Instants outside 0000–9999 in UTC, which could not be printed back.
    ['0000-01-01T00:00:00+00:01'],
    ['9999-12-31T23:59:59-00:01'],
  ])('rejects %j', (v) => {
    expect(badInput(() => parseDateTime(v))).toMatch(/ISO-8601 with a zone from -14:00 to \+14:00/);
  });
  it('accepts offsets from -14:00 to +14:00 and instants of years 0000–9999', () => {
    const utc = parseDateTime('2024-03-01T12:00:00Z');
    expect(parseDateTime('2024-03-02T02:00:00+14:00')).toBe(utc);
    expect(parseDateTime('2024-02-29T22:00:00-14:00')).toBe(utc);
    expect(parseDateTime('2024-03-01T12:00:00-00:00')).toBe(utc);
    expect(parseDateTime('2024-03-01T17:30:00+05:29')).toBe(utc + 60_000_000n);
    expect(parseDateTime('0000-01-01T00:00:00Z')).toBe(-62_167_219_200_000_000n); // DuckDB: epoch_us(TIMESTAMP '0000-01-01')
    expect(DateTimeScalar.serialize(parseDateTime('0050-06-15T01:02:03.000004Z'))).toBe('0050-06-15T01:02:03.000004Z');
    expect(DateTimeScalar.serialize(parseDateTime('9999-12-31T23:59:59.999999Z'))).toBe('9999-12-31T23:59:59.999999Z');
  });
});
