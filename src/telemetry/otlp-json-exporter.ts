import { ExportResultCode, hrTimeToNanoseconds, type ExportResult } from '@opentelemetry/core';
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Exports spans with OTLP/HTTP in its JSON encoding (POST <endpoint>, body
 * ExportTraceServiceRequest as JSON): every OTLP collector accepts it. The
 * OpenTelemetry exporter packages would do this too, but they bring in
 * protobufjs, which has an install script; the JSON mapping is small.
 */
export interface OtlpJsonExporterOptions {
  /** The traces endpoint, e.g. http://collector:4318/v1/traces. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMillis?: number;
}

export class OtlpJsonExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();
  constructor(private readonly options: OtlpJsonExporterOptions) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const sent = fetch(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.options.headers },
      body: JSON.stringify(exportRequest(spans)),
      signal: AbortSignal.timeout(this.options.timeoutMillis ?? 10_000),
    }).then(
      (res) =>
        done(
          res.ok
            ? { code: ExportResultCode.SUCCESS }
            : { code: ExportResultCode.FAILED, error: new Error(`OTLP export: HTTP ${res.status}`) },
        ),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

/** The OTLP JSON body for `spans`, grouped by resource and instrumentation scope. */
export function exportRequest(spans: readonly ReadableSpan[]): unknown {
  const byResource = new Map<ReadableSpan['resource'], Map<string, ReadableSpan[]>>();
  for (const span of spans) {
    const scopes = byResource.get(span.resource) ?? new Map<string, ReadableSpan[]>();
    byResource.set(span.resource, scopes);
    const scope = span.instrumentationScope.name;
    scopes.set(scope, [...(scopes.get(scope) ?? []), span]);
  }
  return {
    resourceSpans: [...byResource].map(([resource, scopes]) => ({
      resource: { attributes: keyValues(resource.attributes) },
      scopeSpans: [...scopes].map(([name, list]) => ({
        scope: { name, version: list[0]!.instrumentationScope.version },
        spans: list.map((s) => ({
          traceId: s.spanContext().traceId,
          spanId: s.spanContext().spanId,
          ...(s.parentSpanContext && { parentSpanId: s.parentSpanContext.spanId }),
          name: s.name,
          // OTLP numbers span kinds from 1 (INTERNAL); the API from 0.
          kind: s.kind + 1,
          startTimeUnixNano: nanos(s.startTime),
          endTimeUnixNano: nanos(s.endTime),
          attributes: keyValues(s.attributes),
          events: s.events.map((e) => ({ name: e.name, timeUnixNano: nanos(e.time), attributes: keyValues(e.attributes ?? {}) })),
          status: { code: s.status.code, ...(s.status.message && { message: s.status.message }) },
        })),
      })),
    })),
  };
}

const nanos = (t: HrTime) => String(hrTimeToNanoseconds(t));

function keyValues(attributes: Attributes): { key: string; value: unknown }[] {
  return Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => ({ key, value: anyValue(v!) }));
}

function anyValue(v: AttributeValue): unknown {
  if (Array.isArray(v))
    return { arrayValue: { values: v.filter((x) => x !== null && x !== undefined).map((x) => anyValue(x as AttributeValue)) } };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}
