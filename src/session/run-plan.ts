import type { Engine, ScanReport } from '../engine/engine.js';
import { optimize } from '../optimizer/optimize.js';
import type { PlanNode } from '../plan/plan.js';
import type { Row } from '../plan/scalar.js';
import { analyze } from './analyze.js';
import type { Session } from './session.js';

/**
 * Runs one logical plan inside a session: analyzer (mandatory), optimizer
 * (rules may be switched off), engine. The only path from a plan to data.
 */
export interface PlanRunnerOptions {
  readonly engine: Engine;
  /** Optimizer rules to switch off, by name (for explain and tests). */
  readonly disabledRules?: readonly string[];
}

export interface PlanResult {
  readonly rows: Row[];
  readonly scans: ScanReport[];
  readonly optimized: PlanNode;
}

export async function runPlan(options: PlanRunnerOptions, session: Session, plan: PlanNode): Promise<PlanResult> {
  const analyzed = analyze(plan, session);
  const { plan: optimized } = optimize(analyzed, { disabled: options.disabledRules ?? [] });
  const { rows, scans } = await options.engine.execute(optimized, { signal: session.signal });
  return { rows, scans, optimized };
}
