/**
 * OpenLineage RunEvents (issue 7): one per request that read a product,
 * COMPLETE or FAIL, run id = extensions.lineage.queryId, inputs = the source
 * files read (schema and version facets), outputs = the response fields with
 * column lineage, masked fields marked — each validated against the
 * OpenLineage JSON schema shipped in fixtures/ (no network), and holding no
 * value a caller sent or a row held.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { datasetOf } from '../../src/response/openlineage.js';
import { DEMO_KEYS } from '../support/demo.js';

const schema = JSON.parse(readFileSync(new URL('./fixtures/openlineage-run-event.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

type Event = {
  eventType: string;
  run: { runId: string; facets: Record<string, { message?: string }> };
  job: { namespace: string; name: string };
  inputs: {
    namespace: string;
    name: string;
    facets: { schema: { fields: { name: string; type: string }[] }; version: { datasetVersion: string } };
  }[];
  outputs: {
    name: string;
    facets: {
      columnLineage: {
        fields: Record<
          string,
          { inputFields: { namespace: string; name: string; field: string; transformations: { masking: boolean }[] }[] }
        >;
      };
    };
  }[];
};

const events: Event[] = [];
let gateway: Gateway;

beforeAll(async () => {
  const config = loadConfig('sluice.yaml');
  const engine = createEngine(config);
  gateway = createGateway({
    config: { ...config, raw: { ...config.raw, openlineage: { file: 'unused', namespace: 'sluice-test' } } },
    ...(await loadDeployment(config, engine)),
    engine,
    openLineage: { write: (e) => void events.push(e as Event), close: async () => undefined },
  });
});

async function ask(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const res = await gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[]; extensions?: { lineage?: { queryId: string } } };
}

const SECRET = 'zz-not-in-lineage';

describe('OpenLineage RunEvents', () => {
  it('COMPLETE: run id = query id, inputs with schema and version, column lineage with masking marked; valid against the schema', async () => {
    events.length = 0;
    const body = await ask(
      'query AnalystOrders($s: String!) { ordersV2(where: { status: { ne: $s } }, first: 3) { nodes { order_id email total_amount } } }',
      { s: SECRET },
      { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' },
    );
    expect(body.errors).toBeUndefined();
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    expect(event!.eventType).toBe('COMPLETE');
    expect(event!.run.runId).toBe(body.extensions!.lineage!.queryId);
    expect(event!.job).toMatchObject({ namespace: 'sluice-test', name: 'AnalystOrders' });

    expect(event!.inputs.map((i) => `${i.namespace}:${i.name}`).sort()).toEqual(
      expect.arrayContaining(['file:products/orders/data/part-000.parquet', 'file:products/orders/data/part-001.parquet']),
    );
    for (const input of event!.inputs) {
      expect(input.facets.version.datasetVersion).toMatch(/./);
      expect(input.facets.schema.fields).toContainEqual({ name: 'order_id', type: 'int64', description: expect.any(String) });
    }
    const [output] = event!.outputs;
    expect(output!.name).toBe('AnalystOrders.ordersV2');
    const columns = output!.facets.columnLineage.fields;
    // The analyst's policy hashes email and rounds the amount.
    expect(columns['email']!.inputFields.every((f) => f.transformations[0]!.masking)).toBe(true);
    expect(columns['order_id']!.inputFields.every((f) => !f.transformations[0]!.masking)).toBe(true);
    expect(columns['order_id']!.inputFields.map((f) => f.name).sort()).toEqual(event!.inputs.map((i) => i.name).sort());

    const text = JSON.stringify(event);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(DEMO_KEYS.analyst);
    expect(text).not.toMatch(/\/work\//);
  });

  it('FAIL: a request whose plan failed, with its error code only', async () => {
    events.length = 0;
    // More groups than limits.maxGroups (1000 by default): the engine refuses while it runs.
    const body = await ask('{ ordersV2Aggregate(groupBy: [order_id]) { count } }', {}, { 'x-api-key': DEMO_KEYS.admin });
    expect(body.errors).toHaveLength(1);
    expect(events).toHaveLength(1);
    expect(validate(events[0]), JSON.stringify(validate.errors)).toBe(true);
    expect(events[0]!.eventType).toBe('FAIL');
    expect(events[0]!.run.facets['errorMessage']!.message).toBe('failed: RESOURCE_LIMIT');
    expect(events[0]!.outputs.map((o) => o.name)).toEqual(['anonymous.ordersV2Aggregate']);
    expect(events[0]!.job.name).toBe('anonymous');
  });

  it('nothing for requests that read no product', async () => {
    events.length = 0;
    await ask('{ __typename }', {}, { 'x-api-key': DEMO_KEYS.admin });
    expect(events).toHaveLength(0);
  });

  it('names datasets after their URI', () => {
    expect(datasetOf('s3://sales-lake/orders/part-0.parquet')).toEqual({ namespace: 's3://sales-lake', name: 'orders/part-0.parquet' });
    expect(datasetOf('products/orders/data/part-000.parquet')).toEqual({
      namespace: 'file',
      name: 'products/orders/data/part-000.parquet',
    });
  });

  it('the schema rejects what is not a RunEvent', () => {
    expect(
      validate({
        eventType: 'COMPLETE',
        eventTime: 'now',
        producer: 'x',
        schemaURL: 'y',
        run: { runId: 'not-a-uuid' },
        job: { namespace: 'n' },
      }),
    ).toBe(false);
  });

  it('an Iceberg product is one input dataset, the table, whose version is the snapshot read; valid against the schema', async () => {
    events.length = 0;
    const body = await ask(
      '{ orderEventsV1(first: 2, asOf: { ref: "initial-load" }) { nodes { event_id status } } }',
      {},
      { 'x-api-key': DEMO_KEYS.admin },
    );
    expect(body.errors).toBeUndefined();
    const snapshot = (body.extensions!.lineage as unknown as { products: { snapshot: { id: string } }[] }).products[0]!.snapshot;
    const event = events.at(-1)!;
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    expect(event.inputs).toHaveLength(1);
    expect(event.inputs[0]!.name).toMatch(/products\/order_events\/table$/);
    expect(event.inputs[0]!.facets.version.datasetVersion).toBe(snapshot.id);
  });
});
