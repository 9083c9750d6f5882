import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { startSpan } from '../telemetry/spans.js';

/**
 * The `request` span and its `parse` and `validate` children
 * (telemetry/spans.ts draws the whole tree). Attributes: method, path,
 * operation name, status — nothing else a caller sent.
 */
export interface TracingPlugin extends Plugin {
  /** The request's span, to parent the spans of the plans it runs. */
  spanOf(request: Request): Span | undefined;
}

export function useTracing(): TracingPlugin {
  const spans = new WeakMap<Request, Span>();
  return {
    spanOf: (request) => spans.get(request),
    onRequest({ request, url }) {
      spans.set(request, startSpan('request', undefined, { 'http.request.method': request.method, 'url.path': url.pathname }));
    },
    onParse({ context }) {
      const span = startSpan('parse', spans.get((context as { request: Request }).request));
      return ({ result }) => {
        if (result instanceof Error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'GRAPHQL_PARSE_FAILED' });
        span.end();
      };
    },
    onExecute({ args }) {
      const span = spans.get((args.contextValue as { request: Request }).request);
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      if (span && name) span.setAttribute('graphql.operation.name', name);
    },
    onValidate({ context }) {
      const span = startSpan('validate', spans.get((context as { request: Request }).request));
      return ({ valid }) => {
        if (!valid) span.setStatus({ code: SpanStatusCode.ERROR, message: 'GRAPHQL_VALIDATION_FAILED' });
        span.end();
      };
    },
    onResponse({ request, response }) {
      const span = spans.get(request);
      if (!span) return;
      spans.delete(request);
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
