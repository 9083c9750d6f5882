import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { SluiceError } from '../errors.js';

/**
 * Checks the shape of a GraphQL-over-HTTP request before any other plugin
 * reads it: every parameter has the type the protocol gives it, or the
 * request is refused with HTTP 400 and BAD_USER_INPUT (docs/errors.md), naming the
 * parameter and never echoing what was sent.
 *
 * - A POST body that is not a JSON object, and GET `variables` or
 *   `extensions` that are not a JSON object (yoga answered the first with the
 *   body's text in `extensions.originalError`, the second with
 *   INTERNAL_SERVER_ERROR and a logged stack).
 * - `query`, `operationName`, `documentId`: strings; `variables`,
 *   `extensions`: objects; null counts as absent; no other parameter. Before
 *   this, an `operationName` sent as `{"toString": "Q"}` reached the audit
 *   and metrics as an object, and a string method called on it answered
 *   HTTP 500 with a stack trace naming source files.
 *
 * Must come before every plugin with an `onParams` hook (audit, authentication,
 * rate limit, persisted operations): they may then rely on the types. Its
 * parser wrapper must come after the body limit's, whose RESOURCE_LIMIT (413)
 * it lets through. `refused` tells the audit trail why.
 */
export interface RequestShapePluginOptions {
  readonly refused: (request: Request, reason: string) => void;
}

const PARAMETERS: Readonly<Record<string, 'string' | 'object'>> = {
  query: 'string',
  operationName: 'string',
  documentId: 'string',
  variables: 'object',
  extensions: 'object',
};

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const isObject = (v: unknown): v is Record<string, unknown> => kindOf(v) === 'object';

export function useRequestShape(options: RequestShapePluginOptions): Plugin {
  const refuse = (request: Request, reason: string, message: string) => {
    options.refused(request, reason);
    return new SluiceError('BAD_USER_INPUT', 'user', message, { http: { status: 400 } });
  };

  const checkSearchParams = (request: Request) => {
    const search = new URL(request.url).searchParams;
    for (const name of ['variables', 'extensions']) {
      const text = search.get(name);
      if (!text) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw refuse(request, `${name} is not JSON`, `"${name}" must be a JSON object, URL-encoded (?${name}=%7B…%7D).`);
      }
      if (value !== null && !isObject(value)) {
        throw refuse(request, `${name} is a JSON ${kindOf(value)}`, `"${name}" must be a JSON object, not ${article(kindOf(value))}.`);
      }
    }
  };

  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        if (req.method === 'GET') checkSearchParams(req);
        try {
          return await parse(req);
        } catch (e) {
          // yoga's parsers say BAD_REQUEST for a body that is not JSON or not an object.
          if (e instanceof GraphQLError && e.extensions?.['code'] === 'BAD_REQUEST') {
            throw refuse(request, 'the body is not a JSON object', 'The body must be a JSON object: {"query": "…", "variables": {…}}.');
          }
          throw e;
        }
      });
    },
    onParams({ params, request }) {
      if (!isObject(params)) return; // a batch entry that is not an object: yoga refuses it
      for (const name of Object.keys(params)) {
        const value = params[name];
        const expected = Object.hasOwn(PARAMETERS, name) ? PARAMETERS[name] : undefined;
        if (expected === undefined) {
          throw refuse(
            request,
            'an unknown parameter',
            `Unknown request parameter ${JSON.stringify(name.slice(0, 40))}: send query, variables, operationName, extensions or documentId.`,
          );
        }
        if (value === null || value === undefined) continue;
        if (expected === 'string' ? typeof value !== 'string' : !isObject(value)) {
          throw refuse(
            request,
            `${name} is ${article(kindOf(value))}`,
            `"${name}" must be ${article(expected === 'string' ? 'string' : 'JSON object')}, not ${article(kindOf(value))}.`,
          );
        }
      }
    },
  };
}

const article = (word: string) => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
