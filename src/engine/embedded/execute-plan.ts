import { assertNever, internalError, SluiceError } from '../../errors.js';
import { openIcebergScan } from '../scan/iceberg-scan.js';
import { exprFields } from '../../plan/expr.js';
import {
  aggregateInputFields,
  outputFieldsOf,
  type AggregateNode,
  type CountNode,
  type FieldMask,
  type FilterNode,
  type LimitNode,
  type MaskNode,
  type PlanNode,
  type ProjectNode,
  type SortNode,
} from '../../plan/plan.js';
import { HashAggregate } from '../kernels/aggregate.js';
import type { Nullable, Row } from '../../plan/scalar.js';
import { columnOf, liveCount, sliceLive, type Batch } from '../columnar/batch.js';
import { valueAt, type Column } from '../columnar/column.js';
import { Pacer, throwIfAborted } from '../limits/cancellation.js';
import { selectRows } from '../kernels/evaluate-predicate.js';
import { openScan, type ScanContext, type ScanOrder } from '../scan/scan.js';
import { SortAll, TopK } from '../kernels/top-k.js';

/**
 * Runs a plan as a pipeline of operators over batches, pulled from the top:
 * a limit that has its rows stops pulling and the scan stops reading.
 *
 * Building the pipeline is itself async (scans list and open their files up
 * front), and each operator is told which fields its parent reads, so the
 * scan decodes only those columns: a count over a scan decodes none.
 */
type Stream = AsyncIterable<Batch>;

/**
 * How Mask nodes mask: a function per field mask, from the policy layer
 * (which owns the mask rules and the hash key); the engine only applies it.
 */
export type MaskValues = (mask: FieldMask) => (value: Nullable) => Nullable;

export interface ExecutionContext extends ScanContext {
  readonly maskValues: MaskValues | undefined;
}

/** One execution: its context, and the pacer its operators pause with between slices of work (cancellation.ts). */
interface Run extends ExecutionContext {
  readonly pacer: Pacer;
}

export async function executePlan(plan: PlanNode, ctx: ExecutionContext): Promise<Row[]> {
  throwIfAborted(ctx.signal);
  const run: Run = { ...ctx, pacer: new Pacer(ctx.signal) };
  const fields = outputFieldsOf(plan);
  const stream = await build(plan, fields, run, undefined);
  const rows: Row[] = [];
  for await (const b of stream) {
    await run.pacer.pause();
    const columns = fields.map((f) => columnOf(b, f));
    const emit = (i: number) => {
      const row: Row = {};
      for (let k = 0; k < fields.length; k++) row[fields[k]!] = valueAt(columns[k]!, i);
      rows.push(row);
    };
    if (b.selection === null) for (let i = 0; i < b.length; i++) emit(i);
    else for (const i of b.selection) emit(i);
  }
  return rows;
}

/**
 * `needed`: the fields the parent reads from this node. `order`: a top-K
 * above asks the scan to visit row groups best-first; only nodes that keep
 * the row set independent of order (filter, project) pass it down.
 */
async function build(n: PlanNode, needed: readonly string[], ctx: Run, order: ScanOrder | undefined): Promise<Stream> {
  switch (n.kind) {
    case 'scan':
      if (n.table === undefined) return openScan(n, needed, ctx, order);
      if (ctx.tables === undefined)
        throw new SluiceError('SOURCE_UNSUPPORTED', 'source', `${n.product}: this engine does not read Iceberg tables`);
      return openIcebergScan(n, needed, ctx, ctx.tables, order);
    case 'filter':
      // Rows the filter drops must not count towards the first rows the top-K needs.
      return filter(
        n,
        await build(n.input, union(needed, [...exprFields(n.predicate)]), ctx, order && { ...order, firstRowsEnough: () => Infinity }),
      );
    case 'project':
      return project(n, needed, await build(n.input, needed, ctx, order));
    case 'sort':
      return sort(n, n.fetch, needed, ctx);
    case 'limit':
      return limit(n, needed, ctx);
    case 'count':
      return count(n, ctx);
    case 'mask':
      return mask(n, needed, ctx, order);
    case 'aggregate':
      return aggregate(n, ctx);
    default:
      return assertNever(n, 'plan node');
  }
}

async function* filter(n: FilterNode, input: Stream): Stream {
  for await (const b of input) {
    const out = selectRows(n.predicate, b);
    if (liveCount(out) > 0) yield out;
  }
}

async function* project(n: ProjectNode, needed: readonly string[], input: Stream): Stream {
  const keep = n.fields.filter((f) => needed.includes(f));
  for await (const b of input) {
    yield { ...b, columns: new Map(keep.map((f) => [f, columnOf(b, f)])) };
  }
}

async function sort(n: SortNode, fetch: number | undefined, needed: readonly string[], ctx: Run): Promise<Stream> {
  const keyFields = n.keys.map((k) => k.field);
  if (fetch === undefined) {
    const input = await build(n.input, union(needed, keyFields), ctx, undefined);
    return sorted(input, new SortAll(n.keys, needed), needed, ctx);
  }
  const topK = new TopK(n.keys, fetch, needed);
  const first = n.keys[0];
  const order: ScanOrder | undefined = first && {
    field: first.field,
    direction: first.direction,
    nullsLast: first.nullsLast,
    keyFields,
    stopBefore: (bound) => topK.cannotBeat(bound),
    narrowing: () => topK.full,
    candidates: (b) => topK.candidates(b),
    shortBy: () => topK.shortBy,
    firstRowsEnough: (b) => topK.firstRowsEnough(b),
  };
  const input = await build(n.input, union(needed, keyFields), ctx, order);
  return sorted(input, topK, needed, ctx);
}

/** Rows a sorter takes between pauses. */
const SLICE = 4096;

/**
 * Feeds the sorter a slice of rows at a time: after each, what it holds is
 * charged to the request's memory budget (a top-K as big as its offset
 * fails with RESOURCE_LIMIT as it fills, not after) and the pacer may let
 * the event loop turn; so does the final sort.
 */
async function* sorted(input: Stream, sorter: TopK | SortAll, fields: readonly string[], ctx: Run): Stream {
  let charged = 0;
  for await (const b of input) {
    const n = liveCount(b);
    for (let from = 0; from < n; from += SLICE) {
      sorter.offer(b, from, Math.min(n, from + SLICE));
      if (sorter.heldBytes > charged) {
        ctx.budget?.chargeMemory(sorter.heldBytes - charged, 'rows');
        charged = sorter.heldBytes;
      }
      await ctx.pacer.pause();
    }
  }
  yield rowsBatch(await sorter.result(ctx.pacer.pause), fields);
}

async function limit(n: LimitNode, needed: readonly string[], ctx: Run): Promise<Stream> {
  // A sort under a limit only needs its first skip + fetch rows: run it as a top-K.
  const input =
    n.input.kind === 'sort' && n.fetch !== undefined
      ? await sort(n.input, Math.min(n.input.fetch ?? Infinity, n.skip + n.fetch), needed, ctx)
      : await build(n.input, needed, ctx, undefined);
  return sliceStream(input, n.skip, n.fetch ?? Infinity);
}

async function* sliceStream(input: Stream, skip: number, fetch: number): Stream {
  if (fetch <= 0) return;
  let toSkip = skip;
  let left = fetch;
  for await (const b of input) {
    const live = liveCount(b);
    if (toSkip >= live) {
      toSkip -= live;
      continue;
    }
    const out = sliceLive(b, toSkip, left);
    toSkip = 0;
    left -= liveCount(out);
    yield out;
    if (left <= 0) return;
  }
}

async function count(n: CountNode, ctx: Run): Promise<Stream> {
  const input = await build(n.input, [], ctx, undefined);
  return (async function* () {
    let total = 0;
    for await (const b of input) {
      total += liveCount(b);
      await ctx.pacer.pause();
    }
    yield rowsBatch([[total]], ['count']);
  })();
}

/** Consumes its whole input, then yields one batch of groups (see aggregate.ts). */
async function aggregate(n: AggregateNode, ctx: Run): Promise<Stream> {
  const input = await build(n.input, aggregateInputFields(n), ctx, undefined);
  return (async function* () {
    const groups = new HashAggregate(n);
    for await (const b of input) {
      await ctx.pacer.pause();
      groups.offer(b);
    }
    yield groups.result();
  })();
}

/**
 * Replaces masked fields' values with their masks, for live rows only.
 * Everything above sees masked values, so a top-K above may have the scan
 * visit row groups by statistics only when no sort key is masked
 * (statistics describe raw values).
 */
async function mask(n: MaskNode, needed: readonly string[], ctx: Run, order: ScanOrder | undefined): Promise<Stream> {
  const maskValues = ctx.maskValues;
  if (maskValues === undefined) throw internalError('the plan masks fields, but the engine was given no mask implementation');
  const masks = n.masks.filter((m) => needed.includes(m.field)).map((m) => ({ field: m.field, apply: maskValues(m) }));
  const masked = new Set(n.masks.map((m) => m.field));
  const keepOrder = order !== undefined && !order.keyFields.some((f) => masked.has(f)) ? order : undefined;
  const input = await build(n.input, needed, ctx, keepOrder);
  return (async function* () {
    for await (const b of input) {
      const columns = new Map(b.columns);
      for (const { field, apply } of masks) {
        const raw = columnOf(b, field);
        // Only live rows are ever read (batch.ts): the others stay holes, not a fill of the whole row group.
        const values: Nullable[] = new Array(b.length);
        if (b.selection === null) for (let i = 0; i < b.length; i++) values[i] = apply(valueAt(raw, i));
        else for (const i of b.selection) values[i] = apply(valueAt(raw, i));
        columns.set(field, { kind: 'scalars', values });
      }
      yield { ...b, columns };
    }
  })();
}

/** Materialised rows (after a sort or count) as a batch of scalar columns. */
function rowsBatch(rows: readonly Nullable[][], fields: readonly string[]): Batch {
  const columns = new Map<string, Column>(fields.map((f, k) => [f, { kind: 'scalars', values: rows.map((r) => r[k]!) }]));
  return { length: rows.length, columns, selection: null, ordinalBase: 0 };
}

const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
