/**
 * `execution:` through the whole gateway (docs/external-engines.md): the demo deployment
 * served by the embedded engine, by DuckDB in-process (`default: duckdb`),
 * by the Trino stand-in over the client protocol (`default: trino`), and
 * with orders on Trino and customers on DuckDB (relationships across
 * engines). The same generated GraphQL requests — where, orderBy, first,
 * offset, totalCount, the next page by its cursor, aggregates with groupBy —
 * as the admin, the analyst (row filter, hashed e-mail) and an anonymous
 * caller (rounded amounts, year of signup) must get byte-identical `data`
 * and identical errors from every deployment.
 *
 * Trino itself is not run here: test/support/trino-standin.ts is DuckDB
 * behind Trino's protocol, so what only a real Trino decides (its planner,
 * connectors, coercions) is not proven by this file.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { maskFunction } from '../../src/policy/mask-value.js';
import type { AuditRecord } from '../../src/response/audit.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { openDemo, type Demo, type GraphQLResponse } from '../support/demo.js';
import { customersWhere, gqlOrderBy, gqlWhere, orderByOf, ordersWhere, type OrderBy, type Where } from '../support/demo-sql.js';
import { TrinoStandin } from '../support/trino-standin.js';

const PASSWORD = 'standin-password-for-gateway';
const PASSWORD_ENV = 'SLUICE_TEST_TRINO_PASSWORD';
const HASH_ROUTINE = 'lake.governance.sluice_hash';
const RUNS = Number(process.env['ENGINE_RUNS'] ?? 10);
/**
 * A property's time on a busy machine (each run asks four deployments, and
 * an aggregate over the whole of orders takes DuckDB a second under load).
 * A property cut short by vitest's timeout would keep sending requests and
 * take the faults scripted for the tests after it.
 */
const PROPERTY_TIMEOUT_MS = 300_000;

type Deployment = 'embedded' | 'duckdb' | 'trino' | 'mixed';
const DEPLOYMENTS: readonly Deployment[] = ['embedded', 'duckdb', 'trino', 'mixed'];

type Caller = 'admin' | 'analyst' | 'anonymous';
const HEADERS: Record<Caller, Record<string, string>> = {
  admin: { 'x-api-key': 'demo-admin-key' },
  analyst: { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'reporting' },
  anonymous: { 'x-api-key': '' },
};

let dir: string;
let standin: TrinoStandin;
const demos = {} as Record<Deployment, Demo>;

/** The demo's sluice.yaml with absolute paths, plus `extra` YAML. */
function writeConfig(name: string, extra: string): string {
  const root = resolve('.');
  const text = readFileSync('sluice.yaml', 'utf8')
    .replace(/^products: \.\/products/m, `products: ${root}/products`)
    .replace(/^policies: \.\/policies/m, `policies: ${root}/policies`)
    .replace(/^persisted: \.\/persisted/m, `persisted: ${root}/persisted`);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${text}\n${extra}`);
  return file;
}

const TRINO_ENGINE = (url: string) => `engines:
  trino:
    url: ${url}
    user: sluice
    passwordEnv: ${PASSWORD_ENV}
    catalog: lake
    schema: sales
    hashFunction: ${HASH_ROUTINE}
  duckdb:
    threads: 1
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-engines-'));
  process.env[PASSWORD_ENV] = PASSWORD;
  const hash = maskFunction({ field: 'x', type: 'string', kind: 'hash' }, Buffer.from(process.env['SLUICE_HASH_KEY']!, 'utf8'));
  standin = await TrinoStandin.start({
    catalog: 'lake',
    schema: 'sales',
    tables: { orders: resolve('products/orders/data/*.parquet'), customers: resolve('products/customers/data/*.parquet') },
    hashFunction: { name: HASH_ROUTINE, compute: (s) => hash(s) as string },
    users: { sluice: PASSWORD },
    // Small pages: most answers cross several nextUri pages.
    pageRows: 7,
  });
  const engines = TRINO_ENGINE(standin.url);
  demos.embedded = await openDemo(writeConfig('embedded', ''));
  demos.duckdb = await openDemo(writeConfig('duckdb', `${engines}execution: { default: duckdb }\n`));
  demos.trino = await openDemo(writeConfig('trino', `${engines}execution: { default: trino }\n`));
  demos.mixed = await openDemo(writeConfig('mixed', `${engines}execution: { products: { orders: trino, customers: duckdb } }\n`));
}, 120_000);

afterAll(async () => {
  for (const d of Object.values(demos)) await d.engine.close();
  await standin?.close();
  delete process.env[PASSWORD_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * What must be identical: data byte for byte, errors by message and code
 * (ids and lineage aside). Sums and averages of doubles included: every
 * engine computes the exact sum rounded once (src/engine/kernels/exact-float-sum.ts);
 * with each engine's own rounded sum they differed in the last bits
 * (999.4317813333333 vs 999.4317813333338 over the demo orders).
 */
function comparable(res: GraphQLResponse): string {
  const errors = res.errors?.map((e) => ({ message: e.message, code: e.extensions?.['code'] }));
  return JSON.stringify({ data: res.data, ...(errors && { errors }) });
}

async function askAll(query: string, caller: Caller): Promise<Record<Deployment, GraphQLResponse>> {
  const out = {} as Record<Deployment, GraphQLResponse>;
  for (const d of DEPLOYMENTS) out[d] = await demos[d].query(query, {}, HEADERS[caller]);
  return out;
}

function expectSame(answers: Record<Deployment, GraphQLResponse>, query: string): void {
  const want = comparable(answers.embedded);
  for (const d of DEPLOYMENTS) expect(comparable(answers[d]), `${d} differs for ${query}`).toBe(want);
}

// --- requests ---------------------------------------------------------------------------

interface Product {
  readonly root: 'ordersV2' | 'customersV1';
  readonly where: fc.Arbitrary<Where>;
  readonly fields: Record<Caller, readonly string[]>;
  readonly numeric: readonly string[];
}

const ORDERS_ALL = [
  'order_id',
  'customer_id',
  'region',
  'status',
  'total_amount',
  'currency',
  'quantity',
  'email',
  'notes',
  'order_date',
  'created_at',
  'is_gift',
];
const ORDERS_PUBLIC = ['order_id', 'region', 'status', 'total_amount', 'currency', 'quantity', 'order_date', 'created_at'];
const CUSTOMERS_ALL = ['customer_id', 'name', 'email', 'country', 'segment', 'signup_date', 'lifetime_value', 'is_active', 'updated_at'];
const CUSTOMERS_PUBLIC = ['customer_id', 'country', 'segment', 'is_active', 'signup_date'];

const PRODUCTS: readonly Product[] = [
  {
    root: 'ordersV2',
    where: ordersWhere,
    fields: { admin: ORDERS_ALL, analyst: ORDERS_ALL, anonymous: ORDERS_PUBLIC },
    numeric: ['quantity', 'customer_id', 'total_amount'],
  },
  {
    root: 'customersV1',
    where: customersWhere,
    fields: { admin: CUSTOMERS_ALL, analyst: CUSTOMERS_ALL, anonymous: CUSTOMERS_PUBLIC },
    numeric: ['customer_id', 'lifetime_value'],
  },
];

interface PageRequest {
  readonly where: Where | undefined;
  readonly orderBy: OrderBy;
  readonly first: number;
  readonly offset: number | undefined;
  readonly fields: readonly string[];
}

const pageArb = (p: Product, caller: Caller): fc.Arbitrary<PageRequest> =>
  fc.record({
    where: fc.option(p.where, { nil: undefined }),
    orderBy: orderByOf(p.fields[caller].filter((f) => f !== 'email' && f !== 'notes')),
    first: fc.integer({ min: 1, max: 25 }),
    offset: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
    fields: fc.subarray([...p.fields[caller]], { minLength: 1 }),
  });

function pageQuery(p: Product, r: PageRequest, after?: string): string {
  const args = [
    r.where ? `where: ${gqlWhere(r.where)}` : '',
    r.orderBy.length ? `orderBy: ${gqlOrderBy(r.orderBy)}` : '',
    `first: ${r.first}`,
    r.offset !== undefined && after === undefined ? `offset: ${r.offset}` : '',
    after !== undefined ? `after: ${JSON.stringify(after)}` : '',
  ].filter(Boolean);
  return `{ ${p.root}(${args.join(', ')}) { totalCount nodes { ${r.fields.join(' ')} } pageInfo { hasNextPage endCursor } } }`;
}

interface AggregateRequest {
  readonly where: Where | undefined;
  readonly groupBy: readonly string[];
  readonly sum: readonly string[];
  readonly avg: readonly string[];
  readonly min: readonly string[];
  readonly max: readonly string[];
}

const aggregateArb = (p: Product, caller: Caller): fc.Arbitrary<AggregateRequest> => {
  const visible = p.fields[caller];
  const numeric = p.numeric.filter((f) => visible.includes(f));
  return fc.record({
    where: fc.option(p.where, { nil: undefined }),
    groupBy: fc.uniqueArray(
      fc.constantFrom(
        ...visible.filter((f) => !['email', 'notes', 'name', 'order_id', 'customer_id', 'created_at', 'updated_at'].includes(f)),
      ),
      { maxLength: 2 },
    ),
    sum: fc.subarray(numeric),
    avg: fc.subarray(numeric),
    min: fc.subarray([...visible]),
    max: fc.subarray([...visible]),
  });
};

function aggregateQuery(p: Product, r: AggregateRequest): string {
  const args = [r.where ? `where: ${gqlWhere(r.where)}` : '', r.groupBy.length ? `groupBy: [${r.groupBy.join(', ')}]` : ''].filter(Boolean);
  const part = (name: string, fields: readonly string[]) => (fields.length ? `${name} { ${fields.join(' ')} }` : '');
  return `{ ${p.root}Aggregate${args.length ? `(${args.join(', ')})` : ''} { ${r.groupBy.length ? `key { ${r.groupBy.join(' ')} }` : ''} count ${part('sum', r.sum)} ${part('avg', r.avg)} ${part('min', r.min)} ${part('max', r.max)} } }`;
}

// --- properties -------------------------------------------------------------------------

const CALLERS: readonly Caller[] = ['admin', 'analyst', 'anonymous'];

describe('the same requests through every engine', () => {
  for (const p of PRODUCTS) {
    for (const caller of CALLERS) {
      it(
        `${p.root} pages as ${caller}: byte-identical data, cursors followed to the next page`,
        async () => {
          let paged = 0;
          await fc.assert(
            fc.asyncProperty(pageArb(p, caller), async (r) => {
              const query = pageQuery(p, r);
              const first = await askAll(query, caller);
              expectSame(first, query);
              const page = (first.embedded.data?.[p.root] ?? null) as {
                pageInfo: { hasNextPage: boolean; endCursor: string | null };
              } | null;
              if (page?.pageInfo.hasNextPage && page.pageInfo.endCursor !== null) {
                const next = pageQuery(p, r, page.pageInfo.endCursor);
                expectSame(await askAll(next, caller), next);
                paged++;
              }
            }),
            { numRuns: RUNS },
          );
          expect(paged).toBeGreaterThan(0);
        },
        PROPERTY_TIMEOUT_MS,
      );

      it(
        `${p.root} aggregates as ${caller}: byte-identical data`,
        async () => {
          await fc.assert(
            fc.asyncProperty(aggregateArb(p, caller), async (r) => {
              const query = aggregateQuery(p, r);
              expectSame(await askAll(query, caller), query);
            }),
            { numRuns: RUNS },
          );
        },
        PROPERTY_TIMEOUT_MS,
      );
    }
  }

  it('relationships across engines (orders on Trino, customers on DuckDB) answer as the embedded engine does', async () => {
    for (const caller of ['admin', 'analyst'] as const) {
      const query = `{ ordersV2(first: 20, orderBy: [{ total_amount: DESC }]) { nodes { order_id total_amount customer { customer_id name email orders(first: 3) { nodes { order_id email } } } } } }`;
      expectSame(await askAll(query, caller), query);
    }
  });
});

describe('lineage and audit name the engine', () => {
  it('gives engine and the sha256 of the statement sent, never its text', async () => {
    const query = '{ ordersV2(first: 3, where: { region: { eq: "EU" } }) { totalCount nodes { order_id email } } }';
    const before = standin.requests.length;
    const res = await demos.trino.query(query, {}, HEADERS.analyst);
    const lineage = res.extensions!['lineage'] as { products: { engine: string; statementHash?: string; sources: unknown[] }[] };
    const [orders] = lineage.products;
    expect(orders!.engine).toBe('trino');
    // The page and its totalCount: two statements, both hashes.
    const hashes = orders!.statementHash!.split(' ');
    expect(hashes).toHaveLength(2);
    const { createHash } = await import('node:crypto');
    const sent = standin.requests
      .slice(before)
      .filter((q) => q.method === 'POST')
      .map((q) => `sha256:${createHash('sha256').update(q.body).digest('hex')}`)
      .sort();
    expect(hashes).toEqual(sent);
    expect(JSON.stringify(res.extensions)).not.toMatch(/SELECT|lake\.sales/i);

    const embedded = await demos.embedded.query(query, {}, HEADERS.analyst);
    const e = (embedded.extensions!['lineage'] as { products: { engine: string; statementHash?: string }[] }).products[0]!;
    expect(e.engine).toBe('embedded');
    expect(e.statementHash).toBeUndefined();
  });

  it('the audit record names the engine of each product, also of a plan that failed', async () => {
    const config = loadConfig(writeConfig('audited', `${TRINO_ENGINE(standin.url)}execution: { products: { orders: trino } }\n`));
    const engine = createEngine(config);
    const records: AuditRecord[] = [];
    const audit = { write: (r: AuditRecord) => void records.push(r), close: async () => undefined };
    const gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine, audit, today: '2026-11-21' });
    const ask = (query: string) =>
      gateway.fetch('http://sluice.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'demo-admin-key' },
        body: JSON.stringify({ query }),
      });
    try {
      await ask('{ ordersV2(first: 2) { nodes { order_id } } customersV1(first: 2) { nodes { customer_id } } }');
      standin.fault({ on: 'post', kind: 'http', status: 500 });
      await ask('{ ordersV2(first: 2) { nodes { order_id } } }');
      await expect.poll(() => records.length).toBe(2);
      const [ok, failed] = records;
      expect(ok!.products.map((p) => [p.product, p.engine])).toEqual([
        ['orders', 'trino'],
        ['customers', 'embedded'],
      ]);
      expect(failed!.errors).toEqual(['SOURCE_UNAVAILABLE']);
      expect(failed!.products.map((p) => [p.product, p.engine])).toEqual([['orders', 'trino']]);
    } finally {
      await engine.close();
    }
  });

  it('sends the row filter and the mask below the caller’s predicate, and never the hash key or the password', async () => {
    const before = standin.requests.length;
    await demos.trino.query('{ ordersV2(first: 5, where: { email: { eq: "x" } }) { nodes { order_id email } } }', {}, HEADERS.analyst);
    const posts = standin.requests.slice(before).filter((q) => q.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const post of posts) {
      expect(post.body).not.toContain(process.env['SLUICE_HASH_KEY']!);
      expect(post.body).not.toContain(PASSWORD);
      // The hash is computed in an inner SELECT; the caller's predicate on email reads its output.
      const hashAt = post.body.indexOf(HASH_ROUTINE);
      const callerPredicate = post.body.lastIndexOf(`"email" = 'x'`);
      expect(hashAt).toBeGreaterThan(0);
      expect(callerPredicate).toBeGreaterThan(hashAt);
      expect(post.body).toMatch(/"region" IN \('EU', 'US'\)/);
    }
  });
});

describe('engine faults end in a stable code and the gateway stays up', () => {
  const query = '{ ordersV2(first: 5) { nodes { order_id } } }';
  const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.['code'];

  it.each([
    ['an HTTP 500', { on: 'post', kind: 'http', status: 500 }, 'SOURCE_UNAVAILABLE'],
    ['a connection closed mid-query', { on: 'next', kind: 'close' }, 'SOURCE_UNAVAILABLE'],
    [
      'a Trino error mid-query',
      { on: 'next', kind: 'error', errorName: 'GENERIC_INTERNAL_ERROR', errorType: 'INTERNAL_ERROR', errorCode: 65536 },
      'SOURCE_UNAVAILABLE',
    ],
    [
      'out of memory',
      { on: 'next', kind: 'error', errorName: 'EXCEEDED_LOCAL_MEMORY_LIMIT', errorType: 'INSUFFICIENT_RESOURCES', errorCode: 131079 },
      'RESOURCE_LIMIT',
    ],
  ] as const)('%s: %s', async (_, fault, code) => {
    standin.fault(fault);
    const res = await demos.trino.query(query);
    expect(codeOf(res)).toBe(code);
    const text = JSON.stringify(res);
    expect(text).not.toMatch(/SELECT|lake\.|\/work|\.parquet|Exception|at .*\.ts/);
    expect(comparable(await demos.trino.query(query))).toBe(comparable(await demos.embedded.query(query)));
  });

  it('a statement that runs past the deadline is cancelled in Trino (DELETE of its nextUri): QUERY_TIMEOUT', async () => {
    const file = writeConfig('slow', `${TRINO_ENGINE(standin.url)}execution: { default: trino }\n`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/timeoutMs: 30000/, 'timeoutMs: 1500'));
    const slow = await openDemo(file);
    try {
      const cancelledBefore = standin.cancelled.size;
      standin.fault({ on: 'post', kind: 'stall' });
      const res = await slow.query(query);
      expect(codeOf(res)).toBe('QUERY_TIMEOUT');
      await expect.poll(() => standin.cancelled.size).toBeGreaterThan(cancelledBefore);
      expect(comparable(await slow.query(query))).toBe(comparable(await demos.embedded.query(query)));
    } finally {
      await slow.engine.close();
    }
  });

  it('Trino down: SOURCE_UNAVAILABLE, and products on other engines keep answering', async () => {
    const file = writeConfig('down', `${TRINO_ENGINE('http://127.0.0.1:9')}execution: { products: { orders: trino } }\n`);
    const down = await openDemo(file);
    try {
      const res = await down.query(query);
      expect(codeOf(res)).toBe('SOURCE_UNAVAILABLE');
      expect(JSON.stringify(res)).not.toContain('127.0.0.1');
      const customers = '{ customersV1(first: 3) { nodes { customer_id } } }';
      expect(comparable(await down.query(customers))).toBe(comparable(await demos.embedded.query(customers)));
    } finally {
      await down.engine.close();
    }
  });
});

describe('Apache Iceberg products stay on the embedded engine', () => {
  const EVENTS = '{ orderEventsV1(first: 5, orderBy: [{ event_id: ASC }]) { nodes { event_id status } totalCount } }';

  it('routed to DuckDB or Trino: SOURCE_UNSUPPORTED saying to route them to embedded, and other products keep answering', async () => {
    for (const d of ['duckdb', 'trino'] as const) {
      const res = await demos[d].query(EVENTS, {}, HEADERS.admin);
      expect(res.errors?.[0]?.extensions?.['code'], d).toBe('SOURCE_UNSUPPORTED');
      expect(res.errors?.[0]?.message, d).toMatch(/order_events: .*embedded engine only.*route the product to embedded/);
      const orders = await demos[d].query('{ ordersV2(first: 1) { nodes { order_id } } }', {}, HEADERS.admin);
      expect(orders.errors, d).toBeUndefined();
    }
  });

  it('left on the default embedded engine beside products on other engines: the same answer as the embedded deployment', async () => {
    const answers = {
      embedded: await demos.embedded.query(EVENTS, {}, HEADERS.admin),
      mixed: await demos.mixed.query(EVENTS, {}, HEADERS.admin),
    };
    expect(answers.embedded.errors).toBeUndefined();
    expect(comparable(answers.mixed)).toBe(comparable(answers.embedded));
  });
});
