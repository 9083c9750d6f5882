import type { DocumentNode, ExecutionArgs, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/**
 * Executes validated documents with graphql-jit (`server.compiledExecution`):
 * each operation is compiled once into a function that walks the selection
 * without graphql-js's per-field dispatch, then reused for every request that
 * sends the same document to the same schema.
 *
 * Compiled per schema and document, never per document alone: callers are
 * served schemas of their own (use-caller-schema.ts) while yoga's parse cache
 * hands every caller the same DocumentNode for the same text, so a query
 * compiled for one caller's schema must never run for another's. (That is
 * why this is not `@envelop/graphql-jit`, whose cache is keyed by the
 * document alone.) Both levels are weak maps: a schema dropped at a reload,
 * or a document evicted from yoga's cache, takes its compiled queries along.
 *
 * Results are serialized by yoga as usual (no compiled stringifier: lineage
 * adds `extensions` after execution, which a stringifier compiled for the
 * data alone would drop). A document graphql-jit cannot compile runs through
 * graphql-js, so what it answers is what graphql-js answers.
 */
export function useCompiledExecution(): Plugin {
  const compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, CompiledQuery | null>>>();
  const compiledFor = (args: ExecutionArgs): CompiledQuery | null => {
    let bySchema = compiled.get(args.schema);
    if (bySchema === undefined) compiled.set(args.schema, (bySchema = new WeakMap()));
    let byOperation = bySchema.get(args.document);
    if (byOperation === undefined) bySchema.set(args.document, (byOperation = new Map()));
    const name = args.operationName ?? '';
    let query = byOperation.get(name);
    if (query === undefined) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined, { disableLeafSerialization: false });
      query = isCompiledQuery(result) ? result : null;
      byOperation.set(name, query);
    }
    return query;
  };
  return {
    onExecute({ args, setExecuteFn }) {
      // Subscriptions are not served; a compiled query is only for query and mutation operations.
      const query = compiledFor(args);
      if (query === null) return;
      setExecuteFn((a) => query.query(a.rootValue, a.contextValue, a.variableValues) as ReturnType<typeof query.query>);
    },
  };
}
