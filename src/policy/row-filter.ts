import { fieldOf, operatorGroupsFor, type Contract, type FieldType, type OperatorGroup } from '../contract/contract.js';
import { compileWhere, type WhereInput } from '../plan/compile-where.js';
import { parseScalar as coerce } from '../plan/parse-scalar.js';
import type { Expr } from '../plan/expr.js';
import { CALLER_REF } from './policy.js';

/**
 * Row filters are written in the `where` language (docs/graphql.md) with any operator
 * the field's type supports (the contract's `filter` groups bind callers, not
 * policy authors), and values that may be `$caller.<name>` references:
 * subject, tenant, role, purpose, or one of the caller's attributes.
 *
 * A reference the caller lacks, or whose value does not fit, denies access:
 * the filter fails closed.
 */
export interface CallerValues {
  readonly subject: string;
  readonly tenant?: string | undefined;
  readonly role: string;
  readonly purpose: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

const OPERATORS: Record<string, OperatorGroup> = {
  eq: 'eq',
  ne: 'eq',
  in: 'in',
  notIn: 'in',
  lt: 'range',
  lte: 'range',
  gt: 'range',
  gte: 'range',
  contains: 'text',
  startsWith: 'text',
  endsWith: 'text',
  isNull: 'null',
};

export interface RowFilterProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Checks a row filter against a contract at load time; undefined when valid. */
export function checkRowFilter(contract: Contract, filter: unknown, path: (string | number)[] = []): RowFilterProblem | undefined {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return { path, message: 'expected a condition object' };
  for (const [key, value] of Object.entries(filter)) {
    const at = [...path, key];
    if (key === 'AND' || key === 'OR') {
      if (!Array.isArray(value)) return { path: at, message: 'expected a list of conditions' };
      for (let i = 0; i < value.length; i++) {
        const p = checkRowFilter(contract, value[i], [...at, i]);
        if (p) return p;
      }
      continue;
    }
    if (key === 'NOT') {
      const p = checkRowFilter(contract, value, at);
      if (p) return p;
      continue;
    }
    const field = fieldOf(contract, key);
    if (!field) return { path: at, message: `unknown field "${key}"` };
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { path: at, message: 'expected operators, e.g. { eq: … }' };
    for (const [op, operand] of Object.entries(value)) {
      const group = OPERATORS[op];
      if (!group) return { path: [...at, op], message: `unknown operator "${op}"` };
      if (!operatorGroupsFor(field.type).includes(group))
        return { path: [...at, op], message: `operator ${op} does not apply to ${field.type}` };
      if (isRef(operand)) continue;
      try {
        if (op === 'isNull') {
          if (typeof operand !== 'boolean') throw new Error('isNull takes true or false');
        } else if (op === 'in' || op === 'notIn') {
          if (!Array.isArray(operand)) throw new Error(`${op} takes a list or a $caller reference`);
          operand.forEach((v) => coerce(field.type, v));
        } else if (group === 'text') {
          if (typeof operand !== 'string') throw new Error(`${op} takes a string`);
        } else coerce(field.type, operand);
      } catch (e) {
        return { path: [...at, op], message: (e as Error).message };
      }
    }
  }
  return undefined;
}

/**
 * The row filter for one caller, as a predicate, or `denied` with the reason
 * (for the audit log) when a reference cannot be resolved.
 */
export function resolveRowFilter(
  contract: Contract,
  filter: Readonly<Record<string, unknown>>,
  caller: CallerValues,
): { readonly predicate: Expr } | { readonly denied: string } {
  try {
    return { predicate: compileWhere(contract, substitute(contract, filter, caller) as WhereInput, 'rowFilter') };
  } catch (e) {
    return { denied: (e as Error).message };
  }
}

function substitute(contract: Contract, filter: unknown, caller: CallerValues, field?: FieldType, op?: string): unknown {
  if (Array.isArray(filter)) return filter.map((f) => substitute(contract, f, caller, field, op));
  if (filter !== null && typeof filter === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(filter)) {
      const f = field === undefined ? fieldOf(contract, key)?.type : undefined;
      out[key] =
        f !== undefined
          ? substitute(contract, value, caller, f)
          : field !== undefined
            ? operand(field, key, value, caller)
            : substitute(contract, value, caller);
    }
    return out;
  }
  return filter;
}

function operand(type: FieldType, op: string, value: unknown, caller: CallerValues): unknown {
  const resolved = isRef(value) ? lookup(value, caller) : value;
  if (op === 'isNull' || op === 'contains' || op === 'startsWith' || op === 'endsWith') {
    if (op !== 'isNull' && typeof resolved !== 'string') throw new Error(`${String(value)} is not a string`);
    return resolved;
  }
  if (op === 'in' || op === 'notIn') return (Array.isArray(resolved) ? resolved : [resolved]).map((v) => coerce(type, v));
  if (Array.isArray(resolved)) throw new Error(`${String(value)} is a list; use in`);
  return coerce(type, resolved);
}

function lookup(ref: string, caller: CallerValues): unknown {
  const name = CALLER_REF.exec(ref)![1]!;
  const value =
    name === 'subject'
      ? caller.subject
      : name === 'tenant'
        ? caller.tenant
        : name === 'role'
          ? caller.role
          : name === 'purpose'
            ? caller.purpose
            : caller.attributes[name];
  if (value === undefined || value === null) throw new Error(`the caller has no ${name}`);
  return value;
}

const isRef = (v: unknown): v is string => typeof v === 'string' && CALLER_REF.test(v);
