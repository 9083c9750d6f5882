import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * `engines:` and `execution:` in sluice.yaml (docs/external-engines.md): which engine runs
 * each product's plans. The embedded engine is the default; the others get
 * the same optimized, policy-injected plan lowered to their SQL.
 *
 * ```yaml
 * engines:
 *   trino:
 *     url: https://trino.internal:8443
 *     user: sluice
 *     passwordEnv: SLUICE_TRINO_PASSWORD   # optional: HTTP basic authentication
 *     catalog: lake
 *     schema: sales
 *     hashFunction: lake.governance.sluice_hash
 *   duckdb:
 *     threads: 4
 * execution:
 *   default: embedded
 *   products:
 *     orders: trino
 * ```
 *
 * The password is never in the file (it names the environment variable
 * holding it) nor in messages.
 */
export const ENGINE_NAMES = ['embedded', 'duckdb', 'trino'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable (the secret itself never goes in the file)');

/** A SQL identifier Sluice writes unquoted in the statement: letters, digits, underscores. */
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain SQL identifier: letters, digits and underscores');

const trinoSchema = z.strictObject({
  /** The coordinator, e.g. https://trino.internal:8443. */
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not hold credentials; name the variable holding the password in passwordEnv'),
  /** The Trino user statements run as. */
  user: z.string().min(1),
  /** Environment variable holding the password (HTTP basic authentication; Trino requires HTTPS for it). */
  passwordEnv: envName.optional(),
  /** The catalog and schema holding one table per product, named as the product. */
  catalog: identifier,
  schema: identifier,
  /**
   * The routine computing the hash mask inside Trino (`catalog.schema.name`),
   * which the operator creates once with the key (docs/external-engines.md).
   * Absent: plans that hash a field are refused.
   */
  hashFunction: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/, 'must be a routine name such as lake.governance.sluice_hash')
    .optional(),
  /** Rows one statement may return before it is cancelled with RESOURCE_LIMIT. */
  maxRows: z.number().int().positive().default(1_000_000),
  /** Bytes of one response page the client accepts. */
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 2 ** 20),
});

const duckdbSchema = z.strictObject({
  /** Worker threads DuckDB may use; absent: one per core. */
  threads: z.number().int().positive().max(1024).optional(),
});

export const enginesSchema = z.strictObject({
  trino: trinoSchema.optional(),
  duckdb: duckdbSchema.optional(),
});

export const executionSchema = z.strictObject({
  /** The engine of products not listed under `products`. */
  default: z.enum(ENGINE_NAMES, { error: `must be one of ${ENGINE_NAMES.join(', ')}` }).default('embedded'),
  /** Product name → engine. */
  products: z.record(z.string().min(1), z.enum(ENGINE_NAMES, { error: `must be one of ${ENGINE_NAMES.join(', ')}` })).default({}),
});

export type EnginesConfig = z.infer<typeof enginesSchema>;
export type TrinoEngineConfig = NonNullable<EnginesConfig['trino']>;
export type DuckDbEngineConfig = NonNullable<EnginesConfig['duckdb']>;
export type ExecutionConfig = z.infer<typeof executionSchema>;

/** The engines `execution` routes some product (or the default) to. */
export function enginesUsed(execution: ExecutionConfig): Set<EngineName> {
  return new Set([execution.default, ...Object.values(execution.products)]);
}

/**
 * Checks what the schema cannot: every engine `execution` names beyond the
 * embedded one is configured (duckdb needs no entry), and the Trino
 * password's variable is set. `where` names `file:line` of a path.
 */
export function checkExecution(
  engines: EnginesConfig,
  execution: ExecutionConfig,
  where: (path: readonly (string | number)[]) => string,
): void {
  const routed = Object.entries(execution.products).find(([, e]) => e === 'trino');
  if (engines.trino === undefined && (execution.default === 'trino' || routed !== undefined)) {
    const path = execution.default === 'trino' ? ['execution', 'default'] : ['execution', 'products', routed![0]];
    throw new ConfigError(
      where(path),
      `${path.join('.')} names the trino engine, which engines.trino does not configure: add engines.trino { url, user, catalog, schema }`,
    );
  }
  if (engines.trino !== undefined) trinoPasswordOf(engines.trino, where(['engines', 'trino', 'passwordEnv']));
}

/** The Trino password from the environment, undefined when none is configured; a ConfigError when the variable is unset. */
export function trinoPasswordOf(trino: TrinoEngineConfig, where: string): string | undefined {
  if (trino.passwordEnv === undefined) return undefined;
  const value = process.env[trino.passwordEnv];
  if (!value) throw new ConfigError(where, `engines.trino.passwordEnv names ${trino.passwordEnv}, which is not set in the environment`);
  return value;
}
