import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import { ConfigError, ConfigErrors } from '../errors.js';
import {
  CLASSIFICATIONS,
  FIELD_TYPES,
  OPERATOR_GROUPS,
  STATUSES,
  operatorGroupsFor,
  versionKey,
  type Contract,
  type ContractField,
  type ContractSource,
  catalogSource,
} from './contract.js';
import { checkRelationships } from './check-relationships.js';
import { displayPath, parseYaml, readYaml, type ParsedYaml } from './yaml-file.js';

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const PRODUCT_NAME = /^[a-z][a-z0-9_]*$/;
/** Names the generated `where` input uses for its combinators. */
const RESERVED_FIELD_NAMES = new Set(['AND', 'OR', 'NOT']);

const isoDate = z.union([
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD'),
  z.date().transform((d) => d.toISOString().slice(0, 10)),
]);

const fieldSchema = z.strictObject({
  name: z.string().regex(GRAPHQL_NAME, 'must be a valid GraphQL name ([_A-Za-z][_0-9A-Za-z]*)'),
  column: z.string().min(1).optional(),
  type: z.enum(FIELD_TYPES),
  nullable: z.boolean().default(true),
  description: z.string().optional(),
  classification: z.enum(CLASSIFICATIONS).default('internal'),
  // YAML reads a bare `null` in `filter: [eq, null]` as a null value, not the
  // string; both mean the `null` operator group.
  filter: z.array(z.preprocess((g) => (g === null ? 'null' : g), z.enum(OPERATOR_GROUPS))).optional(),
  sort: z.boolean().default(true),
  deprecated: z.string().min(1).optional(),
});

const contractSchema = z.strictObject({
  product: z.string().regex(PRODUCT_NAME, 'must match [a-z][a-z0-9_]*'),
  version: z.string().refine((v) => semver.valid(v) !== null, 'must be a semantic version such as 2.1.0'),
  status: z.enum(STATUSES),
  sunset: isoDate.optional(),
  owner: z.string().min(1),
  description: z.string().optional(),
  source: z.discriminatedUnion('format', [
    z.strictObject({ format: z.literal('parquet'), location: z.string().min(1) }),
    z
      .strictObject({
        format: z.literal('iceberg'),
        /** The table root, a *.metadata.json file, or s3://bucket/prefix. */
        location: z.string().min(1).optional(),
        /** A catalog of sluice.yaml and the table's namespace.table there. */
        catalog: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be the name of a catalog in sluice.yaml')
          .optional(),
        table: z.string().min(1).optional(),
      })
      .superRefine((s, ctx) => {
        const direct = s.location !== undefined;
        const viaCatalog = s.catalog !== undefined || s.table !== undefined;
        if (direct === viaCatalog)
          ctx.addIssue({
            code: 'custom',
            message: 'give either location (the table in storage) or catalog and table (the table a catalog names)',
          });
        else if (viaCatalog && (s.catalog === undefined || s.table === undefined))
          ctx.addIssue({
            code: 'custom',
            path: [s.catalog === undefined ? 'catalog' : 'table'],
            message: 'a catalog table needs both catalog and table',
          });
        else if (s.table !== undefined && !/^[^.\s]+(\.[^.\s]+)+$/.test(s.table))
          ctx.addIssue({ code: 'custom', path: ['table'], message: 'name the table as namespace.table (for example sales.orders)' });
      }),
  ]),
  primaryKey: z.array(z.string()).min(1, 'needs at least one field'),
  limits: z
    .strictObject({
      defaultPageSize: z.number().int().positive(),
      maxPageSize: z.number().int().positive(),
      maxGroups: z.number().int().positive().default(1000),
      maxRelatedRows: z.number().int().positive().default(100_000),
    })
    .default({ defaultPageSize: 50, maxPageSize: 500, maxGroups: 1000, maxRelatedRows: 100_000 }),
  fields: z.array(fieldSchema).min(1, 'needs at least one field'),
  relationships: z
    .array(
      z.strictObject({
        name: z.string().regex(GRAPHQL_NAME, 'must be a valid GraphQL name'),
        product: z.string().regex(PRODUCT_NAME),
        major: z.number().int().nonnegative(),
        kind: z.enum(['one', 'many']),
        on: z.record(z.string(), z.string()).refine((o) => Object.keys(o).length > 0, 'needs at least one key pair'),
      }),
    )
    .default([]),
});

type RawContract = z.infer<typeof contractSchema>;

/** Parses and checks one contract file's text; `file` is its path (for messages and relative sources). */
export function parseContract(text: string, file: string): Contract {
  const shown = displayPath(file);
  const parsed = parseYaml(text, shown, contractSchema);
  return checkContract(parsed, file, shown);
}

export function loadContract(file: string): Contract {
  const parsed = readYaml(file, contractSchema);
  return checkContract(parsed, file, displayPath(file));
}

function checkContract(parsed: ParsedYaml<RawContract>, file: string, shown: string): Contract {
  const raw = parsed.value;
  const at = (path: (string | number)[], message: string) => {
    const line = parsed.lineOf(path);
    return new ConfigError(line === undefined ? shown : `${shown}:${line}`, `${path.join('.')}: ${message}`);
  };

  const major = semver.major(raw.version);
  const fileMajor = /^v(\d+)\.ya?ml$/.exec(file.split(/[\\/]/).pop() ?? '');
  if (fileMajor && Number(fileMajor[1]) !== major) {
    throw at(['version'], `major version ${major} does not match the file name v${fileMajor[1]}`);
  }
  if (raw.status === 'deprecated' && raw.sunset === undefined) {
    throw at(['status'], 'a deprecated contract needs a sunset date (sunset: YYYY-MM-DD)');
  }
  if (raw.limits.defaultPageSize > raw.limits.maxPageSize) {
    throw at(['limits', 'defaultPageSize'], `is above maxPageSize (${raw.limits.maxPageSize})`);
  }

  const seen = new Set<string>();
  const fields: ContractField[] = raw.fields.map((f, i) => {
    if (seen.has(f.name)) throw at(['fields', i, 'name'], `duplicate field "${f.name}"`);
    seen.add(f.name);
    if (f.name.startsWith('__') || RESERVED_FIELD_NAMES.has(f.name)) {
      throw at(['fields', i, 'name'], `"${f.name}" is reserved`);
    }
    const valid = operatorGroupsFor(f.type);
    const groups = f.filter ?? valid.filter((g) => g !== 'null' || f.nullable);
    for (const g of groups) {
      if (!valid.includes(g)) {
        throw at(['fields', i, 'filter'], `operator group "${g}" does not apply to ${f.type} (valid: ${valid.join(', ')})`);
      }
    }
    return Object.freeze({
      name: f.name,
      column: f.column ?? f.name,
      type: f.type,
      nullable: f.nullable,
      ...(f.description !== undefined && { description: f.description }),
      classification: f.classification,
      filter: Object.freeze(OPERATOR_GROUPS.filter((g) => groups.includes(g))),
      sort: f.sort,
      ...(f.deprecated !== undefined && { deprecated: f.deprecated }),
    });
  });

  raw.primaryKey.forEach((k, i) => {
    const f = fields.find((x) => x.name === k);
    if (!f) throw at(['primaryKey', i], `"${k}" is not a field of this contract`);
    if (f.nullable) throw at(['primaryKey', i], `primary key field "${k}" must be nullable: false`);
  });

  const relNames = new Set<string>();
  raw.relationships.forEach((r, i) => {
    if (seen.has(r.name) || relNames.has(r.name)) throw at(['relationships', i, 'name'], `"${r.name}" clashes with another field`);
    relNames.add(r.name);
    for (const from of Object.keys(r.on)) {
      if (!seen.has(from)) throw at(['relationships', i, 'on'], `"${from}" is not a field of this contract`);
    }
  });

  const source = sourceOf(raw.source, file);

  return Object.freeze({
    product: raw.product,
    version: raw.version,
    major,
    status: raw.status,
    ...(raw.sunset !== undefined && { sunset: raw.sunset }),
    owner: raw.owner,
    ...(raw.description !== undefined && { description: raw.description }),
    source,
    primaryKey: Object.freeze([...raw.primaryKey]),
    limits: Object.freeze({ ...raw.limits }),
    fields: Object.freeze(fields),
    relationships: Object.freeze(raw.relationships.map((r) => Object.freeze({ ...r, on: Object.freeze({ ...r.on }) }))),
    hash: `sha256:${createHash('sha256').update(parsed.text).digest('hex')}`,
    file: shown,
  });
}

function sourceOf(raw: RawContract['source'], file: string): ContractSource {
  if (raw.format === 'iceberg' && raw.location === undefined) {
    const [catalog, table] = [raw.catalog!, raw.table!];
    return Object.freeze({ format: 'iceberg', location: `${catalog}:${table}`, resolved: catalogSource(catalog, table), catalog, table });
  }
  const location = raw.location!;
  const resolved = location.startsWith('s3://') || isAbsolute(location) ? location : resolve(dirname(file), location);
  return Object.freeze({ format: raw.format, location, resolved });
}

/**
 * Loads every `<dir>/<product>/v<major>.yaml`. All files are read; every
 * problem found is reported together (ConfigErrors), so one run of
 * `sluice contract validate` lists them all.
 */
export function loadContracts(dir: string): Contract[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigErrors([new ConfigError(displayPath(dir), 'products folder not found')]);
  }
  const errors: ConfigError[] = [];
  const contracts: Contract[] = [];
  const files = new Map<Contract, string>();
  for (const product of readdirSync(dir).sort()) {
    const folder = join(dir, product);
    if (!statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const file = join(folder, name);
      if (!/^v\d+\.ya?ml$/.test(name)) {
        errors.push(new ConfigError(displayPath(file), 'contract files must be named v<major>.yaml'));
        continue;
      }
      try {
        const c = loadContract(file);
        if (c.product !== product) {
          throw new ConfigError(c.file, `product "${c.product}" does not match its folder "${product}"`);
        }
        const dup = contracts.find((o) => versionKey(o.product, o.major) === versionKey(c.product, c.major));
        if (dup) throw new ConfigError(c.file, `duplicate product version ${c.product} v${c.major} (also ${dup.file})`);
        contracts.push(c);
        files.set(c, file);
      } catch (e) {
        if (e instanceof ConfigError) errors.push(e);
        else throw e;
      }
    }
  }
  if (errors.length === 0) errors.push(...checkRelationships(contracts, (c, path) => lineIn(files.get(c)!, path)));
  if (errors.length > 0) throw new ConfigErrors(errors);
  return contracts;
}

/** The line of a key path in a contract file already loaded once (read again only to report a problem). */
function lineIn(file: string, path: readonly (string | number)[]): number | undefined {
  return readYaml(file, contractSchema).lineOf(path);
}
