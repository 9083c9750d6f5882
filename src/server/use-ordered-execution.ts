import { execute, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Executes operations with graphql-js's `execute`, so every response lists
 * fields in the order the selection set asks for them (GraphQL spec,
 * "ExecuteSelectionSet": an ordered map, serialized in that order).
 *
 * yoga's own executor (@graphql-tools/executor) assembles an object whose
 * fields resolve asynchronously key by key as each one settles: the
 * synchronous fields first, then the others in the order they finished. A
 * page whose nodes wait for a relationship batch was answered
 * `{ pageInfo, nodes }` for `{ nodes pageInfo }`, and the order of two
 * sibling plans could depend on which finished first, so the same request
 * could be answered in different bytes. graphql-js waits for all of them and
 * keeps the selection's order (test/server/compiled-execution.test.ts found
 * it, comparing this with graphql-jit's answers).
 *
 * Subscriptions are not served. Plugins that replace the executor for a
 * request (use-compiled-execution.ts) come after this one.
 */
export function useOrderedExecution(): Plugin {
  const run = (args: ExecutionArgs) => execute(args);
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(run as Parameters<typeof setExecuteFn>[0]);
    },
  };
}
