import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { usePersistedOperations as useYogaPersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { SluiceError } from '../errors.js';
import type { Caller } from '../session/session.js';
import type { Authenticated } from './authenticate.js';
import { documentId, normalizeDocumentId, type PersistedManifest } from './persisted-manifest.js';

/**
 * Persisted operations (SPEC §7), with graphql-yoga's persisted-operations
 * plugin doing the lookup:
 *
 * - `{"documentId": "<sha256>"}` (POST body or GET `?documentId=`) runs a
 *   manifest operation;
 * - Apollo APQ: `extensions.persistedQuery.sha256Hash` alone runs a known
 *   operation or answers PERSISTED_QUERY_NOT_FOUND; sent again with the
 *   `query`, whose SHA-256 must match, it runs the query and — for API keys
 *   with `allowPersistRegistration` — registers it, so the next hash-only
 *   request finds it;
 * - callers whose API key is `persistedOnly` run manifest operations only:
 *   a `query` gets PERSISTED_QUERY_REQUIRED, and operations registered
 *   through APQ are not found for them.
 *
 * Which stores a request may read is decided from the authenticated caller
 * (never from anything the client sends): the manifest for everyone, the
 * APQ registrations for callers that may send their own documents anyway.
 * Must come after the authentication plugin. Persisted documents are parsed
 * and validated like any other (and cached by yoga), so policies and the
 * retired-version check apply to them unchanged.
 */
export interface PersistedOperationsPluginOptions {
  readonly manifest: PersistedManifest;
  /** From `authenticationOf(authenticator)`, shared with the authentication plugin. */
  readonly authenticated: (request: Request) => Promise<Authenticated>;
  /** Ids of the API keys (`auth.apiKeys[].id`) that may register operations through APQ. */
  readonly registrants: ReadonlySet<string>;
  /** Where APQ registrations live; default: in memory, bounded. */
  readonly registered?: RegisteredOperations;
}

/** Operations registered through APQ. */
export interface RegisteredOperations {
  get(id: string): string | undefined;
  set(id: string, document: string): void;
}

/**
 * An in-memory store of at most `maxEntries` documents of at most
 * `maxDocumentBytes` each, dropping the least recently used: registration
 * is a cache for trusted keys, not a database. (Replicas do not share it;
 * an APQ client simply registers again where it is not found.)
 */
export function inMemoryRegisteredOperations(maxEntries = 1000, maxDocumentBytes = 64 * 1024): RegisteredOperations {
  const documents = new Map<string, string>();
  return {
    get(id) {
      const document = documents.get(id);
      if (document !== undefined) {
        documents.delete(id);
        documents.set(id, document);
      }
      return document;
    },
    set(id, document) {
      if (Buffer.byteLength(document, 'utf8') > maxDocumentBytes) return;
      documents.delete(id);
      documents.set(id, document);
      while (documents.size > maxEntries) documents.delete(documents.keys().next().value!);
    },
  };
}

const persistedQueryRequired = () =>
  new SluiceError(
    'PERSISTED_QUERY_REQUIRED',
    'user',
    'This API key may run persisted operations only: send {"documentId": "<sha256>"} of an operation in the manifest instead of a query.',
    { http: { status: 400 } },
  );

const persistedQueryNotFound = (caller: Caller | undefined, mayRegister: boolean) =>
  new SluiceError(
    'PERSISTED_QUERY_NOT_FOUND',
    'user',
    caller?.persistedOnly
      ? 'PersistedQueryNotFound: no operation in the persisted manifest has this id.'
      : mayRegister
        ? 'PersistedQueryNotFound: no persisted operation has this id; send the query with its sha256Hash to register it.'
        : 'PersistedQueryNotFound: no persisted operation has this id; send the query itself.',
    // 404, as Apollo's router answers an unknown id; APQ clients read the
    // body's code (or message) whatever the status, and retry with the query.
    { http: { status: 404 } },
  );

const noDocument = () =>
  new SluiceError('BAD_USER_INPUT', 'user', 'Send a "query", or the "documentId" of a persisted operation.', { http: { status: 400 } });

const hashMismatch = () =>
  new SluiceError('BAD_USER_INPUT', 'user', 'The persistedQuery sha256Hash is not the SHA-256 of the query sent with it.', {
    http: { status: 400 },
  });

/** The id a request names, or null. The APQ hash counts only in version 1 of the protocol. */
function requestedId(params: GraphQLParams & { documentId?: unknown }, request: Request): string | null {
  const sent =
    params.documentId ?? (request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null) ?? apqHash(params);
  return typeof sent === 'string' ? (normalizeDocumentId(sent) ?? sent) : null;
}

function apqHash(params: GraphQLParams): unknown {
  const pq = params.extensions?.['persistedQuery'] as { version?: unknown; sha256Hash?: unknown } | undefined;
  return pq && typeof pq === 'object' && pq.version === 1 ? pq.sha256Hash : null;
}

export function usePersistedOperations(options: PersistedOperationsPluginOptions): Plugin {
  const { manifest, authenticated, registrants } = options;
  const registered = options.registered ?? inMemoryRegisteredOperations();
  const callers = new WeakMap<Request, Caller>();
  const mayRegister = (caller: Caller | undefined) =>
    caller !== undefined && !caller.persistedOnly && caller.keyId !== undefined && registrants.has(caller.keyId);

  /** APQ's second step: a query sent with its hash. Runs before the lookup below. */
  const registration: Plugin = {
    async onParams({ params, request }) {
      const { caller } = await authenticated(request);
      callers.set(request, caller);
      if (!params.query) return;
      const id = requestedId(params, request);
      if (id === null || caller.persistedOnly) return; // the lookup refuses the query
      if (documentId(params.query) !== id) throw hashMismatch();
      if (mayRegister(caller) && !manifest.operations.has(id)) registered.set(id, params.query);
    },
  };

  const lookup = useYogaPersistedOperations({
    allowArbitraryOperations: async (request) => !(await authenticated(request)).caller.persistedOnly,
    extractPersistedOperationId: (params, request) => requestedId(params, request),
    getPersistedOperation: async (id, request) => {
      const { caller } = await authenticated(request);
      const fromManifest = manifest.operations.get(id)?.document;
      if (fromManifest !== undefined) return fromManifest;
      return caller.persistedOnly ? null : (registered.get(id) ?? null);
    },
    customErrors: {
      notFound: ({ request }) => {
        const caller = callers.get(request);
        return persistedQueryNotFound(caller, mayRegister(caller));
      },
      persistedQueryOnly: persistedQueryRequired,
      keyNotFound: noDocument,
    },
  });

  return {
    onPluginInit({ addPlugin }) {
      addPlugin(registration);
      addPlugin(lookup);
    },
  };
}
