import { Catalog } from '../../../src/contract/catalog.js';
import { versionKey, type Contract } from '../../../src/contract/contract.js';
import { loadContracts } from '../../../src/contract/load-contracts.js';
import { InProcessDuckDb } from '../../../src/engine/duckdb/in-process-duckdb.js';
import { EmbeddedEngine } from '../../../src/engine/engine.js';
import { duckdbDialect } from '../../../src/engine/sql/duckdb.js';
import { lowerPlan, type LoweredPlan } from '../../../src/engine/sql/lower-plan.js';
import { trinoDialect } from '../../../src/engine/sql/trino.js';
import { TrinoClient } from '../../../src/engine/trino/client.js';
import { SluiceError } from '../../../src/errors.js';
import { optimize } from '../../../src/optimizer/optimize.js';
import { Expr } from '../../../src/plan/expr.js';
import type { FieldMask, PlanNode, ScanNode } from '../../../src/plan/plan.js';
import type { Row } from '../../../src/plan/scalar.js';
import type { Access, EffectivePolicy } from '../../../src/policy/effective-policy.js';
import { loadPolicies } from '../../../src/policy/load-policies.js';
import { resolveAccess } from '../../../src/policy/effective-policy.js';
import { maskFunction, maskValuesWith } from '../../../src/policy/mask-value.js';
import { analyze } from '../../../src/session/analyze.js';
import { createSession, fullAccess, type Session } from '../../../src/session/session.js';
import { TrinoStandin } from '../../support/trino-standin.js';

/**
 * The same plans through three engines: the embedded one, DuckDB in-process
 * (duckdbDialect) and the Trino stand-in over HTTP (trinoDialect, the REST
 * client). Plans are compiled from the demo contracts, analyzed for a
 * session and optimized, exactly as `runPlan` hands them to an engine.
 *
 * Callers:
 * - admin: every row, every value;
 * - analyst: the demo's policies (orders of EU and US with e-mail hashed;
 *   customers' name show_first_4, email email_domain, lifetime_value round 1000);
 * - strict: a policy written here so every mask kind, on every type, sits
 *   under the caller's part of the plan, with a row filter on a field it
 *   also masks (the filter sees raw values).
 */
export type CallerName = 'admin' | 'analyst' | 'strict';
export type EngineName = 'embedded' | 'duckdb' | 'trino';

export const HASH_KEY = Buffer.from(process.env['SLUICE_HASH_KEY'] ?? 'test-only-hash-key', 'utf8');
export const TRINO_PASSWORD = 'standin-secret-password';
export const HASH_ROUTINE = 'lake.governance.sluice_hash';
export const DUCKDB_HASH = 'sluice_hash';

export const catalog = new Catalog(loadContracts('products'));
export const orders = catalog.get('orders', 2)!;
export const customers = catalog.get('customers', 1)!;

const hash = maskFunction({ field: 'x', type: 'string', kind: 'hash' }, HASH_KEY);
const computeHash = (s: string) => hash(s) as string;

/** The strict caller's masks, by product. */
export const STRICT_MASKS: Record<string, readonly Omit<FieldMask, 'type'>[]> = {
  orders: [
    { field: 'customer_id', kind: 'round', round: 10 },
    { field: 'quantity', kind: 'round', round: 3 },
    { field: 'total_amount', kind: 'round', round: 25 },
    { field: 'status', kind: 'show_last_4' },
    { field: 'currency', kind: 'email_domain' },
    { field: 'email', kind: 'redact' },
    { field: 'notes', kind: 'show_first_4' },
    { field: 'is_gift', kind: 'null' },
    { field: 'order_date', kind: 'year' },
    { field: 'created_at', kind: 'redact' },
  ],
  customers: [
    { field: 'name', kind: 'hash' },
    { field: 'country', kind: 'show_first_4' },
    { field: 'segment', kind: 'show_last_4' },
    { field: 'email', kind: 'email_domain' },
    { field: 'signup_date', kind: 'redact' },
    { field: 'lifetime_value', kind: 'null' },
    { field: 'is_active', kind: 'redact' },
    { field: 'updated_at', kind: 'year' },
  ],
};

/** The strict caller's row filters: on raw values, some of a field it masks. */
const STRICT_ROW_FILTERS: Record<string, Expr> = {
  orders: Expr.and([Expr.compare('quantity', 'gte', 2), Expr.in('status', ['cancelled'], true)]),
  customers: Expr.or([Expr.compare('segment', 'ne', 'smb'), Expr.isNull('email')]),
};

function strictAccess(contracts: readonly Contract[]): Access {
  const granted = new Map<string, EffectivePolicy>();
  for (const c of contracts) {
    // Orders v1 (amount, not total_amount) is served too: only the masks of fields a version has.
    const masks = (STRICT_MASKS[c.product] ?? []).flatMap((m) =>
      c.fields.filter((f) => f.name === m.field).map((f) => ({ ...m, type: f.type })),
    );
    granted.set(versionKey(c.product, c.major), {
      contract: c,
      policies: [{ id: `${c.product}-strict`, version: 1 }],
      fields: new Set(c.fields.map((f) => f.name)),
      ...(STRICT_ROW_FILTERS[c.product] && c.major === catalog.latest(c.product)!.major && { rowFilter: STRICT_ROW_FILTERS[c.product] }),
      masks,
      aggregate: true,
    });
  }
  return { granted, denied: [] };
}

export function sessionOf(caller: CallerName): Session {
  const served = catalog.served('2026-11-21');
  const limits = { timeoutMs: 60_000 };
  const base = { subject: caller, roles: [caller], attributes: { regions: ['EU', 'US'] }, credential: 'api-key' as const, tenant: 'acme' };
  switch (caller) {
    case 'admin':
      return createSession({ caller: base, access: fullAccess(served), limits });
    case 'analyst': {
      const policies = loadPolicies('policies', catalog);
      const who = { subject: 'ana', tenant: 'acme', role: 'analyst', purpose: 'reporting', attributes: { regions: ['EU', 'US'] } };
      return createSession({
        caller: { ...base, roles: ['analyst'] },
        role: 'analyst',
        purpose: 'reporting',
        access: resolveAccess(policies, served, who),
        limits,
      });
    }
    case 'strict':
      return createSession({ caller: base, access: strictAccess(served), limits });
  }
}

/** A compiled plan as the engine receives it: analyzed for the session (policy injected), then optimized. */
export const prepared = (plan: PlanNode, session: Session): PlanNode => optimize(analyze(plan, session)).plan;

export const duckdbRelation = (scan: ScanNode) => `read_parquet('${scan.source.replaceAll("'", "''")}')`;
export const trinoRelation = (scan: ScanNode) => `lake.sales.${scan.product}`;

export const lowerFor = (engine: 'duckdb' | 'trino', plan: PlanNode): LoweredPlan =>
  engine === 'duckdb'
    ? lowerPlan(plan, { dialect: duckdbDialect, relation: duckdbRelation, hashFunction: DUCKDB_HASH })
    : lowerPlan(plan, { dialect: trinoDialect, relation: trinoRelation, hashFunction: HASH_ROUTINE });

/** An engine's answer: rows, or the code of the error it failed with. */
export type Answer = { readonly rows: Row[] } | { readonly code: string };

export class ThreeEngines {
  private constructor(
    readonly embedded: EmbeddedEngine,
    readonly duckdb: InProcessDuckDb,
    readonly standin: TrinoStandin,
    readonly trino: TrinoClient,
  ) {}

  static async open(extraTables: Record<string, string> = {}): Promise<ThreeEngines> {
    const embedded = new EmbeddedEngine({ maskValues: maskValuesWith(HASH_KEY) });
    const duckdb = await InProcessDuckDb.open({ threads: 2, hash: { name: DUCKDB_HASH, compute: computeHash } });
    const standin = await TrinoStandin.start({
      catalog: 'lake',
      schema: 'sales',
      tables: { orders: orders.source.resolved, customers: customers.source.resolved, ...extraTables },
      hashFunction: { name: HASH_ROUTINE, compute: computeHash },
      users: { sluice: TRINO_PASSWORD },
      // Small pages: every answer of more than a few rows crosses several nextUri pages.
      pageRows: 7,
    });
    const trino = new TrinoClient({ url: standin.url, user: 'sluice', password: TRINO_PASSWORD, catalog: 'lake', schema: 'sales' });
    return new ThreeEngines(embedded, duckdb, standin, trino);
  }

  async run(engine: EngineName, plan: PlanNode): Promise<Answer> {
    try {
      switch (engine) {
        case 'embedded':
          return { rows: (await this.embedded.execute(plan)).rows };
        case 'duckdb':
          return { rows: await this.duckdb.run(lowerFor('duckdb', plan)) };
        case 'trino':
          return { rows: await this.trino.run(lowerFor('trino', plan)) };
      }
    } catch (e) {
      if (e instanceof SluiceError && e.code !== 'INTERNAL_SERVER_ERROR') return { code: e.code };
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.embedded.close();
    this.duckdb.close();
    await this.standin.close();
  }
}

/**
 * Where two answers differ, or undefined: the same error code, or the same
 * rows in the same order with values equal as the GraphQL response would
 * carry them (bigints by digits, -0 as 0, since JSON has no -0). Sums and
 * averages of doubles too: every engine computes the exact sum rounded once
 * (src/engine/kernels/exact-float-sum.ts), so they agree to the bit. Only
 * fields named in `outsideExactRange` (sums over values the exact sum does
 * not cover, such as subnormals, where each engine adds in its own order)
 * may differ by 1e-12 relatively.
 */
export function difference(got: Answer, want: Answer, outsideExactRange: ReadonlySet<string> = new Set()): string | undefined {
  const show = (a: Answer) => ('code' in a ? `error ${a.code}` : `${a.rows.length} rows`);
  if ('code' in got || 'code' in want) return show(got) === show(want) ? undefined : `${show(got)} vs ${show(want)}`;
  if (got.rows.length !== want.rows.length) return `${show(got)} vs ${show(want)}`;
  const text = (v: unknown) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '0' : JSON.stringify(v));
  for (let i = 0; i < got.rows.length; i++) {
    const g = got.rows[i]!;
    const w = want.rows[i]!;
    const keys = Object.keys(w);
    if (Object.keys(g).join() !== keys.join()) return `row ${i}: fields ${Object.keys(g).join()} vs ${keys.join()}`;
    for (const k of keys) {
      const [a, b] = [g[k], w[k]];
      if (
        outsideExactRange.has(k) &&
        typeof a === 'number' &&
        typeof b === 'number' &&
        Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b))
      )
        continue;
      if (text(a) !== text(b)) return `row ${i}, ${k}: ${text(a)} vs ${text(b)}`;
    }
  }
  return undefined;
}
