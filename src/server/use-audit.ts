import { createHash } from 'node:crypto';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AuditTrail, type AuditSink } from '../response/audit.js';

/**
 * Writes one audit record per GraphQL request (SPEC §5), allowed or denied —
 * including requests refused before a session exists (no or bad credentials),
 * which are recorded without one. Requests that carry no GraphQL operation
 * (the GraphiQL page) are not audited.
 *
 * Must come before the authentication plugin, so that it has seen the
 * operation before authentication can refuse the request.
 */
export interface AuditPluginOptions {
  readonly sink: AuditSink;
}

export interface AuditPlugin extends Plugin {
  /** The request's trail, for the context factory and plan runs to fill in. */
  trailOf(request: Request): AuditTrail;
}

/** nginx's status for a request its client closed before the response. */
const CLIENT_CLOSED_REQUEST = 499;

export function useAudit(options: AuditPluginOptions): AuditPlugin {
  const trails = new WeakMap<Request, AuditTrail>();
  const trailOf = (request: Request) => {
    let trail = trails.get(request);
    if (!trail) {
      trail = new AuditTrail();
      trails.set(request, trail);
    }
    return trail;
  };
  return {
    trailOf,
    onRequest({ request }) {
      const trail = trailOf(request);
      // A client that goes away gets no response, so onResponse never runs:
      // its request is audited here, as 499 (client closed the request) with
      // the code its cancelled plans end with.
      request.signal?.addEventListener(
        'abort',
        () => {
          if (trails.get(request) !== trail) return;
          trails.delete(request);
          if (trail.documentHash === null && trail.session === undefined) return;
          trail.recordErrors(['QUERY_TIMEOUT']);
          options.sink.write(trail.finish(CLIENT_CLOSED_REQUEST));
        },
        { once: true },
      );
    },
    onParams({ params, request }) {
      const trail = trailOf(request);
      trail.operationName = params.operationName ?? null;
      const persisted = (params.extensions?.['persistedQuery'] as { sha256Hash?: string } | undefined)?.sha256Hash;
      const documentId = (params as { documentId?: string }).documentId;
      // A query that is not a string is refused by yoga after this hook; it has no hash.
      trail.documentHash = typeof params.query === 'string'
        ? `sha256:${createHash('sha256').update(params.query).digest('hex')}`
        : (persisted ?? documentId ?? null) && `sha256:${persisted ?? documentId}`;
    },
    onExecute({ args }) {
      // A request without operationName names its operation in the document.
      const request = (args.contextValue as { request?: Request }).request;
      const trail = request && trails.get(request);
      if (trail && trail.operationName === null) trail.operationName = getOperationAST(args.document, args.operationName)?.name?.value ?? null;
    },
    onResultProcess({ request, result }) {
      const results = Array.isArray(result) ? result : [result];
      const codes = results.flatMap((r) =>
        'errors' in r && r.errors ? r.errors.map((e) => String((e as { extensions?: { code?: unknown } }).extensions?.code ?? 'UNKNOWN')) : [],
      );
      trailOf(request).recordErrors(codes);
    },
    onResponse({ request, response }) {
      const trail = trails.get(request);
      if (!trail) return;
      trails.delete(request);
      if (trail.documentHash === null && trail.session === undefined && response.status < 400) return;
      if (request.method === 'GET' && (response.headers.get('content-type') ?? '').startsWith('text/html')) return;
      options.sink.write(trail.finish(response.status));
    },
  };
}
