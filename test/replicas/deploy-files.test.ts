/**
 * The deployment files (Dockerfile, deploy/compose.yaml, deploy/haproxy.cfg)
 * cannot be built or run here (no container engine): what can be checked
 * without one is that they agree with the config they deploy — the same
 * file the replicas test runs — and with the documented probes and bounds.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../e2e/start-server.js';
import { COMPOSE_FILE, deployConfig, envNamesIn, REPLICA_ENV, REPLICAS_CONFIG } from './support.js';

interface Service {
  image?: string;
  command?: string[];
  working_dir?: string;
  volumes?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  stop_signal?: string;
  stop_grace_period?: string;
  depends_on?: Record<string, unknown> | string[];
}

const compose = parse(readFileSync(join(REPO, COMPOSE_FILE), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const config = deployConfig();
const port = config.server['port'] as number;
const replicas = Object.entries(compose.services).filter(([, s]) => s.command?.includes('serve'));
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);

describe('deploy/compose.yaml', () => {
  it('runs at least two replicas of one image with one command', () => {
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    expect(new Set(replicas.map(([, s]) => JSON.stringify([s.image, s.command]))).size).toBe(1);
  });

  it('mounts, in every replica, the config the replicas test runs, at the path its command names', () => {
    for (const [, s] of replicas) {
      const configArg = s.command![s.command!.indexOf('--config') + 1]!;
      const target = resolve(s.working_dir ?? '/', configArg);
      const mount = s.volumes!.map((v) => v.split(':')).find(([, to]) => to === target);
      expect(mount, `a volume mounted at ${target}`).toBeDefined();
      expect(resolve(dirname(join(REPO, COMPOSE_FILE)), mount![0]!)).toBe(join(REPO, REPLICAS_CONFIG));
      // The config's relative paths resolve inside the image as they do in the repository.
      for (const key of ['products', 'policies'] as const) {
        const inImage = resolve(dirname(target), config[key] as string);
        expect(s.volumes!.some((v) => v.split(':')[1] === inImage)).toBe(true);
      }
    }
  });

  it('gives every replica each environment variable the config names, and the S3 credentials', () => {
    const named = envNamesIn(config);
    expect(named).toEqual(expect.arrayContaining(['SLUICE_REDIS_URL', 'SLUICE_CURSOR_KEY', 'SLUICE_ADMIN_TOKEN']));
    // The replicas test provides the same ones (plus the Redis URL it makes).
    expect([...Object.keys(REPLICA_ENV), 'SLUICE_REDIS_URL'].sort()).toEqual([...named].sort());
    for (const [, s] of replicas) {
      for (const name of [...named, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) expect(s.environment, name).toHaveProperty(name);
    }
  });

  it('points the replicas at services it defines: Redis, and the S3 store the config names', () => {
    for (const [, s] of replicas) {
      const redisHost = new URL(s.environment!['SLUICE_REDIS_URL']!).hostname;
      expect(compose.services).toHaveProperty(redisHost);
      expect(Object.keys(s.depends_on as Record<string, unknown>)).toContain(redisHost);
    }
    const s3Host = new URL((config['storage'] as { s3: { endpoint: string } }).s3.endpoint).hostname;
    expect(compose.services).toHaveProperty(s3Host);
  });

  it('probes liveness at /health on the configured port, and gives a drain longer than shutdownTimeoutMs', () => {
    for (const [, s] of replicas) {
      expect(s.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${port}/health`);
      expect(s.stop_signal).toBe('SIGTERM');
      expect(seconds(s.stop_grace_period!) * 1000).toBeGreaterThan(config.server['shutdownTimeoutMs'] as number);
    }
  });
});

describe('deploy/haproxy.cfg', () => {
  const cfg = readFileSync(join(REPO, 'deploy/haproxy.cfg'), 'utf8');
  it('sends requests only to replicas whose /ready answers 200', () => {
    expect(cfg).toMatch(/^\s*option httpchk GET \/ready$/m);
    expect(cfg).toMatch(/^\s*http-check expect status 200$/m);
  });
  it('lists every replica of the compose file on the configured port, and retries only failed connections', () => {
    const servers = [...cfg.matchAll(/^\s*server (\S+) (\S+):(\d+)/gm)].map((m) => [m[2], Number(m[3])]);
    expect(servers).toEqual(replicas.map(([name]) => [name, port]));
    expect(cfg).toMatch(/^\s*retry-on conn-failure$/m);
  });
  it('is the load balancer compose runs', () => {
    expect(compose.services['haproxy']!.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  it('builds in one stage and runs the prebuilt dist/ in another, as a non-root user', () => {
    expect(text.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^RUN npm run build/m);
    expect(text).toMatch(/^COPY --from=build \/app\/dist /m);
    const user = /^USER (\S+)$/m.exec(text)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });
  it('checks /health on the configured port, exposes it, and serves the compose command by default', () => {
    expect(text).toMatch(new RegExp(`HEALTHCHECK[\\s\\S]*127\\.0\\.0\\.1:${port}/health`));
    expect(text).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(text)![1]!) as string[];
    expect(cmd).toEqual(replicas[0]![1].command);
  });
});
