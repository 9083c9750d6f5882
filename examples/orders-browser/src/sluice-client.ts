import type { TypedDocumentString } from './gql/graphql.js';

/**
 * The smallest typed client: POST the document and its variables, return
 * `data` typed by the document, throw on errors. Results and variables are
 * checked at compile time against the caller's schema the types were
 * generated from (codegen.yml).
 */
export interface SluiceClient {
  execute<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables: Variables): Promise<Result>;
}

export interface ClientOptions {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql (another origin than the page's). */
  readonly endpoint: string;
  /** The caller's API key; none: an anonymous caller. */
  readonly apiKey?: string;
  /** Why the data is read (`X-Purpose`); policies may require one. */
  readonly purpose?: string;
}

/** What the gateway refused, with its stable code (GRAPHQL_VALIDATION_FAILED, FORBIDDEN, …). */
export class SluiceRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SluiceRequestError';
  }
}

export function createClient(options: ClientOptions): SluiceClient {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  // Custom headers make the browser ask the gateway first (a CORS preflight); server.cors must list this page's origin.
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  if (options.purpose) headers['x-purpose'] = options.purpose;
  return {
    async execute(document, variables) {
      const response = await fetch(options.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: document.toString(), variables }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
      const error = body.errors?.[0];
      if (error) throw new SluiceRequestError(error.message, error.extensions?.code);
      return body.data as never;
    },
  };
}
