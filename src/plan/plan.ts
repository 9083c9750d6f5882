import type { FieldType } from '../contract/contract.js';
import { exprFields, type Expr } from './expr.js';

/**
 * The logical plan: frozen plain data, one `kind` per node, no knowledge of
 * how it is executed (no Arrow, no Parquet here). Built by `graphql/`, made
 * valid by analyzer rules, rewritten by optimizer rules, run by `engine/`.
 *
 * Rows between nodes are keyed by contract field name; only the scan knows
 * source column names.
 */
export interface ScanField {
  readonly name: string;
  readonly column: string;
  readonly type: FieldType;
}

/** Reads a product version's source. */
export interface ScanNode {
  readonly kind: 'scan';
  readonly product: string;
  readonly major: number;
  readonly version: string;
  /** Resolved source location: an absolute glob or an `s3://` URI. */
  readonly source: string;
  /** Fields read (the projection). */
  readonly fields: readonly ScanField[];
  /** The caller's conjuncts evaluated inside the scan; also used to skip row groups by statistics (see `rowFilter`). */
  readonly filters: readonly Expr[];
  /**
   * The policy's row filter, pinned to the scan by the analyzer
   * (inject-policy.ts) and kept apart from `filters`: no optimizer rule
   * drops it or merges the caller's conjuncts into it. Rows failing it do
   * not exist for the session, and the engine lets `filters` decide what is
   * read only where the statistics prove that every row passes it
   * (prune-row-groups.ts, `visibleEvidence`), so that what a scan reads
   * never depends on hidden rows through the caller's own predicates.
   */
  readonly rowFilter?: Expr;
  /** Stop after this many rows that pass `filters` (limit pushed into the scan). */
  readonly fetch?: number;
  /** Set when the source is a table with snapshots (Apache Iceberg, docs/iceberg.md) rather than a set of Parquet files. */
  readonly table?: TableScan;
}

/**
 * A scan of an Apache Iceberg table: which snapshot it reads. A request
 * reads one snapshot per table (request-context.ts pins scans without one to
 * the snapshot current when the request first needed it); `asOf` and
 * cursors pin an older one.
 */
export interface TableScan {
  readonly format: 'iceberg';
  /** The snapshot's id in decimal, exactly as the table metadata records it; absent: not pinned yet. */
  readonly snapshotId?: string;
}

export interface FilterNode {
  readonly kind: 'filter';
  readonly input: PlanNode;
  readonly predicate: Expr;
}

export interface ProjectNode {
  readonly kind: 'project';
  readonly input: PlanNode;
  readonly fields: readonly string[];
}

export interface SortKey {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
  /**
   * docs/graphql.md puts nulls last in both directions; a backward page (`last`,
   * `before`) sorts the connection's order reversed, where they come first.
   */
  readonly nullsLast: boolean;
}

export interface SortNode {
  readonly kind: 'sort';
  readonly input: PlanNode;
  readonly keys: readonly SortKey[];
  /** Keep only the first `fetch` rows (top-K). */
  readonly fetch?: number;
}

export interface LimitNode {
  readonly kind: 'limit';
  readonly input: PlanNode;
  readonly skip: number;
  readonly fetch?: number;
}

/**
 * Masks, strictest first (docs/policies.md). When several policies mask one field,
 * the earliest in this list wins.
 */
export const MASK_KINDS = ['null', 'redact', 'hash', 'show_first_4', 'show_last_4', 'email_domain', 'year', 'round'] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

export interface FieldMask {
  readonly field: string;
  /** The field's type; every mask keeps it (docs/policies.md). */
  readonly type: FieldType;
  readonly kind: MaskKind;
  /** For `round`: round to the nearest multiple of this (positive). */
  readonly round?: number;
}

/**
 * Replaces the values of masked fields by their masked form; other fields
 * pass through. Everything above a Mask sees masked values only: the
 * analyzer puts it directly over the policy's row filter, below every user
 * filter, sort, cursor and count, and optimizer rules must not move a
 * predicate on a masked field below it.
 */
export interface MaskNode {
  readonly kind: 'mask';
  readonly input: PlanNode;
  readonly masks: readonly FieldMask[];
}

/** One row `{ count }` with the number of input rows. */
export interface CountNode {
  readonly kind: 'count';
  readonly input: PlanNode;
}

/**
 * Aggregate functions (docs/graphql.md), with SQL's semantics: nulls are ignored, and
 * a function that sees no non-null value gives null (`count` gives 0).
 *
 * | function  | input            | output representation (src/plan/scalar.ts)       |
 * |-----------|------------------|--------------------------------------------------|
 * | count(*)  | —                | number: rows in the group                        |
 * | sum       | int32, int64     | bigint, exact (as SQL's sum(integer) → bigint)   |
 * | sum       | float64          | number                                           |
 * | avg       | int32, int64, float64 | number                                      |
 * | min, max  | any but boolean  | the input's own representation                   |
 *
 * `type` is the input field's contract type (a mask keeps it): int32 and
 * float64 share one representation, but not one sum.
 */
export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max';

export type Aggregate =
  { readonly fn: 'count' } | { readonly fn: 'sum' | 'avg' | 'min' | 'max'; readonly field: string; readonly type: FieldType };

/** The output field an aggregate's values appear under: `count(*)`, `sum(total_amount)`. */
export const aggregateName = (a: Aggregate): string => (a.fn === 'count' ? 'count(*)' : `${a.fn}(${a.field})`);

/**
 * Groups its input rows by the `groupBy` fields (nulls form one group) and
 * computes `aggregates` per group. Output rows: the group fields, then one
 * field per aggregate named by `aggregateName`, in no particular order (a
 * Sort above makes it deterministic). Without `groupBy` there is exactly one
 * group, also over no rows.
 *
 * `maxGroups`: the execution fails (RESOURCE_LIMIT) as soon as more groups
 * form; it never truncates.
 */
export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly input: PlanNode;
  readonly groupBy: readonly string[];
  readonly aggregates: readonly Aggregate[];
  readonly maxGroups?: number;
}

export type PlanNode = ScanNode | FilterNode | ProjectNode | SortNode | LimitNode | CountNode | MaskNode | AggregateNode;

const freeze = <T extends object>(o: T): T => Object.freeze(o);

export const ScanNode = {
  create: (s: Omit<ScanNode, 'kind'>): ScanNode =>
    freeze({ kind: 'scan', ...s, fields: freeze([...s.fields]), filters: freeze([...s.filters]) }),
  is: (n: PlanNode): n is ScanNode => n.kind === 'scan',
};
export const FilterNode = {
  create: (input: PlanNode, predicate: Expr): FilterNode => freeze({ kind: 'filter', input, predicate }),
  is: (n: PlanNode): n is FilterNode => n.kind === 'filter',
};
export const ProjectNode = {
  create: (input: PlanNode, fields: readonly string[]): ProjectNode => freeze({ kind: 'project', input, fields: freeze([...fields]) }),
  is: (n: PlanNode): n is ProjectNode => n.kind === 'project',
};
export const SortNode = {
  create: (input: PlanNode, keys: readonly SortKey[], fetch?: number): SortNode =>
    freeze({ kind: 'sort', input, keys: freeze([...keys]), ...(fetch !== undefined && { fetch }) }),
  is: (n: PlanNode): n is SortNode => n.kind === 'sort',
};
export const LimitNode = {
  create: (input: PlanNode, skip: number, fetch?: number): LimitNode =>
    freeze({ kind: 'limit', input, skip, ...(fetch !== undefined && { fetch }) }),
  is: (n: PlanNode): n is LimitNode => n.kind === 'limit',
};
export const MaskNode = {
  create: (input: PlanNode, masks: readonly FieldMask[]): MaskNode =>
    freeze({ kind: 'mask', input, masks: freeze(masks.map((m) => freeze({ ...m }))) }),
  is: (n: PlanNode): n is MaskNode => n.kind === 'mask',
};
export const CountNode = {
  create: (input: PlanNode): CountNode => freeze({ kind: 'count', input }),
  is: (n: PlanNode): n is CountNode => n.kind === 'count',
};

export const AggregateNode = {
  create: (input: PlanNode, groupBy: readonly string[], aggregates: readonly Aggregate[], maxGroups?: number): AggregateNode =>
    freeze({
      kind: 'aggregate',
      input,
      groupBy: freeze([...groupBy]),
      aggregates: freeze(aggregates.map((a) => freeze({ ...a }))),
      ...(maxGroups !== undefined && { maxGroups }),
    }),
  is: (n: PlanNode): n is AggregateNode => n.kind === 'aggregate',
};

/** The fields an aggregate reads from its input: group fields, then aggregated fields. */
export function aggregateInputFields(n: AggregateNode): string[] {
  return [...new Set([...n.groupBy, ...n.aggregates.flatMap((a) => (a.fn === 'count' ? [] : [a.field]))])];
}

/** The node's inputs, in order. */
export function inputsOf(n: PlanNode): readonly PlanNode[] {
  return n.kind === 'scan' ? [] : [n.input];
}

/** The same node over a new input (nodes here have at most one). */
export function withInput(n: PlanNode, input: PlanNode): PlanNode {
  if (n.kind === 'scan') return n;
  if (n.input === input) return n;
  return freeze({ ...n, input });
}

/** The fields of a node's output rows, in order. */
export function outputFieldsOf(n: PlanNode): readonly string[] {
  switch (n.kind) {
    case 'scan':
      return n.fields.map((f) => f.name);
    case 'project':
      return n.fields;
    case 'count':
      return ['count'];
    case 'aggregate':
      return [...n.groupBy, ...n.aggregates.map(aggregateName)];
    case 'filter':
    case 'sort':
    case 'limit':
    case 'mask':
      return outputFieldsOf(n.input);
  }
}

/** Fields whose masks a plan applies. */
export function maskedFieldsOf(plan: PlanNode): string[] {
  const out: string[] = [];
  for (let n: PlanNode | undefined = plan; n; n = n.kind === 'scan' ? undefined : n.input) {
    if (n.kind === 'mask') out.push(...n.masks.map((m) => m.field));
  }
  return out;
}

/**
 * Fields a plan reads on purpose: what it projects, filters on (scan
 * filters and row filter included), sorts by and masks. A scan's own field list is not
 * counted: it is what the source offers, narrowed later.
 */
export function fieldsReferenced(plan: PlanNode): Set<string> {
  const out = new Set<string>();
  for (let n: PlanNode | undefined = plan; n; n = n.kind === 'scan' ? undefined : n.input) {
    switch (n.kind) {
      case 'scan':
        for (const f of n.filters) exprFields(f, out);
        if (n.rowFilter) exprFields(n.rowFilter, out);
        break;
      case 'filter':
        exprFields(n.predicate, out);
        break;
      case 'sort':
        for (const k of n.keys) out.add(k.field);
        break;
      case 'project':
        for (const f of n.fields) out.add(f);
        break;
      case 'mask':
        for (const m of n.masks) out.add(m.field);
        break;
      case 'aggregate':
        for (const f of aggregateInputFields(n)) out.add(f);
        break;
      case 'limit':
      case 'count':
        break;
    }
  }
  return out;
}

/** The plan with every scan of a table that is not pinned to a snapshot yet pinned to `snapshotId`. */
export function pinSnapshot(n: PlanNode, snapshotId: string): PlanNode {
  if (n.kind === 'scan') {
    if (n.table === undefined || n.table.snapshotId !== undefined) return n;
    return ScanNode.create({ ...n, table: freeze({ ...n.table, snapshotId }) });
  }
  return withInput(n, pinSnapshot(n.input, snapshotId));
}

/** Finds every scan under a plan, left to right. */
export function scansOf(n: PlanNode): ScanNode[] {
  return n.kind === 'scan' ? [n] : inputsOf(n).flatMap(scansOf);
}
