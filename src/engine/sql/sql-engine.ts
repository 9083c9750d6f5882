import { createHash } from 'node:crypto';
import { SluiceError } from '../../errors.js';
import { inputsOf, scansOf, type PlanNode, type ScanNode } from '../../plan/plan.js';
import type { Row } from '../../plan/scalar.js';
import type { Engine, ExecutionOptions, ExecutionResult, SourceDescription } from '../engine-interface.js';
import { queryTimeout } from '../limits/cancellation.js';
import type { ScanReport } from '../scan/scan-context.js';
import type { SqlDialect } from './dialect.js';
import { lowerPlan, type LoweredPlan } from './lower-plan.js';

/**
 * An engine elsewhere that runs SQL: each plan (already policy-injected and
 * optimized, so its masks sit below everything the caller wrote) is lowered
 * to one statement in the engine's dialect (lower-plan.ts) and sent; the
 * rows come back in the plan's representation.
 *
 * What it reports: one ScanReport per scan of the plan, naming the engine
 * and the statement's hash (`sha256:<hex>` of the text sent), with no
 * files: the engine reads through its own catalog, and which files and row
 * groups it touched is its business. Reports are pushed before the
 * statement is sent, so a failed execution reports them too.
 *
 * Limits: the request's deadline and cancellation reach the engine (the
 * statement is interrupted or cancelled); the rows a statement may return
 * are bounded by the runner (Trino's `maxRows`). The scan budget's rows,
 * bytes and memory are the embedded engine's measures of its own reads and
 * are not charged here: an external engine is bounded by its own settings
 * (Trino's query.max-memory, DuckDB's memory_limit).
 */
export interface SqlEngineOptions {
  readonly name: 'duckdb' | 'trino';
  readonly dialect: SqlDialect;
  /** The FROM item reading a scan's product; throws SOURCE_UNSUPPORTED when the engine cannot read that source. */
  readonly relation: (scan: ScanNode) => string;
  /** The function computing the hash mask in the engine; undefined: plans that hash are refused. */
  readonly hashFunction?: string;
  /** Sends one lowered statement and returns its rows; throws QUERY_TIMEOUT once `signal` aborts. */
  readonly run: (lowered: LoweredPlan, signal: AbortSignal | undefined) => Promise<Row[]>;
  /** Describes sources for `contract validate` (the files are the embedded engine's to read). */
  readonly describe: (source: string) => Promise<SourceDescription>;
  /** Start-up work the first query should not pay (opening DuckDB). Never rejects. */
  readonly ready?: () => Promise<void>;
  readonly close?: () => Promise<void>;
}

export class SqlEngine implements Engine {
  constructor(private readonly options: SqlEngineOptions) {}

  get name(): 'duckdb' | 'trino' {
    return this.options.name;
  }

  async execute(plan: PlanNode, options: ExecutionOptions = {}): Promise<ExecutionResult> {
    const { name, dialect, relation, hashFunction } = this.options;
    if (options.signal?.aborted) throw queryTimeout();
    if (hashFunction === undefined && hashes(plan)) {
      throw new SluiceError(
        'SOURCE_UNSUPPORTED',
        'config',
        `a policy hashes a field of this product, and the ${name} engine has no hash function configured; the operator should set engines.${name}.hashFunction`,
      );
    }
    const lowered = lowerPlan(plan, { dialect, relation, ...(hashFunction !== undefined && { hashFunction }) });
    const statementHash = `sha256:${createHash('sha256').update(lowered.sql).digest('hex')}`;
    const scans: ScanReport[] = options.reports ?? [];
    scans.length = 0;
    const reports = scansOf(plan).map((s) => ({
      product: s.product,
      major: s.major,
      version: s.version,
      sources: [],
      engine: name,
      statementHash,
      rowsReturned: 0,
    }));
    scans.push(...reports);
    const rows = await this.options.run(lowered, options.signal);
    scans.splice(0, scans.length, ...reports.map((r) => ({ ...r, rowsReturned: rows.length })));
    return { rows, scans };
  }

  describeSource(source: string): Promise<SourceDescription> {
    return this.options.describe(source);
  }

  async ready(): Promise<void> {
    await this.options.ready?.();
  }

  async close(): Promise<void> {
    await this.options.close?.();
  }

  cacheStats(): null {
    return null;
  }
}

function hashes(plan: PlanNode): boolean {
  if (plan.kind === 'mask' && plan.masks.some((m) => m.kind === 'hash')) return true;
  return inputsOf(plan).some(hashes);
}
