import { createHash } from 'node:crypto';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { AuditTrail, type AuditSink } from '../response/audit.js';
import { normalizeDocumentId } from './persisted-manifest.js';

/**
 * Writes one audit record per GraphQL request (docs/lineage-and-audit.md), allowed or denied —
 * including requests refused before a session exists (no or bad credentials,
 * a malformed request), which are recorded without one, with what was refused
 * and why. Requests that carry no GraphQL operation (the GraphiQL page) are
 * not audited.
 *
 * The record names what ran, not what the request claimed: the document hash
 * is the SHA-256 of the document yoga parsed (a persisted operation's id is
 * the SHA-256 of its text, so it is that id), and the operation name the one
 * executed. A persisted id or APQ hash that was sent but never resolved only
 * appears as the `requested` part of a refusal.
 *
 * Must come before authentication, so that it has seen the operation before
 * authentication can refuse the request, and after the request-shape check,
 * which guarantees the parameters' types (use-request-shape.ts). A sink that
 * throws is logged, never turned into the response.
 */
export interface AuditPluginOptions {
  readonly sink: AuditSink;
  /** Where a failing sink is reported. */
  readonly log: (message: string, fields: Record<string, unknown>) => void;
}

export interface AuditPlugin extends Plugin {
  /** The request's trail, for the context factory and plan runs to fill in. */
  trailOf(request: Request): AuditTrail;
}

/**
 * What a request names, as sent and unchecked: the persisted id (documentId,
 * GET ?documentId=, or the APQ hash), when it is a well-formed SHA-256, else
 * the SHA-256 of its query text.
 */
function requestedDocument(
  params: { query?: unknown; extensions?: Record<string, unknown> | undefined; documentId?: unknown },
  request: Request,
): string | null {
  const persisted = params.extensions?.['persistedQuery'];
  const sent = [
    params.documentId,
    request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null,
    persisted !== null && typeof persisted === 'object' ? (persisted as { sha256Hash?: unknown }).sha256Hash : null,
  ].find((v): v is string => typeof v === 'string');
  const id = sent === undefined ? null : normalizeDocumentId(sent);
  if (id !== null) return `sha256:${id}`;
  return typeof params.query === 'string' ? documentHash(params.query) : null;
}

/**
 * `sha256:<hex>` of a document's text. Both the requested and the parsed
 * document are hashed on every request, and clients send the same few
 * documents over and over: hashes of recent texts are kept (bounded by
 * count and by the texts' total length).
 */
const hashes = new LRUCache<string, string>({ max: 2048, maxSize: 16 * 1024 * 1024, sizeCalculation: (_v, text) => text.length + 80 });
function documentHash(text: string): string {
  let hash = hashes.get(text);
  if (hash === undefined) {
    hash = `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
    hashes.set(text, hash);
  }
  return hash;
}

/** nginx's status for a request its client closed before the response. */
const CLIENT_CLOSED_REQUEST = 499;

export function useAudit(options: AuditPluginOptions): AuditPlugin {
  const trails = new WeakMap<Request, AuditTrail>();
  const write = (trail: AuditTrail, status: number) => {
    try {
      options.sink.write(trail.finish(status));
    } catch (e) {
      options.log('audit record not written', {
        queryId: trail.session?.queryId ?? null,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  };
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
          if (trail.documentHash === null && trail.requested === null && trail.session === undefined) return;
          trail.recordErrors(['QUERY_TIMEOUT']);
          write(trail, CLIENT_CLOSED_REQUEST);
        },
        { once: true },
      );
    },
    onParams({ params, request }) {
      const trail = trailOf(request);
      trail.operationName = typeof params.operationName === 'string' ? params.operationName : null;
      trail.requested = requestedDocument(params, request);
    },
    onParse({ context, params }) {
      // The document that runs: the query sent, or the one a persisted id resolved to.
      const request = (context as { request?: Request }).request;
      const trail = request && trails.get(request);
      const text = typeof params.source === 'string' ? params.source : params.source.body;
      if (trail) trail.documentHash = documentHash(text);
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const trail = request && trails.get(request);
      if (trail) trail.operationName = getOperationAST(args.document, args.operationName)?.name?.value ?? null;
    },
    onResultProcess({ request, result }) {
      const results = Array.isArray(result) ? result : [result];
      const codes = results.flatMap((r) =>
        'errors' in r && r.errors
          ? r.errors.map((e) => String((e as { extensions?: { code?: unknown } }).extensions?.code ?? 'UNKNOWN'))
          : [],
      );
      const trail = trailOf(request);
      trail.recordErrors(codes);
      trail.recordResult(results.some((r) => 'data' in r && r.data !== undefined));
    },
    onResponse({ request, response }) {
      const trail = trails.get(request);
      if (!trail) return;
      trails.delete(request);
      if (trail.documentHash === null && trail.session === undefined && response.status < 400) return;
      if (request.method === 'GET' && (response.headers.get('content-type') ?? '').startsWith('text/html')) return;
      write(trail, response.status);
    },
  };
}
