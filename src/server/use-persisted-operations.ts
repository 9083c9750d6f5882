import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { usePersistedOperations as useYogaPersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { SluiceError } from '../errors.js';
import type { Caller } from '../session/session.js';
import type { Authenticated } from './authenticate.js';
import { documentId, normalizeDocumentId, type PersistedManifest } from './persisted-manifest.js';
import { inProcessRegisteredOperations, type RegisteredOperations } from './state/persisted-store.js';
import { StateUnavailable } from './state/rate-limit-store.js';

/**
 * Persisted operations (docs/persisted-operations.md), with graphql-yoga's persisted-operations
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
  /** Where APQ registrations live (state/persisted-store.ts); default: in this process, bounded. */
  readonly registered?: RegisteredOperations;
  /**
   * Told when the store could not answer. The request goes on as if the id
   * were unknown (a lookup: PERSISTED_QUERY_NOT_FOUND, so an APQ client sends
   * the query in full) or not registered (a registration: the query runs).
   */
  readonly onUnavailable?: (error: unknown) => void;
}

export type { RegisteredOperations } from './state/persisted-store.js';

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
  const registered = options.registered ?? inProcessRegisteredOperations();
  // Shared state that does not answer costs the caller a resend, never the request.
  const unavailable = (e: unknown) => {
    if (!(e instanceof StateUnavailable)) throw e;
    options.onUnavailable?.(e);
    return undefined;
  };
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
      if (mayRegister(caller) && !manifest.operations.has(id)) await registered.set(id, params.query).catch(unavailable);
    },
  };

  const lookup = useYogaPersistedOperations({
    allowArbitraryOperations: async (request) => !(await authenticated(request)).caller.persistedOnly,
    extractPersistedOperationId: (params, request) => requestedId(params, request),
    getPersistedOperation: async (id, request) => {
      const { caller } = await authenticated(request);
      const fromManifest = manifest.operations.get(id)?.document;
      if (fromManifest !== undefined) return fromManifest;
      if (caller.persistedOnly) return null;
      const document = await registered.get(id).catch(unavailable);
      // Checked as the registration was: the store is shared, the id is the document's hash.
      return document !== undefined && documentId(document) === id ? document : null;
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
