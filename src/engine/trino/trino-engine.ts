import type { ScanNode } from '../../plan/plan.js';
import type { SourceDescription } from '../engine-interface.js';
import { quoteIdent } from '../sql/dialect.js';
import { SqlEngine } from '../sql/sql-engine.js';
import { trinoDialect } from '../sql/trino.js';
import { TrinoClient, type TrinoClientOptions } from './client.js';

/**
 * The `trino` engine (docs/external-engines.md): plans lowered to Trino's SQL and sent with
 * the client protocol (client.ts) to the configured coordinator, which reads
 * product `p` from table `<catalog>.<schema>.<p>` over the same data.
 * The hash mask calls the routine the operator created in Trino
 * (`hashFunction`), so the key stays there. A request's deadline or
 * cancellation cancels the statement (DELETE of its nextUri).
 */
export interface TrinoEngineOptions extends TrinoClientOptions {
  readonly hashFunction?: string;
  readonly describe: (source: string) => Promise<SourceDescription>;
}

export function createTrinoEngine(options: TrinoEngineOptions): SqlEngine {
  const client = new TrinoClient(options);
  const relation = (scan: ScanNode) => `${quoteIdent(options.catalog)}.${quoteIdent(options.schema)}.${quoteIdent(scan.product)}`;
  return new SqlEngine({
    name: 'trino',
    dialect: trinoDialect,
    relation,
    ...(options.hashFunction !== undefined && { hashFunction: options.hashFunction }),
    run: (lowered, signal) => client.run(lowered, signal !== undefined ? { signal } : {}),
    describe: options.describe,
  });
}
