/**
 * What a schema per caller costs (docs/frontend-apps.md), over the demo deployment
 * (sluice.yaml, its policies and keys):
 *
 * 1. How many distinct schemas the demo's callers produce: the anonymous
 *    role and every API key with each of its roles and purposes; and, as an
 *    upper bound, every role and purpose the policies name.
 * 2. The build time of each (median of several builds) and of the full
 *    schema, and the heap each takes (many copies kept, after a GC).
 * 3. Per request: choosing the caller's schema once it is built — resolve
 *    the policies, digest the view, look it up — beside the whole request
 *    in-process (yoga.fetch, no network) for the same caller. Yoga caches
 *    parsing by document and validation by schema and document, so once
 *    warm a per-caller schema adds only that choice to a single-schema
 *    gateway's request; the cost of a miss is one build (2.).
 *
 *   npm run bench:caller-schemas    # writes bench/caller-schemas-results.{json,md}
 *
 * Figures, not assertions: the tests never time anything.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { buildSchema } from '../src/graphql/build-schema.js';
import { CallerSchemas, schemaViewKey, schemaViewOf } from '../src/graphql/caller-schema.js';
import { resolveAccess } from '../src/policy/effective-policy.js';
import type { CallerValues } from '../src/policy/row-filter.js';
import { createEngine } from '../src/server/create-engine.js';
import { createGateway } from '../src/server/create-gateway.js';
import { loadDeployment } from '../src/server/load-catalog.js';
import { DEMO_KEYS } from '../test/support/demo.js';
import { REPO } from './generate.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:caller-schemas does)');

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

const config = loadConfig(join(REPO, 'sluice.yaml'));
const engine = createEngine(config);
const deployment = await loadDeployment(config, engine);
const { catalog, policies } = deployment;
const today = new Date().toISOString().slice(0, 10);
const served = catalog.served(today);
const options = { cursorSecret: config.cursorSecret, maxOffset: config.server.limits.maxOffset, today };

// 1. Distinct schemas.
interface NamedCaller extends CallerValues {
  readonly name: string;
}
const demoCallers: NamedCaller[] = [];
if (config.auth.anonymous)
  demoCallers.push({ name: 'anonymous', subject: 'anonymous', role: config.auth.anonymous.role, purpose: 'unspecified', attributes: {} });
for (const key of config.auth.apiKeys)
  for (const role of key.roles)
    for (const purpose of ['unspecified', ...(key.purposes ?? [])])
      demoCallers.push({
        name: `${key.id} as ${role}, purpose ${purpose}`,
        subject: key.subject,
        tenant: key.tenant,
        role,
        purpose,
        attributes: key.attributes ?? {},
      });
const rolesNamed = new Set(policies.flatMap((p) => p.when.roles ?? []));
const purposesNamed = new Set(['unspecified', ...policies.flatMap((p) => p.when.purposes ?? [])]);
const analystAttributes = config.auth.apiKeys.find((k) => k.roles.includes('analyst'))?.attributes ?? {};
const everyCombination: NamedCaller[] = [...rolesNamed].flatMap((role) =>
  [...purposesNamed].map((purpose) => ({ name: `${role}/${purpose}`, subject: 'bench', role, purpose, attributes: analystAttributes })),
);

const viewsOf = (callers: readonly NamedCaller[]) => {
  const views = new Map<string, { view: ReturnType<typeof schemaViewOf>; callers: string[] }>();
  for (const who of callers) {
    const view = schemaViewOf(resolveAccess(policies, served, who).granted);
    const key = schemaViewKey(view);
    const entry = views.get(key) ?? { view, callers: [] };
    entry.callers.push(who.name);
    views.set(key, entry);
  }
  return views;
};
const demoViews = viewsOf(demoCallers);
const allViews = viewsOf(everyCombination);

// 2. Build time and memory, per distinct schema of the demo's callers, and of the full schema.
const BUILDS = 15;
const COPIES = 30;
function measure(build: () => unknown): { buildMs: number; heapBytes: number; types: number } {
  const times: number[] = [];
  let last: unknown;
  for (let i = 0; i < 3; i++) build(); // warm-up: the first builds pay for compiling the builder's code
  gc!(); // the copies kept by the previous measure are garbage: collected before, not during, the timing
  for (let i = 0; i < BUILDS; i++) {
    const t0 = performance.now();
    last = build();
    times.push(performance.now() - t0);
  }
  gc!();
  const before = process.memoryUsage().heapUsed;
  const kept: unknown[] = [];
  for (let i = 0; i < COPIES; i++) kept.push(build());
  gc!();
  const after = process.memoryUsage().heapUsed;
  const types = Object.keys((last as { getTypeMap(): object }).getTypeMap()).length;
  kept.length = 0;
  return { buildMs: round(median(times)), heapBytes: Math.round((after - before) / COPIES), types };
}
const perSchema = [...demoViews.values()].map(({ view, callers }) => ({ callers, ...measure(() => buildSchema(catalog, options, view)) }));
// Measured last: the first schema measured paid for a colder process.
const full = measure(() => buildSchema(catalog, options));

// 3. Per request.
const schemas = new CallerSchemas(catalog, options);
const REQUEST_CALLERS = {
  admin: { who: demoCallers.find((c) => c.role === 'admin')!, headers: { 'x-api-key': DEMO_KEYS.admin } },
  analyst: {
    who: demoCallers.find((c) => c.role === 'analyst' && c.purpose === 'reporting')!,
    headers: { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' },
  },
  anonymous: { who: demoCallers[0]!, headers: {} },
};
const SELECTIONS = 20_000;
/** µs per call of `f`, median of 5 rounds. */
function perCall(f: () => unknown): number {
  for (let i = 0; i < 2000; i++) f();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < SELECTIONS; i++) f();
    rounds.push(((performance.now() - t0) * 1000) / SELECTIONS);
  }
  return round(median(rounds));
}
const selectionUs: Record<string, number> = {};
const accessUs: Record<string, number> = {};
for (const [name, { who }] of Object.entries(REQUEST_CALLERS)) {
  // Resolving the caller's grants: done once per request for its session, single schema or not; the choice reuses it.
  accessUs[name] = perCall(() => resolveAccess(policies, served, who));
  const granted = resolveAccess(policies, served, who).granted;
  schemas.schemaFor(granted); // built: what follows are hits
  selectionUs[name] = perCall(() => schemas.schemaFor(granted));
}

const gateway = createGateway({ config, ...deployment, engine, today });
await engine.ready();
const QUERIES = {
  typename: '{ __typename }',
  page: 'query Page { ordersV2(first: 5, orderBy: [{ total_amount: DESC }]) { edges { cursor node { order_id total_amount } } pageInfo { hasNextPage endCursor } } }',
};
const REQUESTS = 1500;
const requestUs: Record<string, Record<string, number>> = {};
for (const [name, { headers }] of Object.entries(REQUEST_CALLERS)) {
  requestUs[name] = {};
  for (const [q, query] of Object.entries(QUERIES)) {
    const send = async () => {
      const res = await gateway.fetch('http://sluice.bench/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      });
      const body = (await res.json()) as { errors?: { message: string }[] };
      if (body.errors) throw new Error(`${name} ${q}: ${body.errors[0]!.message}`);
    };
    for (let i = 0; i < 200; i++) await send();
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now();
      await send();
      times.push((performance.now() - t0) * 1000);
    }
    requestUs[name]![q] = round(median(times), 0);
  }
}
await engine.close();

const results = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  distinct: {
    demoCallers: demoCallers.length,
    demoSchemas: demoViews.size,
    roleAndPurposeCombinations: everyCombination.length,
    schemasOverCombinations: allViews.size,
    callersBySchema: [...demoViews.values()].map((v) => v.callers),
  },
  full,
  perSchema,
  selectionUsPerRequest: selectionUs,
  resolveAccessUsPerRequest: accessUs,
  requestUsMedian: requestUs,
};
writeFileSync(join(REPO, 'bench/caller-schemas-results.json'), `${JSON.stringify(results, null, 2)}\n`);

const kb = (b: number) => `${Math.round(b / 1024)} KiB`;
const md = [
  '# A schema per caller: what it costs',
  '',
  `Measured ${results.measuredAt} with Node ${results.node} on the demo deployment (\`npm run bench:caller-schemas\`, bench/caller-schemas.ts).`,
  '',
  `**Distinct schemas.** The demo's ${results.distinct.demoCallers} callers (anonymous, and every API key with each of its roles and purposes, none included) ` +
    `produce ${results.distinct.demoSchemas} distinct schemas; every role × purpose the policies name (${results.distinct.roleAndPurposeCombinations} combinations) ` +
    `produces ${results.distinct.schemasOverCombinations}.`,
  '',
  '| schema | callers | types | build (median) | heap |',
  '|---|---|---:|---:|---:|',
  `| full (every served field) | — | ${full.types} | ${full.buildMs} ms | ${kb(full.heapBytes)} |`,
  ...perSchema.map((s) => `| caller | ${s.callers.join('; ')} | ${s.types} | ${s.buildMs} ms | ${kb(s.heapBytes)} |`),
  '',
  `**Per request**, once built: choosing the caller's schema from its grants (view made, digested, looked up) takes ` +
    Object.entries(selectionUs)
      .map(([n, us]) => `${us} µs for ${n}`)
      .join(', ') +
    '. Resolving the grants themselves (' +
    Object.entries(accessUs)
      .map(([n, us]) => `${us} µs for ${n}`)
      .join(', ') +
    ') is done once per request for the session whether the schema is shared or not; the choice reuses it. ' +
    'A whole request in-process (yoga.fetch, median of ' +
    `${REQUESTS}):`,
  '',
  '| caller | `{ __typename }` | a page of 5 orders |',
  '|---|---:|---:|',
  ...Object.entries(requestUs).map(([n, r]) => `| ${n} | ${r['typename']} µs | ${r['page']} µs |`),
  '',
  'A single-schema gateway does the same work minus the choice (parsing and validation are cached alike, per document and per schema), ' +
    `so the per-caller schema costs ${Object.entries(selectionUs)
      .map(([n, us]) => `${round((100 * us) / requestUs[n]!['typename']!, 1)}%`)
      .join(' / ')} of the smallest request (admin / analyst / anonymous). ` +
    "A caller whose combination is not yet built pays one build (the table's build column) on its first request.",
  '',
];
writeFileSync(join(REPO, 'bench/caller-schemas-results.md'), md.join('\n'));
console.log(md.join('\n'));
