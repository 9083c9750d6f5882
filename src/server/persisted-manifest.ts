import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getOperationAST, parse, type DocumentNode } from 'graphql';
import { displayPath } from '../contract/yaml-file.js';
import { ConfigError } from '../errors.js';

/**
 * The persisted-operations manifest (docs/persisted-operations.md): `{ "<sha256-hex>": "<document>" }`,
 * the format graphql-codegen's client preset writes (`npm run codegen` writes
 * persisted/operations.json from partners/operations/). Every id must be the
 * SHA-256 of its document's text, so an id names exactly one document and a
 * hand-edited entry cannot make an id run some other query.
 */
export interface PersistedOperation {
  /** SHA-256 of `document`, lowercase hex. */
  readonly id: string;
  readonly document: string;
  /** The name of the document's (first) operation, if it has one. */
  readonly name: string | null;
}

export interface PersistedManifest {
  /** As shown in messages. */
  readonly file: string;
  readonly operations: ReadonlyMap<string, PersistedOperation>;
}

export const EMPTY_MANIFEST: PersistedManifest = Object.freeze({ file: '(none)', operations: new Map() });

/** The id of a document: SHA-256 of its text, lowercase hex. */
export const documentId = (document: string): string => createHash('sha256').update(document, 'utf8').digest('hex');

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The id a request names, as sent in `documentId` or
 * `extensions.persistedQuery.sha256Hash`: lowercase hex, with an optional
 * `sha256:` prefix (the GraphQL-over-HTTP persisted documents draft writes
 * ids that way). Anything else is not an id of ours.
 */
export function normalizeDocumentId(id: string): string | null {
  const hex = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return SHA256_HEX.test(hex) ? hex : null;
}

export function loadPersistedManifest(file: string): PersistedManifest {
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(shown, 'persisted operations manifest cannot be read (`npm run codegen` writes it)');
  }
  return parsePersistedManifest(text, shown);
}

export function parsePersistedManifest(text: string, shown: string): PersistedManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(shown, 'is not JSON; expected { "<sha256>": "<document>" } as graphql-codegen writes it');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(shown, 'must be a JSON object { "<sha256>": "<document>" }');
  }
  const operations = new Map<string, PersistedOperation>();
  for (const [id, document] of Object.entries(raw)) {
    const at = (message: string) => new ConfigError(shown, `operation ${JSON.stringify(id.slice(0, 80))}: ${message}`);
    if (!SHA256_HEX.test(id))
      throw at('the id must be a SHA-256, 64 lowercase hex digits (set persistedDocuments.hashAlgorithm: sha256 in codegen.yml)');
    if (typeof document !== 'string') throw at('the document must be a string');
    if (documentId(document) !== id) throw at('the id is not the SHA-256 of its document; regenerate the manifest with `npm run codegen`');
    let ast: DocumentNode;
    try {
      ast = parse(document, { noLocation: true });
    } catch (e) {
      throw at(`the document does not parse: ${(e as Error).message.split('\n')[0]}`);
    }
    operations.set(id, Object.freeze({ id, document, name: getOperationAST(ast)?.name?.value ?? firstOperationName(ast) }));
  }
  return Object.freeze({ file: shown, operations });
}

function firstOperationName(ast: DocumentNode): string | null {
  for (const d of ast.definitions) if (d.kind === 'OperationDefinition' && d.name) return d.name.value;
  return null;
}
