import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { FieldType } from '../../src/contract/contract.js';
import { assertNever } from '../../src/errors.js';
import type { Expr } from '../../src/plan/expr.js';
import type { ScanField, SortKey } from '../../src/plan/plan.js';
import type { Nullable, Row, Scalar } from '../../src/plan/scalar.js';

/**
 * DuckDB over the same Parquet files, as the oracle for engine tests. Plans
 * are written by hand in tests, so the SQL here is written from the same
 * pieces (fields, predicates, sort keys) and returns rows in the engine's
 * representation: dates as days, timestamps as bigint microseconds.
 *
 * Dates and timestamps are compared as numbers (`d - DATE '1970-01-01'`,
 * `epoch_us(t)`) so no time-zone setting can change an answer.
 */
export class Oracle {
  private constructor(readonly connection: DuckDBConnection) {}

  static async open(): Promise<Oracle> {
    // One thread: COPY then writes row groups of exactly the size asked.
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    return new Oracle(await db.connect());
  }

  async rows(sql: string): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Row[];
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }
}

export const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The SQL of a field's value in the engine's representation. */
export function valueSql(f: ScanField): string {
  switch (f.type) {
    case 'date':
      return `(${ident(f.column)} - DATE '1970-01-01')::INTEGER`;
    case 'timestamp':
      return `epoch_us(${ident(f.column)})`;
    // Narrow and unsigned physical types read as the field's type.
    case 'int32':
      return `${ident(f.column)}::INTEGER`;
    case 'int64':
      return `${ident(f.column)}::BIGINT`;
    case 'float64':
      return `${ident(f.column)}::DOUBLE`;
    case 'string':
    case 'boolean':
      return ident(f.column);
    default:
      return assertNever(f.type);
  }
}

function literal(v: Scalar, type: FieldType): string {
  switch (type) {
    case 'string':
      return quote(v as string);
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    case 'int32':
    case 'date':
      return `${v}::INTEGER`;
    case 'int64':
    case 'timestamp':
      return `${v}::BIGINT`;
    case 'float64':
      return `'${v}'::DOUBLE`;
    default:
      return assertNever(type);
  }
}

const SQL_OP = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/** `valueOf` gives the SQL of a field's value: by default read from its column; over a subquery, its name. */
export function predicateSql(e: Expr, fields: ReadonlyMap<string, ScanField>, valueOf: (f: ScanField) => string = valueSql): string {
  const field = (name: string) => fields.get(name)!;
  switch (e.kind) {
    case 'const':
      return e.value ? 'TRUE' : 'FALSE';
    case 'and':
      return `(${e.args.map((a) => predicateSql(a, fields, valueOf)).join(' AND ')})`;
    case 'or':
      return `(${e.args.map((a) => predicateSql(a, fields, valueOf)).join(' OR ')})`;
    case 'isNull':
      return `(${valueOf(field(e.field))} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'compare': {
      const f = field(e.field);
      return `(${valueOf(f)} ${SQL_OP[e.op]} ${literal(e.value, f.type)})`;
    }
    case 'in': {
      const f = field(e.field);
      if (e.values.length === 0) return e.negated ? `(${valueOf(f)} IS NOT NULL)` : 'FALSE';
      return `(${valueOf(f)} ${e.negated ? 'NOT ' : ''}IN (${e.values.map((v) => literal(v, f.type)).join(', ')}))`;
    }
    case 'text': {
      const fn = { contains: 'contains', startsWith: 'starts_with', endsWith: 'ends_with' }[e.op];
      return `(${e.negated ? 'NOT ' : ''}${fn}(${valueOf(field(e.field))}, ${quote(e.pattern)}))`;
    }
    default:
      return assertNever(e);
  }
}

export interface OracleQuery {
  readonly source: string;
  readonly fields: readonly ScanField[];
  /** Fields returned, in order; default all. */
  readonly select?: readonly string[];
  readonly where?: readonly Expr[];
  /**
   * Masked fields: SQL computing the masked value from the raw one. `where`,
   * `orderBy` and the result then see masked values; `rowFilter` sees raw ones.
   */
  readonly masks?: ReadonlyMap<string, (raw: string) => string>;
  readonly rowFilter?: readonly Expr[];
  readonly orderBy?: readonly SortKey[];
  /** Order by file then row position (a scan's natural order). */
  readonly fileOrder?: boolean;
  readonly offset?: number;
  readonly limit?: number;
  readonly count?: boolean;
}

export function querySql(q: OracleQuery): string {
  const byName = new Map(q.fields.map((f) => [f.name, f]));
  const conjunction = (es: readonly Expr[] | undefined, valueOf: (f: ScanField) => string) =>
    es && es.length > 0 ? ` WHERE ${es.map((e) => predicateSql(e, byName, valueOf)).join(' AND ')}` : '';
  const read = q.fileOrder
    ? `read_parquet(${quote(q.source)}, filename = true, file_row_number = true)`
    : `read_parquet(${quote(q.source)})`;
  let from = read;
  let valueOf = valueSql;
  if (q.masks) {
    const inner = q.fields.map((f) => `${q.masks!.get(f.name)?.(valueSql(f)) ?? valueSql(f)} AS ${ident(f.name)}`).join(', ');
    from = `(SELECT ${inner} FROM ${read}${conjunction(q.rowFilter, valueSql)}) AS masked`;
    valueOf = (f) => ident(f.name);
  }
  const select = q.count
    ? 'count(*)::INTEGER AS "count"'
    : (q.select ?? q.fields.map((f) => f.name)).map((n) => `${valueOf(byName.get(n)!)} AS ${ident(n)}`).join(', ');
  const keys = q.fileOrder
    ? ['filename', 'file_row_number']
    : (q.orderBy ?? []).map((k) => `${valueOf(byName.get(k.field)!)} ${k.direction.toUpperCase()} NULLS ${k.nullsLast ? 'LAST' : 'FIRST'}`);
  const order = keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : '';
  const limit = q.limit !== undefined ? ` LIMIT ${q.limit}` : '';
  const offset = q.offset ? ` OFFSET ${q.offset}` : '';
  return `SELECT ${select} FROM ${from}${conjunction(q.where, valueOf)}${order}${limit}${offset}`;
}

/** DuckDB returns INTEGER as number and BIGINT as bigint already; only the date cast needs a look. */
export function normalise(rows: readonly Row[], fields: readonly ScanField[]): Row[] {
  const types = new Map(fields.map((f) => [f.name, f.type]));
  return rows.map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) out[k] = types.get(k) === 'date' && typeof v === 'bigint' ? Number(v) : (v as Nullable);
    return out;
  });
}
