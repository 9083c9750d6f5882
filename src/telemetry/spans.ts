import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * The request's OpenTelemetry spans (shared by server, session and engine
 * callers), through `@opentelemetry/api` alone: without an SDK
 * registered (tracing-sdk.ts does, when configured) every call is a no-op.
 *
 *   request                      server/use-tracing.ts: method, route, status, operation name
 *   ├─ parse, validate           server/use-tracing.ts
 *   └─ plan                      one logical plan run (create-gateway.ts): product, version, path
 *      ├─ policy                 the analyzer (run-plan.ts)
 *      ├─ optimize               the optimizer rules
 *      └─ execute                the engine
 *         └─ scan                one per source file, first read to last (session/run-plan.ts):
 *                                row groups scanned / total, rows, bytes read (and fetched from object storage)
 *
 * Spans are parented explicitly (no context manager needed). Attributes are
 * names and counts: never variable values, documents, filter
 * literals, row values or credentials.
 */
export const tracer = trace.getTracer('sluice');

/** The provider the API answers with while no SDK is registered (a fresh proxy's delegate is that one no-op). */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
/** What every span is while nothing records them: one span that records nothing, made once. */
const NOT_RECORDED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether a tracer provider is registered. Without one, the API's no-op
 * tracer would still build a context and a span object per call, a few per
 * plan of every request (bench/run.ts profiled them at 1–2% of a page
 * request's CPU): so spans are skipped altogether.
 */
function recording(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_PROVIDER);
}

/** Starts a child of `parent` (a span or a context), or a root span. */
export function startSpan(name: string, parent: Span | Context | undefined, attributes?: Attributes, startTime?: number): Span {
  if (!recording()) return NOT_RECORDED;
  const ctx = parent === undefined ? undefined : isSpan(parent) ? trace.setSpan(ROOT_CONTEXT, parent) : parent;
  return tracer.startSpan(name, { ...(attributes && { attributes }), ...(startTime !== undefined && { startTime }) }, ctx);
}

/** Runs `f` in a span that ends with it, recording an error's code (not its message). */
export async function inSpan<T>(
  name: string,
  parent: Span | undefined,
  attributes: Attributes,
  f: (span: Span) => Promise<T> | T,
): Promise<T> {
  if (!recording()) return f(NOT_RECORDED);
  const span = startSpan(name, parent, attributes);
  try {
    return await f(span);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'error' });
    throw e;
  } finally {
    span.end();
  }
}

const isSpan = (x: Span | Context): x is Span => typeof (x as Span).spanContext === 'function';
