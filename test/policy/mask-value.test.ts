import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { maskApplies, maskFunction } from '../../src/policy/mask-value.js';
import type { FieldMask } from '../../src/plan/plan.js';
import { parseDate, parseDateTime } from '../../src/graphql/scalars.js';
import { formatDate, formatTimestamp } from '../../src/plan/scalar.js';

const key = Buffer.from('k');
const mask = (m: Omit<FieldMask, 'field'>) => maskFunction({ field: 'f', ...m }, key);

describe('masks keep the type, and NULL stays NULL', () => {
  it('null and redact', () => {
    expect(mask({ kind: 'null', type: 'string' })('x')).toBeNull();
    expect(mask({ kind: 'redact', type: 'string' })('secret')).toBe('***');
    expect(mask({ kind: 'redact', type: 'int64' })(42n)).toBe(0n);
    expect(mask({ kind: 'redact', type: 'float64' })(4.2)).toBe(0);
    expect(formatDate(mask({ kind: 'redact', type: 'date' })(parseDate('2024-05-06')) as number)).toBe('1970-01-01');
    expect(formatTimestamp(mask({ kind: 'redact', type: 'timestamp' })(1n) as bigint)).toBe('1970-01-01T00:00:00.000Z');
    expect(mask({ kind: 'redact', type: 'boolean' })(true)).toBe(false);
    expect(mask({ kind: 'redact', type: 'string' })(null)).toBeNull();
  });

  it('hash is keyed HMAC-SHA-256, hex', () => {
    expect(mask({ kind: 'hash', type: 'string' })('ana@example.com')).toBe(
      createHmac('sha256', key).update('ana@example.com').digest('hex'),
    );
    expect(maskFunction({ field: 'f', kind: 'hash', type: 'string' }, Buffer.from('other'))('ana@example.com')).not.toBe(
      mask({ kind: 'hash', type: 'string' })('ana@example.com'),
    );
  });

  it('show_first_4, show_last_4 and email_domain count code points', () => {
    expect(mask({ kind: 'show_first_4', type: 'string' })('4111111111111111')).toBe('4111************');
    expect(mask({ kind: 'show_last_4', type: 'string' })('4111111111111111')).toBe('************1111');
    expect(mask({ kind: 'show_last_4', type: 'string' })('ab')).toBe('ab');
    expect(mask({ kind: 'show_first_4', type: 'string' })('Zoë😀xyz')).toBe('Zoë😀***');
    expect(mask({ kind: 'email_domain', type: 'string' })('ana@mail.example.com')).toBe('***@mail.example.com');
    expect(mask({ kind: 'email_domain', type: 'string' })('not-an-email')).toBe('***');
  });

  it('year truncates dates and timestamps to January 1 (UTC)', () => {
    expect(formatDate(mask({ kind: 'year', type: 'date' })(parseDate('2024-05-06')) as number)).toBe('2024-01-01');
    expect(formatDate(mask({ kind: 'year', type: 'date' })(parseDate('1969-12-31')) as number)).toBe('1969-01-01');
    expect(formatTimestamp(mask({ kind: 'year', type: 'timestamp' })(parseDateTime('2023-12-31T23:59:59.999999Z')) as bigint)).toBe(
      '2023-01-01T00:00:00.000Z',
    );
    expect(formatTimestamp(mask({ kind: 'year', type: 'timestamp' })(parseDateTime('1969-06-01T00:00:00Z')) as bigint)).toBe(
      '1969-01-01T00:00:00.000Z',
    );
    // Years below 100 (in data; the Date scalar does not parse them) stay themselves: Date.UTC would make 0099 into 1999.
    const day99 = new Date(0).setUTCFullYear(99, 6, 4) / 86_400_000;
    expect(formatDate(mask({ kind: 'year', type: 'date' })(day99) as number)).toBe('0099-01-01');
    expect(
      formatTimestamp(mask({ kind: 'year', type: 'timestamp' })(BigInt(new Date(0).setUTCFullYear(1, 2, 1)) * 1000n + 1n) as bigint),
    ).toBe('0001-01-01T00:00:00.000Z');
  });

  it('round goes to the nearest multiple, halves away from zero, bigint stays bigint', () => {
    const r = mask({ kind: 'round', type: 'float64', round: 100 });
    expect([r(149.99), r(150), r(-150), r(-149), r(0)]).toEqual([100, 200, -200, -100, 0]);
    const big = mask({ kind: 'round', type: 'int64', round: 100 });
    expect([big(149n), big(150n), big(-150n), big(-149n)]).toEqual([100n, 200n, -200n, -100n]);
    expect(mask({ kind: 'round', type: 'int32', round: 5 })(7)).toBe(5);
  });

  it('applies only where the type can be kept', () => {
    expect(maskApplies('hash', 'int64')).toBe(false);
    expect(maskApplies('year', 'string')).toBe(false);
    expect(maskApplies('round', 'date')).toBe(false);
    expect(maskApplies('redact', 'boolean')).toBe(true);
  });
});
