import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * `state:` in sluice.yaml (docs/configuration.md): where the state that replicas must
 * share lives — per-key rate limits, APQ registrations and change notices.
 * Absent: in this process's memory, as with one replica.
 *
 * ```yaml
 * state:
 *   redis:
 *     urlEnv: SLUICE_REDIS_URL     # redis://user:password@redis:6379/0, from the environment
 *     keyPrefix: "sluice:"
 * ```
 *
 * The URL may hold a password, so it is either written without one (`url`,
 * with `passwordEnv` naming the variable holding the password) or read
 * whole from the environment (`urlEnv`). Neither the URL nor the password
 * appears in messages or logs: they name the variable instead.
 */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable (the secret itself never goes in the file)');

const redisSchema = z
  .strictObject({
    /** `redis://host:6379/0` or `rediss://…` (TLS), without a password. */
    url: z
      .string()
      .regex(/^rediss?:\/\/[^/?#]+/, 'must be a redis:// or rediss:// URL')
      .refine(
        (u) => !/^rediss?:\/\/[^/@]*:[^/@]*@/.test(u),
        'must not hold a password; name the variable holding it in passwordEnv, or use urlEnv',
      )
      .optional(),
    /** Environment variable holding the whole URL (which may hold a password). */
    urlEnv: envName.optional(),
    /** Environment variable holding the password (Redis AUTH), with `url`. */
    passwordEnv: envName.optional(),
    /** Put before every key and channel, so deployments can share one Redis. */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1 to 64 letters, digits or : _ . -')
      .default('sluice:'),
    /** How long one connection attempt may take. */
    connectTimeoutMs: z.number().int().positive().max(30_000).default(2000),
    /**
     * How long one command may take before the request that needs it fails
     * (a rate-limited request with 503 SOURCE_UNAVAILABLE). At most 5 s: a
     * decision must come within docs/configuration.md's bound, never the request deadline.
     */
    commandTimeoutMs: z.number().int().positive().max(5000).default(1000),
    /** How long an APQ registration lives after its last use. */
    apqTtlSeconds: z
      .number()
      .int()
      .positive()
      .max(30 * 86_400)
      .default(86_400),
    /**
     * What `/ready` does while Redis is unreachable: `report` (200, with
     * `state.redis: "down"` in the body) or `require` (503). See
     * docs/configuration.md#state for which to choose.
     */
    readiness: z.enum(['report', 'require']).default('report'),
  })
  .superRefine((r, ctx) => {
    if ((r.url === undefined) === (r.urlEnv === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of url (without a password) or urlEnv (a variable holding the URL)' });
    }
    if (r.urlEnv !== undefined && r.passwordEnv !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['passwordEnv'], message: 'goes with url; with urlEnv, put the password in that URL' });
    }
  });

export const stateSchema = z.strictObject({ redis: redisSchema.optional() });

export type StateConfig = z.infer<typeof stateSchema>;
export type RedisStateConfig = NonNullable<StateConfig['redis']>;

/** How to reach Redis, secrets resolved. Never log it: `describe` says where it came from. */
export interface RedisConnection {
  readonly url: string;
  readonly password?: string;
  /** For messages: `SLUICE_REDIS_URL` or the URL's host and port, never a secret. */
  readonly describe: string;
}

/**
 * The Redis URL and password from the file and the environment; a
 * ConfigError at `where` when a named variable is unset or the URL it holds
 * is not a Redis URL (without quoting it: it may hold a password).
 */
export function redisConnectionOf(redis: RedisStateConfig, where: string): RedisConnection {
  if (redis.urlEnv !== undefined) {
    const url = process.env[redis.urlEnv];
    if (!url) throw new ConfigError(where, `state.redis.urlEnv names ${redis.urlEnv}, which is not set in the environment`);
    if (!/^rediss?:\/\/[^/?#]+/.test(url)) {
      throw new ConfigError(where, `state.redis.urlEnv names ${redis.urlEnv}, which does not hold a redis:// or rediss:// URL`);
    }
    return { url, describe: redis.urlEnv };
  }
  const url = redis.url!;
  const describe = /^rediss?:\/\/(?:[^@/]*@)?([^/?#]+)/.exec(url)?.[1] ?? 'redis';
  if (redis.passwordEnv === undefined) return { url, describe };
  const password = process.env[redis.passwordEnv];
  if (!password) throw new ConfigError(where, `state.redis.passwordEnv names ${redis.passwordEnv}, which is not set in the environment`);
  return { url, password, describe };
}
