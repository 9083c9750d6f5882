import type { Span } from '@opentelemetry/api';
import type { Engine, ScanReport, SourceFileReport } from '../engine/engine.js';
import { inSpan, startSpan } from '../telemetry/spans.js';
import type { PlanNode } from '../plan/plan.js';
import type { Row } from '../plan/scalar.js';
import { preparePlan } from './prepare-plan.js';
import type { ResultCache } from './result-cache.js';
import type { Session } from './session.js';

/**
 * Runs one logical plan inside a session: prepared (prepare-plan.ts: analyzer,
 * then optimizer), then executed by the engine. The only path from a plan to data.
 */
export interface PlanRunnerOptions {
  readonly engine: Engine;
  /** Optimizer rules to switch off, by name (for explain and tests). */
  readonly disabledRules?: readonly string[];
  /** The span the run's policy / optimize / execute / scan spans hang under (telemetry/spans.ts). */
  readonly span?: Span;
  /** Told what the execution read once it ends, also when it failed (metrics count the work either way). */
  readonly scanned?: (scans: readonly ScanReport[]) => void;
  /** Answers kept for identical plans of callers with the same access over the same source versions (result-cache.ts); default none. */
  readonly results?: ResultCache;
}

export interface PlanResult {
  readonly rows: Row[];
  readonly scans: ScanReport[];
  readonly optimized: PlanNode;
  /** Answered from the result cache: nothing was read, `scans` are those of the run that computed it. */
  readonly fromCache?: boolean;
}

export async function runPlan(options: PlanRunnerOptions, session: Session, plan: PlanNode): Promise<PlanResult> {
  const parent = options.span;
  const { optimized } = await preparePlan(plan, session, { disabledRules: options.disabledRules ?? [], span: parent });
  const results = options.results;
  const key = results && (await results.keyOf(options.engine, session.access, optimized));
  if (key !== undefined) {
    const hit = results!.get(key);
    if (hit !== undefined) return { ...hit, optimized, fromCache: true };
  }
  const { rows, scans } = await inSpan('execute', parent, {}, async (span) => {
    const started = performance.now();
    const reports: ScanReport[] = [];
    try {
      const result = await options.engine.execute(optimized, { signal: session.signal, budget: session.budget, reports });
      span.setAttribute('sluice.rows', result.rows.length);
      return result;
    } finally {
      // Also when the execution failed (RESOURCE_LIMIT, a timeout): what it had read by then.
      for (const scan of reports) for (const source of scan.sources) endScanSpan(span, scan, source, started);
      options.scanned?.(reports);
    }
  });
  if (key !== undefined) results!.set(key, rows, scans);
  return { rows, scans, optimized };
}

/**
 * One file's scan span: from the execution's first read of the file to the
 * end of its last (a pruned file's span is empty, at the execution's start),
 * with what reading it cost. Reads of several files overlap, so the spans do.
 */
function endScanSpan(execute: Span, scan: ScanReport, source: SourceFileReport, executionStart: number): void {
  const start = source.readStartedAt ?? executionStart;
  startSpan(
    'scan',
    execute,
    {
      'sluice.product': scan.product,
      'sluice.product.version': scan.version,
      'sluice.source.uri': source.uri,
      'sluice.row_groups.scanned': source.rowGroupsScanned,
      'sluice.row_groups.total': source.rowGroupsTotal,
      'sluice.rows.scanned': source.rowsScanned,
      'sluice.bytes.read': source.bytesRead,
      ...(source.bytesFetched !== undefined && { 'sluice.bytes.fetched': source.bytesFetched }),
      ...(source.requests !== undefined && { 'sluice.requests': source.requests }),
    },
    start,
  ).end(source.readEndedAt ?? start);
}
