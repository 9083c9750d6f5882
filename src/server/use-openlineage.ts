import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Catalog } from '../contract/catalog.js';
import type { LineageRecorder } from '../response/lineage.js';
import { runEventOf, type OpenLineageSink } from '../response/openlineage.js';

/**
 * Writes an OpenLineage RunEvent (response/openlineage.ts) for every request
 * that read a product: COMPLETE, or FAIL when the result carries errors. Runs
 * where lineage is complete — when execution is done — from the same
 * recorder as `extensions.lineage`, so both name the same files.
 */
export interface OpenLineagePluginOptions {
  readonly sink: OpenLineageSink;
  readonly catalog: Catalog;
  /** The job namespace: this deployment. */
  readonly namespace: string;
  readonly recorderOf: (context: unknown) => LineageRecorder | undefined;
}

export function useOpenLineage(options: OpenLineagePluginOptions): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result }) {
          const recorder = options.recorderOf(args.contextValue);
          if (!recorder?.attempted || !result || Symbol.asyncIterator in result) return;
          const errors = result.errors ?? [];
          const products = recorder.products().flatMap((lineage) => {
            const contract = options.catalog.contracts.find((c) => c.product === lineage.product && c.major === lineage.major);
            return contract ? [{ lineage, contract, delivered: lineage.fieldsRead }] : [];
          });
          options.sink.write(
            runEventOf({
              queryId: recorder.queryId,
              eventType: errors.length > 0 ? 'FAIL' : 'COMPLETE',
              eventTime: new Date(),
              namespace: options.namespace,
              operationName: getOperationAST(args.document, args.operationName)?.name?.value ?? null,
              products,
              // Not masked yet here: a SluiceError's code is on the original error.
              errorCodes: errors.map((e) =>
                String(e.extensions?.['code'] ?? (e.originalError as { code?: unknown } | undefined)?.code ?? 'INTERNAL_SERVER_ERROR'),
              ),
            }),
          );
        },
      };
    },
  };
}
