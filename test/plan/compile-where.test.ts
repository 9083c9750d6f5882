import { describe, expect, it } from 'vitest';
import { parseContract } from '../../src/contract/load-contracts.js';
import { compileWhere } from '../../src/plan/compile-where.js';
import { printExpr } from '../../src/plan/print-plan.js';
import { readFileSync } from 'node:fs';

const file = new URL('../../products/orders/v2.yaml', import.meta.url).pathname;
const orders = parseContract(readFileSync(file, 'utf8'), file);
const print = (w: Record<string, unknown>) => printExpr(compileWhere(orders, w));

describe('compileWhere', () => {
  it('ANDs fields and operators of one object', () => {
    expect(print({ region: { eq: 'EU' }, total_amount: { gt: 900, lte: 1000 } })).toBe(
      'region = "EU" AND total_amount > 900 AND total_amount <= 1000',
    );
  });

  it('compiles OR, AND and nested combinators', () => {
    expect(print({ OR: [{ status: { eq: 'open' } }, { AND: [{ status: { eq: 'shipped' } }, { quantity: { gte: 2 } }] }] })).toBe(
      'status = "open" OR (status = "shipped" AND quantity >= 2)',
    );
  });

  it('pushes NOT to the leaves (SQL: negations never match nulls)', () => {
    expect(print({ NOT: { region: { in: ['EU', 'US'] }, email: { isNull: true } } })).toBe(
      'region NOT IN ("EU", "US") OR email IS NOT NULL',
    );
    expect(print({ NOT: { OR: [{ total_amount: { lt: 5 } }, { notes: { contains: 'x' } }] } })).toBe(
      'total_amount >= 5 AND notes NOT CONTAINS "x"',
    );
    expect(print({ NOT: { NOT: { region: { eq: 'EU' } } } })).toBe('region = "EU"');
  });

  it('isNull: false means IS NOT NULL; empty where is true', () => {
    expect(print({ email: { isNull: false } })).toBe('email IS NOT NULL');
    expect(print({})).toBe('true');
    expect(print({ OR: [] })).toBe('false');
  });

  it('rejects null operands with a message that says what to do', () => {
    expect(() => compileWhere(orders, { email: { eq: null } })).toThrow(
      /where\.email\.eq: null is not a value; to match missing values use isNull: true/,
    );
    expect(() => compileWhere(orders, { region: null })).toThrow(/where\.region: null is not a condition/);
  });
});
