import { trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpJsonExporter } from './otlp-json-exporter.js';

/**
 * Registers an OpenTelemetry tracer provider that exports spans over OTLP
 * when `telemetry.otlp` is configured, and does nothing otherwise (the API's
 * no-op tracer stays in place: spans cost nothing). Header values (e.g. a
 * collector token) come from environment variables the config names.
 */
export interface TelemetryConfig {
  readonly serviceName: string;
  readonly otlp?: { readonly endpoint: string; readonly headersEnv: Readonly<Record<string, string>> };
}

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export function startTracing(config: TelemetryConfig | undefined): Tracing | undefined {
  if (!config?.otlp) return undefined;
  const headers = Object.fromEntries(
    Object.entries(config.otlp.headersEnv).flatMap(([header, env]) => (process.env[env] ? [[header, process.env[env]!]] : [])),
  );
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OtlpJsonExporter({ url: config.otlp.endpoint, headers }))],
  });
  trace.setGlobalTracerProvider(provider);
  return { shutdown: () => provider.shutdown() };
}
