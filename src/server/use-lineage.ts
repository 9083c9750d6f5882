import type { Plugin } from 'graphql-yoga';
import type { LineageRecorder } from '../response/lineage.js';

/**
 * Puts `extensions.lineage` on every response that touched a product
 * (docs/lineage-and-audit.md). The recorder lives in the request's context; plans report into it as
 * they run, so lineage is exactly what this request read.
 */
export interface LineagePluginOptions {
  /** Finds the request's recorder in its context. */
  readonly recorderOf: (context: unknown) => LineageRecorder | undefined;
}

export function useLineage(options: LineagePluginOptions): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const recorder = options.recorderOf(args.contextValue);
          if (!recorder?.touched || !result || Symbol.asyncIterator in result) return;
          setResult({ ...result, extensions: { ...result.extensions, lineage: recorder.toExtension() } });
        },
      };
    },
  };
}
