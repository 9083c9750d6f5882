import type { Span } from '@opentelemetry/api';
import { optimize } from '../optimizer/optimize.js';
import type { PlanNode } from '../plan/plan.js';
import { inSpan } from '../telemetry/spans.js';
import { analyze } from './analyze.js';
import type { Session } from './session.js';

/**
 * A plan made ready for the engine in a session: the analyzer first
 * (policy, which cannot be switched off), then the optimizer (whose rules
 * may be). The one place that order is written: execution (run-plan.ts)
 * and `sluice explain` both prepare plans here.
 */
export interface PreparedPlan {
  /** After the analyzer: policy injected, access checked. */
  readonly analyzed: PlanNode;
  /** After the optimizer: what the engine runs. */
  readonly optimized: PlanNode;
  /** Names of the optimizer rules that changed the plan. */
  readonly applied: readonly string[];
}

export interface PrepareOptions {
  /** Optimizer rules to switch off, by name. */
  readonly disabledRules?: readonly string[];
  /** The span the `policy` and `optimize` spans hang under (telemetry/spans.ts). */
  readonly span?: Span | undefined;
}

export async function preparePlan(plan: PlanNode, session: Session, options: PrepareOptions = {}): Promise<PreparedPlan> {
  const analyzed = await inSpan('policy', options.span, {}, () => analyze(plan, session));
  const { plan: optimized, applied } = await inSpan('optimize', options.span, {}, () =>
    optimize(analyzed, { disabled: options.disabledRules ?? [] }),
  );
  return { analyzed, optimized, applied };
}
