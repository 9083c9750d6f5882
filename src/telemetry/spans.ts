import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

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

/** Starts a child of `parent` (a span or a context), or a root span. */
export function startSpan(name: string, parent: Span | Context | undefined, attributes?: Attributes, startTime?: number): Span {
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
