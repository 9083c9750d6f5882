/**
 * `state.redis`, per-key rates and `server.admin` in sluice.yaml: secrets
 * only from the environment, checked at load time, never quoted back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { adminToken, loadConfig } from '../../src/config/config.js';
import { redisConnectionOf } from '../../src/config/state.js';
import { configFiles } from './config-files.js';

const { write, problem } = configFiles('sluice-state-config-');

afterEach(() => {
  for (const v of ['SLUICE_TEST_REDIS_URL', 'SLUICE_TEST_REDIS_PASSWORD', 'SLUICE_TEST_ADMIN']) delete process.env[v];
});

describe('state.redis', () => {
  it('is absent by default: state stays in the process', () => {
    expect(loadConfig(write('min.yaml', 'products: ./p\n')).raw.state).toBeUndefined();
  });

  it('reads the whole URL from urlEnv, with the defaults', () => {
    process.env['SLUICE_TEST_REDIS_URL'] = 'redis://:s3cret@redis.internal:6380/2';
    const c = loadConfig(write('r.yaml', 'state:\n  redis: { urlEnv: SLUICE_TEST_REDIS_URL }\n'));
    expect(c.raw.state!.redis).toEqual({
      urlEnv: 'SLUICE_TEST_REDIS_URL',
      keyPrefix: 'sluice:',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 1000,
      apqTtlSeconds: 86_400,
      readiness: 'report',
    });
    expect(redisConnectionOf(c.raw.state!.redis!, 'r.yaml')).toEqual({
      url: 'redis://:s3cret@redis.internal:6380/2',
      describe: 'SLUICE_TEST_REDIS_URL',
    });
  });

  it('takes a URL without a password, and the password from passwordEnv', () => {
    process.env['SLUICE_TEST_REDIS_PASSWORD'] = 's3cret';
    const c = loadConfig(write('r.yaml', 'state:\n  redis: { url: "redis://redis:6379/0", passwordEnv: SLUICE_TEST_REDIS_PASSWORD }\n'));
    expect(redisConnectionOf(c.raw.state!.redis!, 'r.yaml')).toEqual({
      url: 'redis://redis:6379/0',
      password: 's3cret',
      describe: 'redis:6379',
    });
  });

  it.each([
    ['a password in the file', 'state:\n  redis: { url: "redis://:s3cret@redis:6379" }\n', /must not hold a password/],
    ['neither url nor urlEnv', 'state:\n  redis: { keyPrefix: x }\n', /set exactly one of url/],
    ['both url and urlEnv', 'state:\n  redis: { url: "redis://r", urlEnv: X }\n', /set exactly one of url/],
    ['not a Redis URL', 'state:\n  redis: { url: "http://redis:6379" }\n', /redis:\/\/ or rediss:\/\//],
    ['a command timeout past the 5 s bound', 'state:\n  redis: { url: "redis://r", commandTimeoutMs: 30000 }\n', /commandTimeoutMs/],
    ['an unknown readiness policy', 'state:\n  redis: { url: "redis://r", readiness: maybe }\n', /readiness/],
  ])('refuses %s', (_, text, message) => {
    const m = problem(text);
    expect(m).toMatch(message);
    expect(m).not.toMatch(/s3cret/);
  });

  it('refuses a urlEnv that is unset or holds no Redis URL, naming the variable and never its value', () => {
    expect(problem('state:\n  redis: { urlEnv: SLUICE_TEST_REDIS_URL }\n')).toMatch(/SLUICE_TEST_REDIS_URL, which is not set/);
    process.env['SLUICE_TEST_REDIS_URL'] = 'https://user:s3cret@example.com';
    const m = problem('state:\n  redis: { urlEnv: SLUICE_TEST_REDIS_URL }\n');
    expect(m).toMatch(/does not hold a redis:\/\/ or rediss:\/\/ URL/);
    expect(m).not.toMatch(/s3cret|example\.com/);
  });
});

describe('per-key rates and the admin token', () => {
  const key = (extra: string) => `auth:\n  apiKeys:\n    - { id: k, sha256: "${'a'.repeat(64)}", subject: s, roles: [r]${extra} }\n`;

  it('takes a rate of its own or false on an API key', () => {
    expect(loadConfig(write('k.yaml', key(', rate: { perSecond: 2, burst: 4 }'))).auth.apiKeys[0]!.rate).toEqual({
      perSecond: 2,
      burst: 4,
    });
    expect(loadConfig(write('k.yaml', key(', rate: false'))).auth.apiKeys[0]!.rate).toBe(false);
    expect(problem(key(', rate: true'))).toMatch(/auth\.apiKeys\.0\.rate/);
    expect(problem(key(', rate: { perSecond: 2 }'))).toMatch(
      /auth\.apiKeys\.0\.rate: must be false \(not limited\) or \{ perSecond, burst \}/,
    );
  });

  it('reads the admin token from the environment, at least 16 characters', () => {
    const c = loadConfig(write('a.yaml', 'server:\n  admin: { tokenEnv: SLUICE_TEST_ADMIN }\n'));
    expect(() => adminToken(c)).toThrow(/server\.admin\.tokenEnv names SLUICE_TEST_ADMIN, which is not set/);
    process.env['SLUICE_TEST_ADMIN'] = 'short';
    expect(() => adminToken(c)).toThrow(/holds 5 characters/);
    process.env['SLUICE_TEST_ADMIN'] = 'a-long-enough-admin-token';
    expect(adminToken(c)).toBe('a-long-enough-admin-token');
    expect(adminToken(loadConfig(write('min.yaml', 'products: ./p\n')))).toBeUndefined();
  });
});
