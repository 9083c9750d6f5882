import type { Plugin } from 'graphql-yoga';
import type { Authenticated, Authenticator } from './authenticate.js';

/**
 * Authenticates every GraphQL request as soon as its parameters are known,
 * before yoga parses and validates the document: a caller without valid
 * credentials gets 401/403 (docs/policies.md, docs/errors.md) and learns nothing about the schema
 * from validation errors. Plugins that come after it in the list (persisted
 * operations, policies) and the context factory read the result with
 * `authenticated(request)`; a request is authenticated once.
 *
 * The GraphiQL page itself (a GET for HTML) is served before this hook runs
 * and needs no credentials; the queries it sends do.
 */
export interface AuthenticationPluginOptions {
  /** From `authenticationOf(authenticator)`; shared with the context factory. */
  readonly authenticated: (request: Request) => Promise<Authenticated>;
}

export function useAuthentication(options: AuthenticationPluginOptions): Plugin {
  return {
    async onParams({ request }) {
      // A rejection becomes the response: yoga masks it (mask-error.ts keeps
      // the code and message) and takes the HTTP status from it.
      await options.authenticated(request);
    },
  };
}

/** One authentication per request, however many hooks ask for it. */
export function authenticationOf(authenticator: Authenticator): (request: Request) => Promise<Authenticated> {
  const done = new WeakMap<Request, Promise<Authenticated>>();
  return (request) => {
    let result = done.get(request);
    if (!result) {
      result = authenticator.authenticate(request.headers);
      done.set(request, result);
    }
    return result;
  };
}
