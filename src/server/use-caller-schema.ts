import type { GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { hiddenCoordinates } from '../graphql/caller-schema.js';

/**
 * Serves each request the schema of its caller (docs/frontend-apps.md;
 * graphql/caller-schema.ts): chosen once the caller is known (onParams,
 * after authentication) and set for the request when yoga envelops it
 * (onEnveloped), so that parsing, validation, introspection and execution
 * all see it. Envelop keeps one current schema and reads it right after
 * the onEnveloped hooks, in the same synchronous call, so concurrent
 * requests each get their own.
 *
 * A request that reaches onEnveloped without a schema chosen (a plugin
 * answered it before this one's onParams) gets `none`, a schema with
 * nothing in it, never the schema of the request before it.
 */
export interface CallerSchemaPluginOptions {
  /** The caller's schema; rejects as authentication does (it authenticates, once per request). */
  readonly schemaOf: (request: Request) => Promise<GraphQLSchema>;
  /** The schema of a session that may read nothing. */
  readonly none: GraphQLSchema;
  /** Every served field: a document it accepts and the caller's schema refuses asked for something hidden. */
  readonly full: GraphQLSchema;
  /** Told what such a document asked for, as schema coordinates (for the audit trail, never the caller). */
  readonly hidden?: (request: Request, coordinates: readonly string[]) => void;
}

export function useCallerSchema(options: CallerSchemaPluginOptions): Plugin {
  const chosen = new WeakMap<Request, GraphQLSchema>();
  return {
    async onParams({ request }) {
      if (!chosen.has(request)) chosen.set(request, await options.schemaOf(request));
    },
    onEnveloped({ context, setSchema }) {
      const request = (context as { request?: Request } | undefined)?.request;
      setSchema((request && chosen.get(request)) ?? options.none);
    },
    onValidate({ params, context }) {
      const request = (context as { request?: Request } | undefined)?.request;
      const hidden = options.hidden;
      if (!hidden || !request || params.schema === options.full) return;
      return ({ result }) => {
        if (result.length === 0) return;
        const coordinates = hiddenCoordinates(options.full, params.schema, params.documentAST);
        if (coordinates.length > 0) hidden(request, coordinates);
      };
    },
  };
}
