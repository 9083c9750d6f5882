import { fieldOf, type Contract } from '../contract/contract.js';
import { userError } from '../errors.js';
import { Expr, negate, type CompareOp, type TextOp } from './expr.js';
import type { Scalar } from './scalar.js';

/**
 * Compiles a coerced `where` argument (docs/graphql.md) into a predicate in negation
 * normal form. GraphQL has already checked names and types; what is left is
 * what the type system cannot say: no nulls as operands, and a clear message
 * naming the path when something is wrong.
 *
 * The same language is used by policy row filters (docs/policies.md).
 */
export type WhereInput = { readonly [key: string]: unknown };

const COMPARE: Record<string, CompareOp> = { eq: 'eq', ne: 'ne', lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte' };
const TEXT: Record<string, TextOp> = { contains: 'contains', startsWith: 'startsWith', endsWith: 'endsWith' };

export function compileWhere(contract: Contract, where: WhereInput | null | undefined, path = 'where'): Expr {
  if (where === null || where === undefined) return Expr.const(true);
  const parts: Expr[] = [];
  for (const [key, value] of Object.entries(where)) {
    const at = `${path}.${key}`;
    if (value === undefined) continue;
    if (value === null) throw userError(`${at}: null is not a condition; leave the key out instead`);
    switch (key) {
      case 'AND':
        parts.push(Expr.and(list(value, at).map((w, i) => compileWhere(contract, w, `${at}[${i}]`))));
        break;
      case 'OR':
        parts.push(Expr.or(list(value, at).map((w, i) => compileWhere(contract, w, `${at}[${i}]`))));
        break;
      case 'NOT':
        parts.push(negate(compileWhere(contract, value as WhereInput, at)));
        break;
      default:
        parts.push(compileField(contract, key, value as WhereInput, at));
    }
  }
  return Expr.and(parts);
}

function list(value: unknown, at: string): WhereInput[] {
  if (!Array.isArray(value)) throw userError(`${at}: expected a list of conditions`);
  return value.map((v, i) => {
    if (v === null || typeof v !== 'object') throw userError(`${at}[${i}]: expected a condition object`);
    return v as WhereInput;
  });
}

function compileField(contract: Contract, name: string, ops: WhereInput, at: string): Expr {
  const field = fieldOf(contract, name);
  if (!field) throw userError(`${at}: unknown field`);
  const parts: Expr[] = [];
  for (const [op, operand] of Object.entries(ops)) {
    if (operand === undefined) continue;
    if (operand === null) {
      throw userError(`${at}.${op}: null is not a value${field.nullable ? '; to match missing values use isNull: true' : ''}`);
    }
    const compare = COMPARE[op];
    const text = TEXT[op];
    if (compare) parts.push(Expr.compare(name, compare, operand as Scalar));
    else if (text) parts.push(Expr.text(name, text, operand as string));
    else if (op === 'in' || op === 'notIn') {
      const values = operand as Scalar[];
      if (values.some((v) => v === null)) throw userError(`${at}.${op}: the list may not contain null`);
      parts.push(Expr.in(name, values, op === 'notIn'));
    } else if (op === 'isNull') parts.push(Expr.isNull(name, operand !== true));
    else throw userError(`${at}: unknown operator "${op}"`);
  }
  return Expr.and(parts);
}
