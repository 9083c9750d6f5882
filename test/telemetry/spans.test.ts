/**
 * OpenTelemetry spans (issue 7), recorded by an in-memory exporter: the tree
 * request → parse / validate → plan → policy / optimize / execute → scan
 * (one per source file, timed by its reads, also when the scan failed),
 * with names and counts as attributes and nothing a caller sent or a row
 * held. And the SDK setup: nothing without `telemetry.otlp`, OTLP/HTTP JSON
 * to a collector with it.
 */
import { SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { startTracing } from '../../src/telemetry/tracing-sdk.js';
import { DEMO_KEYS, openDemo, type Demo } from '../support/demo.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let demo: Demo;

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  demo = await openDemo();
});

afterAll(async () => {
  trace.disable();
  await provider.shutdown();
});

const SECRET = 'zz-variable-value-never-in-a-span';
const nanos = ([s, ns]: HrTime) => BigInt(s) * 1_000_000_000n + BigInt(ns);

/** Every string leaf of a response's data. */
const leaves = (x: unknown): string[] =>
  x === null || x === undefined ? [] : typeof x === 'object' ? Object.values(x).flatMap(leaves) : [String(x)];

describe('spans', () => {
  it('request → parse / validate → plan → policy / optimize / execute → scan, with no values in attributes', async () => {
    exporter.reset();
    const res = await demo.query(
      `query Masked($r: String!, $s: String!) {
        ordersV2(where: { region: { eq: $r }, status: { ne: $s } }, first: 5) { nodes { order_id email total_amount region } totalCount }
      }`,
      { r: 'EU', s: SECRET },
      { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' },
    );
    expect(res.errors).toBeUndefined();
    await expect.poll(() => exporter.getFinishedSpans().some((s) => s.name === 'request')).toBe(true);
    const spans = exporter.getFinishedSpans();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => (s.parentSpanContext ? byId.get(s.parentSpanContext.spanId)?.name : undefined);
    const named = (name: string) => spans.filter((s) => s.name === name);

    const [request] = named('request');
    expect(request!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.path': '/graphql',
      'graphql.operation.name': 'Masked',
      'http.response.status_code': 200,
    });
    expect(named('parse').map(parentOf)).toEqual(['request']);
    expect(named('validate').map(parentOf)).toEqual(['request']);
    // The page and the count: two plans, each with its analyzer, optimizer and execution.
    expect(named('plan').map(parentOf)).toEqual(['request', 'request']);
    for (const step of ['policy', 'optimize', 'execute']) expect(named(step).map(parentOf), step).toEqual(['plan', 'plan']);
    expect(named('plan')[0]!.attributes).toMatchObject({ 'sluice.product': 'orders', 'sluice.path': 'ordersV2' });
    const scans = named('scan');
    expect(scans.length).toBeGreaterThanOrEqual(2);
    for (const s of scans) {
      expect(parentOf(s)).toBe('execute');
      expect(s.attributes['sluice.source.uri']).toMatch(/^products\/orders\/data\/part-\d+\.parquet$/);
      expect(s.attributes['sluice.row_groups.total']).toBeGreaterThan(0);
      expect(typeof s.attributes['sluice.row_groups.scanned']).toBe('number');
      // One span per file, within its execution, as long as the file's reads
      // took. The SDK anchors each span's clock on Date.now() when it starts
      // (millisecond resolution), so two spans agree to within a millisecond.
      const execute = byId.get(s.parentSpanContext!.spanId)!;
      const ms = 1_000_000n;
      expect(nanos(s.startTime)).toBeGreaterThanOrEqual(nanos(execute.startTime) - ms);
      expect(nanos(s.endTime)).toBeLessThanOrEqual(nanos(execute.endTime) + ms);
      expect(nanos(s.endTime)).toBeGreaterThanOrEqual(nanos(s.startTime));
    }
    // No file's statistics settle totalCount's filter: that plan reads every file, and says what each cost.
    const read = scans.filter((s) => (s.attributes['sluice.row_groups.scanned'] as number) > 0);
    expect(read.length).toBeGreaterThanOrEqual(2);
    for (const s of read) {
      expect(s.attributes['sluice.rows.scanned']).toBeGreaterThan(0);
      expect(s.attributes['sluice.bytes.read']).toBeGreaterThan(0);
    }
    expect(new Set(scans.map((s) => `${s.parentSpanContext!.spanId} ${s.attributes['sluice.source.uri']}`)).size).toBe(scans.length);
    // One trace.
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);

    const attributeText = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status]));
    expect(attributeText).not.toContain(SECRET);
    expect(attributeText).not.toContain(DEMO_KEYS.analyst);
    const values = new Set(leaves(res.data).filter((v) => v.length > 3));
    expect(values.size).toBeGreaterThan(5);
    const strings = spans.flatMap((s) => Object.values(s.attributes).map(String));
    expect(strings.filter((v) => values.has(v))).toEqual([]);
  });

  it('a scan stopped by RESOURCE_LIMIT still has its file spans, with the row groups it read', async () => {
    const config = loadConfig('sluice.yaml');
    const engine = createEngine(config);
    const limited = createGateway({
      config: { ...config, server: { ...config.server, limits: { ...config.server.limits, maxRowsScanned: 10_000 } } },
      ...(await loadDeployment(config, engine)),
      engine,
    });
    exporter.reset();
    const res = await limited.fetch('http://sluice.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEMO_KEYS.admin },
      body: JSON.stringify({ query: '{ ordersV2Aggregate(groupBy: [region]) { count } }' }),
    });
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('RESOURCE_LIMIT');
    await expect.poll(() => exporter.getFinishedSpans().some((s) => s.name === 'request')).toBe(true);
    const spans = exporter.getFinishedSpans();
    const [execute] = spans.filter((s) => s.name === 'execute');
    expect(execute!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'RESOURCE_LIMIT' });
    const scans = spans.filter((s) => s.name === 'scan');
    expect(scans).toHaveLength(2);
    const sum = (key: string) => scans.reduce((n, s) => n + (s.attributes[key] as number), 0);
    expect(sum('sluice.row_groups.total')).toBe(16);
    expect(sum('sluice.row_groups.scanned')).toBeGreaterThan(0);
    expect(sum('sluice.row_groups.scanned')).toBeLessThan(16);
    expect(sum('sluice.rows.scanned')).toBeLessThanOrEqual(10_000);
  });

  it('marks a failed plan with its code, not its message', async () => {
    exporter.reset();
    const res = await demo.query('{ ordersV2(first: 501) { nodes { order_id } } }');
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    await expect.poll(() => exporter.getFinishedSpans().some((s) => s.name === 'request')).toBe(true);
    expect(exporter.getFinishedSpans().some((s) => s.name === 'plan')).toBe(false); // refused while compiling, before any plan ran
  });
});

describe('SDK setup', () => {
  it('does nothing without telemetry.otlp', () => {
    expect(startTracing(undefined)).toBeUndefined();
    expect(startTracing({ serviceName: 'sluice' })).toBeUndefined();
  });

  it('exports spans as OTLP/HTTP JSON to the configured endpoint, with headers from the environment', async () => {
    const received: { headers: Record<string, unknown>; body: unknown }[] = [];
    const collector = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (c: string) => (text += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((ok) => collector.listen(0, '127.0.0.1', ok));
    const { port } = collector.address() as { port: number };
    process.env['SLUICE_TEST_OTLP_TOKEN'] = 'Bearer otlp-test';
    trace.disable(); // the in-memory provider above; a process registers one provider
    try {
      const tracing = startTracing({
        serviceName: 'sluice-test',
        otlp: { endpoint: `http://127.0.0.1:${port}/v1/traces`, headersEnv: { authorization: 'SLUICE_TEST_OTLP_TOKEN' } },
      })!;
      expect(tracing).toBeDefined();
      const span = trace.getTracer('sluice').startSpan('plan', { attributes: { 'sluice.product': 'orders', 'sluice.rows': 3 } });
      span.end();
      await tracing.shutdown();
      expect(received).toHaveLength(1);
      expect(received[0]!.headers['authorization']).toBe('Bearer otlp-test');
      expect(received[0]!.headers['content-type']).toBe('application/json');
      const body = received[0]!.body as {
        resourceSpans: {
          resource: { attributes: unknown[] };
          scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[];
        }[];
      };
      expect(body.resourceSpans[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'sluice-test' } });
      const [exported] = body.resourceSpans[0]!.scopeSpans[0]!.spans;
      expect(body.resourceSpans[0]!.scopeSpans[0]!.scope.name).toBe('sluice');
      expect(exported).toMatchObject({
        name: 'plan',
        kind: 1,
        attributes: [
          { key: 'sluice.product', value: { stringValue: 'orders' } },
          { key: 'sluice.rows', value: { intValue: '3' } },
        ],
      });
      expect(exported!['traceId']).toMatch(/^[0-9a-f]{32}$/);
      expect(exported!['spanId']).toMatch(/^[0-9a-f]{16}$/);
      expect(BigInt(exported!['endTimeUnixNano'] as string)).toBeGreaterThanOrEqual(BigInt(exported!['startTimeUnixNano'] as string));
    } finally {
      delete process.env['SLUICE_TEST_OTLP_TOKEN'];
      trace.disable();
      trace.setGlobalTracerProvider(provider);
      collector.close();
    }
  });
});
