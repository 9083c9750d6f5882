import { printSchema } from 'graphql';
import type { SluiceConfig } from '../config/config.js';
import type { Catalog } from '../contract/catalog.js';
import { buildSchema } from '../graphql/build-schema.js';

/** The generated SDL, sorted, as committed in schema/schema.graphql. */
export function printSdl(catalog: Catalog, config: Pick<SluiceConfig, 'cursorSecret'>, today?: string): string {
  const schema = buildSchema(catalog, { cursorSecret: config.cursorSecret, ...(today !== undefined && { today }) });
  return `${printSchema(schema)}\n`;
}
