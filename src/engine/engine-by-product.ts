import { internalError, SluiceError } from '../errors.js';
import { scansOf, type PlanNode } from '../plan/plan.js';
import type { ColumnCacheStats } from './cache/column-cache.js';
import type {
  Engine,
  ExecutionOptions,
  ExecutionResult,
  SourceDescription,
  TableDescription,
  TableFieldRequest,
} from './engine-interface.js';
import type { SnapshotSelector } from './table/iceberg/scan/select-snapshot.js';
import type { ResolvedSnapshot } from './table/table-sources.js';

/**
 * The engine a deployment serves with when `execution:` routes products to
 * engines elsewhere (docs/external-engines.md): each plan goes to its product's engine,
 * the default one for products not listed. A plan reads one product (a
 * relationship's batch is a plan of the related product), so products on
 * different engines still join level by level, one plan per engine and
 * level. Sources are described by the embedded engine: the files in the
 * contracts are what every engine reads.
 */
export class EngineByProduct implements Engine {
  constructor(
    private readonly embedded: Engine,
    private readonly engines: ReadonlyMap<string, Engine>,
    private readonly byProduct: Readonly<Record<string, string>>,
    private readonly defaultEngine: string,
  ) {}

  /** The name of the engine running `product`'s plans. */
  engineOf(product: string): string {
    return this.byProduct[product] ?? this.defaultEngine;
  }

  execute(plan: PlanNode, options?: ExecutionOptions): Promise<ExecutionResult> {
    const names = new Set(scansOf(plan).map((s) => this.engineOf(s.product)));
    if (names.size > 1) throw internalError(`a plan reads products routed to different engines (${[...names].join(', ')})`);
    const name = names.values().next().value ?? this.defaultEngine;
    const table = scansOf(plan).find((s) => s.table !== undefined);
    if (name !== 'embedded' && table !== undefined)
      throw new SluiceError(
        'SOURCE_UNSUPPORTED',
        'source',
        `${table.product}: an Apache Iceberg table is read by the embedded engine only; route the product to embedded in execution:`,
      );
    return this.engine(name).execute(plan, options);
  }

  describeSource(source: string): Promise<SourceDescription> {
    return this.embedded.describeSource(source);
  }

  /** Iceberg tables are the embedded engine's: their snapshots are resolved there. */
  resolveSnapshot(source: string, label: string, selector?: SnapshotSelector): Promise<ResolvedSnapshot | null> {
    if (this.embedded.resolveSnapshot === undefined) return Promise.resolve(null);
    return this.embedded.resolveSnapshot(source, label, selector);
  }

  describeTable(source: string, label: string, fields: readonly TableFieldRequest[]): Promise<TableDescription> {
    if (this.embedded.describeTable === undefined)
      return Promise.reject(new SluiceError('SOURCE_UNSUPPORTED', 'source', `${label}: this engine does not read Iceberg tables`));
    return this.embedded.describeTable(source, label, fields);
  }

  async ready(): Promise<void> {
    await Promise.all([this.embedded.ready(), ...[...this.engines.values()].map((e) => e.ready())]);
  }

  async close(): Promise<void> {
    await Promise.all([this.embedded.close(), ...[...this.engines.values()].map((e) => e.close())]);
  }

  cacheStats(): ColumnCacheStats | null {
    return this.embedded.cacheStats();
  }

  private engine(name: string): Engine {
    if (name === 'embedded') return this.embedded;
    const engine = this.engines.get(name);
    if (engine === undefined) throw internalError(`no engine named ${name} was created`);
    return engine;
  }
}
