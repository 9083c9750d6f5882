import { GraphQLError } from 'graphql';
import { SluiceError } from '../errors.js';
import { stripSuggestions } from './use-no-suggestions.js';

/**
 * Turns whatever a resolver threw into what a caller may see (docs/errors.md).
 * Expected errors keep their message and code; anything else is a bug or an
 * infrastructure fault, logged with the query id and shown as
 * INTERNAL_SERVER_ERROR with no detail (no stack, path or value leaks).
 */
export type ErrorLogger = (message: string, fields: Record<string, unknown>) => void;

/** An internal error already logged with its query id; only the id reaches the caller. */
export const unexpected = (queryId: string) =>
  new SluiceError('INTERNAL_SERVER_ERROR', 'internal', `Unexpected error. Quote query id ${queryId} when reporting it.`, {
    queryId,
    logged: true,
  });

/**
 * The HTTP status of an error that stops a request before execution: 400
 * under application/graphql-response+json, 200 under application/json
 * (yoga reads `spec` so; GraphQL over HTTP §"Response").
 */
const REQUEST_ERROR = Object.freeze({ status: 400, spec: true });

export function maskError(error: unknown, log: ErrorLogger, queryId?: string): GraphQLError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const gqlPath = error instanceof GraphQLError ? error.path : undefined;
  const nodes = error instanceof GraphQLError ? error.nodes : undefined;

  if (original instanceof SluiceError && original.fault !== 'internal') {
    return new GraphQLError(original.message, {
      nodes,
      path: gqlPath,
      // An error with a path is one field's error in a 200 response (GraphQL
      // over HTTP); only request-level refusals (authentication) carry a status.
      extensions: {
        code: original.code,
        ...original.details,
        ...(original.httpStatus !== undefined && gqlPath === undefined && { http: { status: original.httpStatus } }),
      },
    });
  }
  if (original instanceof SluiceError && original.details['logged'] === true) {
    return new GraphQLError(original.message, {
      nodes,
      path: gqlPath,
      extensions: { code: original.code, queryId: original.details['queryId'] },
    });
  }
  if (error instanceof GraphQLError && !error.originalError && error.extensions?.['code']) {
    // Parse and validation errors made by graphql-js: already safe.
    return error;
  }
  if (error instanceof GraphQLError && !error.originalError && gqlPath === undefined) {
    // graphql-js rejects some requests before execution without a code, e.g.
    // a required variable that was not provided.
    return new GraphQLError(stripSuggestions(error.message), {
      nodes,
      extensions: { ...error.extensions, code: 'BAD_USER_INPUT', http: REQUEST_ERROR },
    });
  }
  if (error instanceof GraphQLError && original instanceof GraphQLError && gqlPath === undefined) {
    // A variable's value failed coercion before execution started: graphql-js
    // wraps the scalar's (or its own) error in one that names the variable.
    return new GraphQLError(stripSuggestions(error.message), {
      nodes,
      extensions: { ...original.extensions, code: 'BAD_USER_INPUT', http: REQUEST_ERROR },
    });
  }
  if (error instanceof GraphQLError && original instanceof GraphQLError && original.extensions?.['code']) {
    // Scalar parse errors raised as GraphQLError with a code (BAD_USER_INPUT).
    return new GraphQLError(original.message, { nodes, path: gqlPath, extensions: original.extensions });
  }
  log('unexpected error', { queryId, error: original instanceof Error ? original.stack : String(original) });
  return new GraphQLError(`Unexpected error.${queryId ? ` Quote query id ${queryId} when reporting it.` : ''}`, {
    nodes,
    path: gqlPath,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}
