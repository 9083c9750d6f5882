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
  it.each([['2023-02-29'], ['2024-13-01'], ['2024-1-1'], ['2024-01-01T00:00:00Z'], [20240101]])('rejects %j', (v) => {
    expect(badInput(() => parseDate(v))).toMatch(/YYYY-MM-DD/);
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
  it.each([['2024-03-01 12:00:00Z'], ['2024-03-01T12:00:00'], ['2024-03-01T25:00:00Z'], ['2024-02-30T00:00:00Z'], [0]])(
    'rejects %j',
    (v) => {
      expect(badInput(() => parseDateTime(v))).toMatch(/ISO-8601/);
    },
  );
});
