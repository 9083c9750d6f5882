import type { RedisState } from './redis.js';
import { StateUnavailable } from './rate-limit-store.js';

/**
 * Operations registered through Apollo APQ (docs/persisted-operations.md): a cache for trusted
 * keys, not a database — an APQ client sends the query again whenever its
 * hash is not found. Manifest operations are never here (they stay files).
 *
 * Documents longer than `maxDocumentBytes` are not kept (`set` resolves
 * false). A store that cannot answer rejects with StateUnavailable; the
 * persisted-operations plugin then answers as if the id were unknown.
 */
export interface RegisteredOperations {
  get(id: string): Promise<string | undefined>;
  /** Resolves whether the document was kept. */
  set(id: string, document: string): Promise<boolean>;
}

export const MAX_REGISTERED_DOCUMENT_BYTES = 64 * 1024;

/**
 * In this process: at most `maxEntries` documents, the least recently used
 * dropped first. Replicas do not share it.
 */
export function inProcessRegisteredOperations(maxEntries = 1000, maxDocumentBytes = MAX_REGISTERED_DOCUMENT_BYTES): RegisteredOperations {
  const documents = new Map<string, string>();
  return {
    get(id) {
      const document = documents.get(id);
      if (document !== undefined) {
        documents.delete(id);
        documents.set(id, document);
      }
      return Promise.resolve(document);
    },
    set(id, document) {
      if (Buffer.byteLength(document, 'utf8') > maxDocumentBytes) return Promise.resolve(false);
      documents.delete(id);
      documents.set(id, document);
      while (documents.size > maxEntries) documents.delete(documents.keys().next().value!);
      return Promise.resolve(true);
    },
  };
}

/**
 * In Redis, under `<prefix>apq:<sha256 hex>`, for `ttlSeconds` after the
 * last use (GETEX renews it: what is used stays, as in the LRU above). How
 * many entries Redis keeps is its `maxmemory` policy's call; the ids are
 * SHA-256 of the documents, so a replica can never be handed a document
 * that does not match the id it asked for — still, a document read back is
 * checked against its id by the plugin, as any APQ document is parsed and
 * validated like a query sent in full.
 */
export function redisRegisteredOperations(
  redis: RedisState,
  ttlSeconds: number,
  maxDocumentBytes = MAX_REGISTERED_DOCUMENT_BYTES,
): RegisteredOperations {
  const key = (id: string) => `${redis.keyPrefix}apq:${id}`;
  return {
    async get(id) {
      try {
        return (await redis.client.getex(key(id), 'EX', ttlSeconds)) ?? undefined;
      } catch (e) {
        throw new StateUnavailable(e);
      }
    },
    async set(id, document) {
      if (Buffer.byteLength(document, 'utf8') > maxDocumentBytes) return false;
      try {
        await redis.client.set(key(id), document, 'EX', ttlSeconds);
        return true;
      } catch (e) {
        throw new StateUnavailable(e);
      }
    },
  };
}
