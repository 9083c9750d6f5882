import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { basename, dirname, isAbsolute, relative } from 'node:path';
import type { Contract } from '../contract/contract.js';
import type { ProductLineage } from './lineage.js';

/**
 * OpenLineage RunEvents (https://openlineage.io/spec/2-0-2/OpenLineage.json):
 * one per request that read a product, COMPLETE or FAIL, whose run id is the
 * request's query id (`extensions.lineage.queryId`), so a lineage system and
 * the audit log meet on it.
 *
 * - job: namespace = the deployment's, name = the operation name (or
 *   `anonymous`);
 * - inputs: one dataset per source file read, namespace and name from its
 *   URI (`s3://bucket` + key; `file` + the path as shown to users), with the
 *   contract's schema and the file's version (its ETag);
 * - outputs: one dataset per response field that read a product, named by
 *   the field's path, with column lineage from each delivered field to its
 *   source column in every file read — masked fields marked `masking: true`.
 *
 * Events hold names, versions and types, never values; a failure carries its
 * error codes, not its messages.
 */
export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const PRODUCER = 'https://github.com/sluice/sluice';
const facetUrl = (name: string) => `https://openlineage.io/spec/facets/1-0-1/${name}.json#/$defs/${name}`;
const base = (name: string) => ({ _producer: PRODUCER, _schemaURL: facetUrl(name) });

export interface RunEventInput {
  readonly queryId: string;
  readonly eventType: 'COMPLETE' | 'FAIL';
  readonly eventTime: Date;
  /** The job's namespace: the deployment (config `openlineage.namespace`). */
  readonly namespace: string;
  readonly operationName: string | null;
  /** What the request read, with the contract of each product version. */
  readonly products: readonly { readonly lineage: ProductLineage; readonly contract: Contract; readonly delivered: readonly string[] }[];
  readonly errorCodes: readonly string[];
}

export function runEventOf(input: RunEventInput): Record<string, unknown> {
  const inputs = new Map<string, Record<string, unknown>>();
  const outputs: Record<string, unknown>[] = [];
  for (const { lineage, contract, delivered } of input.products) {
    // An Iceberg table is one dataset, versioned by the snapshot read (its files are the table's business).
    const files =
      lineage.snapshot !== undefined
        ? [{ ...tableDatasetOf(contract), etag: lineage.snapshot.id }]
        : lineage.sources.map((s) => ({ ...datasetOf(s.uri), etag: s.etag }));
    for (const f of files) {
      inputs.set(`${f.namespace}|${f.name}`, {
        namespace: f.namespace,
        name: f.name,
        facets: {
          schema: {
            ...base('SchemaDatasetFacet'),
            fields: contract.fields.map((c) => ({ name: c.column, type: c.type, ...(c.description && { description: c.description }) })),
          },
          version: { ...base('DatasetVersionDatasetFacet'), datasetVersion: f.etag },
        },
      });
    }
    const masked = new Set(lineage.maskedFields);
    const fields = Object.fromEntries(
      contract.fields
        .filter((c) => delivered.includes(c.name))
        .map((c) => [
          c.name,
          {
            inputFields: files.map((f) => ({
              namespace: f.namespace,
              name: f.name,
              field: c.column,
              transformations: [
                masked.has(c.name)
                  ? { type: 'DIRECT', subtype: 'TRANSFORMATION', description: 'masked by policy', masking: true }
                  : { type: 'DIRECT', subtype: 'IDENTITY', masking: false },
              ],
            })),
          },
        ]),
    );
    outputs.push({
      namespace: input.namespace,
      name: `${input.operationName ?? 'anonymous'}.${lineage.path.join('.')}`,
      facets: {
        schema: {
          ...base('SchemaDatasetFacet'),
          fields: contract.fields.filter((c) => delivered.includes(c.name)).map((c) => ({ name: c.name, type: c.type })),
        },
        columnLineage: { ...base('ColumnLineageDatasetFacet'), fields },
      },
    });
  }
  return {
    eventType: input.eventType,
    eventTime: input.eventTime.toISOString(),
    producer: PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: {
      runId: input.queryId,
      facets:
        input.eventType === 'FAIL'
          ? {
              errorMessage: {
                ...base('ErrorMessageRunFacet'),
                message: `failed: ${input.errorCodes.join(', ') || 'error'}`,
                programmingLanguage: 'TypeScript',
              },
            }
          : {},
    },
    job: { namespace: input.namespace, name: input.operationName ?? 'anonymous', facets: {} },
    inputs: [...inputs.values()],
    outputs,
  };
}

/** An Iceberg table's dataset: its location, or for a catalog's table the catalog and the table's name. */
function tableDatasetOf(contract: Contract): { namespace: string; name: string } {
  const { catalog, table, resolved } = contract.source;
  if (catalog !== undefined && table !== undefined) return { namespace: `iceberg://${catalog}`, name: table };
  if (resolved.startsWith('s3://')) return datasetOf(resolved);
  // Named as lineage names local files: relative to the working directory, never the server's absolute layout.
  const rel = relative(process.cwd(), resolved);
  return datasetOf(rel === '' || rel.startsWith('..') || isAbsolute(rel) ? basename(resolved) : rel);
}

/** OpenLineage's dataset naming: s3://bucket/key → (s3://bucket, key); a local file → (file, its path as shown). */
export function datasetOf(uri: string): { namespace: string; name: string } {
  const s3 = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (s3) return { namespace: `s3://${s3[1]}`, name: s3[2]! };
  return { namespace: 'file', name: uri };
}

/**
 * Where RunEvents go: a file (below) or an HTTP consumer
 * (openlineage-http.ts). `write` is called before the response is sent, so
 * it must neither block nor throw; `close` flushes what is pending.
 */
export interface OpenLineageSink {
  write(event: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** Every event to each of `sinks` (a file and an HTTP consumer, say). */
export function fanOutOpenLineage(sinks: readonly OpenLineageSink[]): OpenLineageSink {
  return {
    write: (event) => sinks.forEach((s) => s.write(event)),
    close: async () => void (await Promise.all(sinks.map((s) => s.close()))),
  };
}

/** Appends one event a line (created with its folder if missing). */
export function fileOpenLineageSink(file: string): OpenLineageSink {
  mkdirSync(dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  return {
    write: (event) => void stream.write(`${JSON.stringify(event)}\n`),
    close: () => new Promise((done) => stream.end(done)),
  };
}
