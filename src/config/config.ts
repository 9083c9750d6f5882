import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { displayPath, readYaml } from '../contract/yaml-file.js';
import { ConfigError } from '../errors.js';

/**
 * `sluice.yaml` (SPEC §8). Paths are relative to the config file. Secrets are
 * never in the file: it names environment variables that hold them.
 *
 * Sections that later work fills in (`auth`, `storage`, `audit`, `masking`)
 * are accepted in the shape the spec gives, so a config written for the full
 * product loads today.
 */
const serverSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(4000),
  host: z.string().default('127.0.0.1'),
  graphiql: z.boolean().default(false),
  introspection: z.boolean().default(false),
  maxBodyBytes: z.number().int().positive().default(1_048_576),
  /** Per-request deadline. */
  timeoutMs: z.number().int().positive().default(30_000),
});

const configSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  products: z.string().default('./products'),
  policies: z.string().default('./policies'),
  persisted: z.string().optional(),
  cursors: z
    .strictObject({
      /** Environment variable with the cursor signing key; replicas must share it. */
      secretEnv: z.string().optional(),
    })
    .default({}),
  auth: z
    .strictObject({
      anonymous: z.strictObject({ role: z.string() }).optional(),
      apiKeys: z.array(z.record(z.string(), z.unknown())).optional(),
      jwt: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  storage: z.strictObject({ s3: z.record(z.string(), z.unknown()).optional() }).optional(),
  audit: z.strictObject({ file: z.string().optional() }).optional(),
  masking: z.strictObject({ hashKeyEnv: z.string().optional() }).optional(),
});

export type ServerConfig = z.infer<typeof serverSchema>;

export interface SluiceConfig {
  readonly file: string;
  readonly server: ServerConfig;
  readonly productsDir: string;
  readonly policiesDir: string;
  readonly persistedFile?: string;
  readonly cursorSecret: Buffer;
  readonly raw: z.infer<typeof configSchema>;
}

export function loadConfig(file: string): SluiceConfig {
  const parsed = readYaml(file, configSchema);
  const raw = parsed.value;
  const base = dirname(resolve(file));
  return {
    file,
    server: raw.server,
    productsDir: resolve(base, raw.products),
    policiesDir: resolve(base, raw.policies),
    ...(raw.persisted !== undefined && { persistedFile: resolve(base, raw.persisted) }),
    cursorSecret: cursorSecret(file, raw.cursors.secretEnv, parsed.text),
    raw,
  };
}

/**
 * The cursor signing key: from the named environment variable when set
 * (production: share it between replicas), otherwise derived from the config
 * file's text, so replicas with the same config still accept each other's
 * cursors. The derived key makes cursors tamper-evident, not secret.
 */
function cursorSecret(file: string, envName: string | undefined, configText: string): Buffer {
  const fromEnv = envName ? process.env[envName] : undefined;
  if (envName && !fromEnv) {
    throw new ConfigError(displayPath(file), `cursors.secretEnv names ${envName}, which is not set in the environment`);
  }
  return createHash('sha256')
    .update(fromEnv ?? `sluice-cursor:${configText}`)
    .digest();
}
