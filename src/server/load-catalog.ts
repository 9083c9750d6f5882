import { Catalog } from '../contract/catalog.js';
import type { Contract } from '../contract/contract.js';
import { loadContracts } from '../contract/load-contracts.js';
import { checkColumnType, type Engine } from '../engine/engine.js';
import { maskingKey, type SluiceConfig } from '../config/config.js';
import { displayPath } from '../contract/yaml-file.js';
import { ConfigError, ConfigErrors, SluiceError } from '../errors.js';
import { loadPolicies } from '../policy/load-policies.js';
import type { Policy } from '../policy/policy.js';

/**
 * Loads every contract and checks each served or servable version against
 * its source's Parquet schema (docs/contracts.md): a missing column or a type that does
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
  if (c.source.format === 'iceberg') return checkTable(c, engine);
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

/**
 * An Iceberg source (docs/iceberg.md): each field against the table's current
 * schema (bound by field id when read), and the current snapshot planned
 * whole so that a feature Sluice does not read is refused here.
 */
async function checkTable(c: Contract, engine: Engine): Promise<ConfigError[]> {
  if (engine.describeTable === undefined)
    return [new ConfigError(c.file, `source ${c.source.location}: this engine does not read Iceberg tables`)];
  let description;
  try {
    description = await engine.describeTable(c.source.resolved, '', c.fields);
  } catch (e) {
    if (e instanceof SluiceError) return [new ConfigError(c.file, `source ${c.source.location}: ${e.message}`)];
    throw e;
  }
  return [...description.problems].map(([field, problem]) => new ConfigError(`${c.file}: field ${field}`, problem));
}

/** Everything a gateway serves from: the checked catalog and the policies checked against it. */
export interface Deployment {
  readonly catalog: Catalog;
  readonly policies: readonly Policy[];
}

/**
 * Contracts, sources and policies, validated together (docs/policies.md): what
 * `serve` starts from and what `contract validate` checks.
 */
export interface DeploymentOptions {
  /**
   * Serving needs the secrets policies use (the hash mask's key); checking
   * contracts, printing the schema or explaining a plan does not, so CI can
   * run those without production secrets.
   */
  readonly secrets: 'required' | 'optional';
}

export async function loadDeployment(
  config: SluiceConfig,
  engine: Engine,
  options: DeploymentOptions = { secrets: 'required' },
): Promise<Deployment> {
  const catalog = await loadCatalog(config.productsDir, engine);
  const policies = loadPolicies(config.policiesDir, catalog);
  const hashing = policies.filter((p) => Object.values(p.masks).some((m) => m.kind === 'hash'));
  if (options.secrets === 'required' && hashing.length > 0 && maskingKey(config) === undefined) {
    const env = config.raw.masking?.hashKeyEnv;
    throw new ConfigErrors([
      new ConfigError(
        displayPath(config.file),
        env
          ? `masking.hashKeyEnv names ${env}, which is not set; policies ${hashing.map((p) => p.id).join(', ')} hash values with it`
          : `policies ${hashing.map((p) => p.id).join(', ')} use the hash mask: set masking.hashKeyEnv to an environment variable holding the key`,
      ),
    ]);
  }
  return { catalog, policies };
}
