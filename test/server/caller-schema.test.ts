/**
 * Each caller sees its own schema (docs/frontend-apps.md), checked from the outside: what
 * introspection over HTTP shows the admin, the analyst and an anonymous
 * caller is exactly the committed golden SDL of that caller
 * (schema/callers/*.graphql, kept by `sluice schema check`), and every name
 * one caller may not see is answered exactly as a name that does not exist —
 * the same status, headers and body, down to the error's location — so a
 * caller cannot tell "denied" from "missing" by any means.
 */
import { readFileSync } from 'node:fs';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  isInputObjectType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEYS, openDemo, type Demo } from '../support/demo.js';

const CALLERS = {
  admin: { headers: { 'x-api-key': DEMO_KEYS.admin }, golden: 'schema/callers/admin-demo.graphql' },
  analyst: { headers: { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' }, golden: 'schema/callers/analyst-demo.graphql' },
  anonymous: { headers: {}, golden: 'schema/callers/anonymous.graphql' },
} as const;
type Caller = keyof typeof CALLERS;

let demo: Demo;
beforeAll(async () => {
  demo = await openDemo();
});
afterAll(async () => {
  await demo?.engine.close();
});

interface Sent {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

async function post(query: string, headers: Record<string, string>): Promise<Sent> {
  const res = await demo.gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
}

async function introspect(caller: Caller): Promise<GraphQLSchema> {
  const res = await post(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), CALLERS[caller].headers);
  const body = JSON.parse(res.text) as { data?: IntrospectionQuery; errors?: unknown[] };
  expect(body.errors, caller).toBeUndefined();
  return buildClientSchema(body.data!);
}

const sdl = (schema: GraphQLSchema) => printSchema(lexicographicSortSchema(schema));
const golden = (caller: Caller) => sdl(buildSchema(readFileSync(CALLERS[caller].golden, 'utf8')));

/** Every type and field coordinate of a schema (`Query.ordersV2`, `OrdersV2Where.email`, `CustomersV1Group`), introspection's own left out. */
function coordinates(schema: GraphQLSchema): Set<string> {
  const out = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    out.add(type.name);
    if (isObjectType(type) || isInputObjectType(type)) for (const field of Object.keys(type.getFields())) out.add(`${type.name}.${field}`);
  }
  return out;
}

describe('introspection shows each caller its own schema', () => {
  const schemas = new Map<Caller, GraphQLSchema>();
  beforeAll(async () => {
    for (const caller of Object.keys(CALLERS) as Caller[]) schemas.set(caller, await introspect(caller));
  });

  it.each(Object.keys(CALLERS) as Caller[])('%s: introspection over HTTP is the committed golden SDL of that caller', (caller) => {
    expect(sdl(schemas.get(caller)!)).toBe(golden(caller));
  });

  it('anonymous sees a part of what the analyst sees, who sees a part of what the admin sees; the parts differ', () => {
    const [admin, analyst, anonymous] = (['admin', 'analyst', 'anonymous'] as const).map((c) => coordinates(schemas.get(c)!));
    for (const c of anonymous!) expect(analyst!.has(c), c).toBe(true);
    for (const c of analyst!) expect(admin!.has(c), c).toBe(true);
    // What orders-public leaves out (no e-mail, notes or customer id; no v1; no customers' names; no aggregates).
    for (const hidden of [
      'OrdersV2.email',
      'OrdersV2.notes',
      'OrdersV2.customer_id',
      'OrdersV2Where.email',
      'Query.ordersV1',
      'Query.ordersV2Aggregate',
    ])
      expect([hidden, anonymous!.has(hidden), analyst!.has(hidden)]).toEqual([hidden, false, true]);
    expect(anonymous!.has('OrdersV2.order_id')).toBe(true);
    expect(anonymous!.size).toBeLessThan(analyst!.size);
  });
});

describe('a name the caller may not see is answered exactly as a name that does not exist', () => {
  /**
   * Each query asks for one name; `missing` is the same query with the name
   * changed into one that exists for nobody. The answers must be one answer,
   * the name aside: status, headers (request ids aside) and body.
   */
  const probes: { name: string; query: (name: string) => string }[] = [
    { name: 'email', query: (n) => `{ ordersV2(first: 1) { nodes { order_id ${n} } } }` },
    { name: 'notes', query: (n) => `{ ordersV2(first: 1) { edges { cursor node { ${n} } } } }` },
    { name: 'customer_id', query: (n) => `{ ordersV2ByKey(order_id: 1) { ${n} } }` },
    { name: 'customer', query: (n) => `{ ordersV2(first: 1) { nodes { ${n} { customer_id } } } }` },
    { name: 'email', query: (n) => `{ ordersV2(first: 1, where: { ${n}: { eq: "a@b.c" } }) { totalCount } }` },
    { name: 'customer_id', query: (n) => `{ ordersV2(first: 1, orderBy: [{ ${n}: DESC }]) { totalCount } }` },
    { name: 'ordersV1', query: (n) => `{ ${n}(first: 1) { nodes { order_id } } }` },
    { name: 'ordersV1ByKey', query: (n) => `{ ${n}(order_id: 1) { order_id } }` },
    { name: 'ordersV2Aggregate', query: (n) => `{ ${n} { count } }` },
    { name: 'customersV1Aggregate', query: (n) => `{ ${n}(groupBy: [country]) { count } }` },
    { name: 'name', query: (n) => `{ customersV1(first: 1) { nodes { ${n} } } }` },
  ];
  const MISSING = (name: string) => `${name}Zq`;
  const comparable = (s: Sent, name?: string) => ({
    status: s.status,
    headers: Object.fromEntries(
      Object.entries(s.headers).filter(([k]) => k !== 'content-length' && k !== 'x-request-id' && k !== 'traceparent'),
    ),
    body: name === undefined ? s.text : s.text.replaceAll(MISSING(name), name),
  });

  it.each(probes.map((p) => [p.query(p.name), p] as const))('anonymous: %s', async (_, probe) => {
    const denied = await post(probe.query(probe.name), CALLERS.anonymous.headers);
    const missing = await post(probe.query(MISSING(probe.name)), CALLERS.anonymous.headers);
    // Denied, not answered: otherwise the probe proves nothing.
    expect(JSON.parse(denied.text).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(comparable(denied)).toEqual(comparable(missing, probe.name));
    // The admin may ask for the same name: it exists, and is only hidden.
    const admin = JSON.parse((await post(probe.query(probe.name), CALLERS.admin.headers)).text) as { errors?: unknown[] };
    expect(admin.errors, `admin: ${probe.query(probe.name)}`).toBeUndefined();
  });

  it('a type the caller may not see is null in __type, as a type that does not exist', async () => {
    const admin = coordinates(await introspect('admin'));
    const anonymous = coordinates(await introspect('anonymous'));
    const hiddenTypes = [...admin].filter((c) => !c.includes('.') && !anonymous.has(c));
    expect(hiddenTypes).toEqual(expect.arrayContaining(['OrdersV1', 'OrdersV2Group', 'CustomersV1Group']));
    for (const type of hiddenTypes) {
      const q = (t: string) => `{ __type(name: "${t}") { name fields { name } } }`;
      const denied = await post(q(type), CALLERS.anonymous.headers);
      const missing = await post(q(MISSING(type)), CALLERS.anonymous.headers);
      expect(comparable(denied), type).toEqual(comparable(missing, type));
      expect(JSON.parse(denied.text)).toEqual({ data: { __type: null } });
    }
  });
});
