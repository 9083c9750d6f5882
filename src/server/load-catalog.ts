import { Catalog } from '../contract/catalog.js';
import type { Contract } from '../contract/contract.js';
import { loadContracts } from '../contract/load-contracts.js';
import { checkColumnType, type Engine } from '../engine/engine.js';
import { ConfigError, ConfigErrors, SluiceError } from '../errors.js';

/**
 * Loads every contract and checks each served or servable version against
 * its source's Parquet schema (SPEC §1): a missing column or a type that does
 * not fit is an error naming the file, the field and the column. Used by
 * `serve` (which refuses to start) and `contract validate` alike, so both
 * print the same message. All problems are collected before failing.
 */
export async function loadCatalog(productsDir: string, engine: Engine): Promise<Catalog> {
  const contracts = loadContracts(productsDir);
  const errors: ConfigError[] = [];
  for (const c of contracts) {
    if (c.status === 'retired') continue;
    errors.push(...(await checkSource(c, engine)));
  }
  if (errors.length > 0) throw new ConfigErrors(errors);
  return new Catalog(contracts);
}

async function checkSource(c: Contract, engine: Engine): Promise<ConfigError[]> {
  let description;
  try {
    description = await engine.describeSource(c.source.resolved);
  } catch (e) {
    if (e instanceof SluiceError) return [new ConfigError(c.file, `source ${c.source.location}: ${e.message}`)];
    throw e;
  }
  const errors: ConfigError[] = [];
  for (const file of description.files) {
    for (const f of c.fields) {
      const column = file.columns.find((col) => col.name === f.column);
      const where = `${c.file}: field ${f.name}`;
      if (!column) {
        errors.push(new ConfigError(where, `column "${f.column}" is missing from ${file.uri}`));
        continue;
      }
      const problem = checkColumnType(f, column);
      if (problem) errors.push(new ConfigError(where, `column "${f.column}" in ${file.uri} ${problem}`));
      else if (!f.nullable && column.hasNulls) {
        errors.push(new ConfigError(where, `is nullable: false but column "${f.column}" in ${file.uri} holds nulls`));
      }
    }
  }
  return errors;
}
