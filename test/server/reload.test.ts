/**
 * Reloading a replica (server/reload.ts), in-process: two replicas on one
 * notice bus over one copy of the demo deployment. A reload validates
 * everything before anything changes, refuses what only a restart applies,
 * swaps the gateway only on success, and tells the other replica, which
 * reloads from its own files.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { createReloader, type ReloadOutcome, type Reloader } from '../../src/server/reload.js';
import { inProcessNoticeBus } from '../../src/server/state/notices.js';
import { isolatedConfig, REPO } from '../e2e/start-server.js';

const engine = new EmbeddedEngine();
const V1 = JSON.stringify({ query: '{ ordersV1(first: 1) { nodes { order_id } } }' });

interface Replica {
  readonly reloader: Reloader;
  readonly replica: string;
  readonly outcomes: ReloadOutcome[];
  gateway: Gateway;
}

let dir: string;
let configFile: string;
let replicas: [Replica, Replica];

async function replica(bus: ReturnType<typeof inProcessNoticeBus>): Promise<Replica> {
  const config = loadConfig(configFile);
  const deployment = await loadDeployment(config, engine, { secrets: 'optional' });
  const build = (c: typeof config, d: typeof deployment) => createGateway({ config: c, ...d, engine, today: '2026-11-21' });
  const notices = bus.join();
  const r = { outcomes: [] as ReloadOutcome[], gateway: build(config, deployment), replica: notices.replica } as Replica;
  (r as { reloader: Reloader }).reloader = createReloader({
    config,
    deployment,
    load: (c) => loadDeployment(c, engine, { secrets: 'optional' }),
    build,
    apply: (g) => (r.gateway = g),
    notices,
    record: (o) => r.outcomes.push(o),
  });
  return r;
}

const ask = async (g: Gateway) => {
  const res = await g.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'demo-admin-key' },
    body: V1,
  });
  return (await res.json()) as { errors?: { message: string }[] };
};

const edit = (file: string, change: (text: string) => string) => writeFileSync(file, change(readFileSync(file, 'utf8')));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-reload-'));
  cpSync(join(REPO, 'products'), join(dir, 'products'), { recursive: true });
  cpSync(join(REPO, 'policies'), join(dir, 'policies'), { recursive: true });
  configFile = isolatedConfig('sluice.yaml', { products: join(dir, 'products'), policies: join(dir, 'policies') }).file;
  const bus = inProcessNoticeBus();
  replicas = [await replica(bus), await replica(bus)];
});

describe('reload', () => {
  it('applies a retired version, audits it, and the other replica reloads on the notice', async () => {
    const [a, b] = replicas;
    const before = a.gateway;
    expect((await ask(b.gateway)).errors).toBeUndefined();
    edit(join(dir, 'products/orders/v1.yaml'), (t) => t.replace(/^status: deprecated$/m, 'status: retired'));
    const outcome = await a.reloader.reload({ trigger: 'SIGHUP', actor: 'signal' });
    expect(outcome).toMatchObject({
      outcome: 'applied',
      trigger: 'SIGHUP',
      announced: true,
      changes: { status: ['orders v1: deprecated → retired'], retired: ['orders v1'], added: [], removed: [], policies: [], config: [] },
    });
    expect(a.gateway).not.toBe(before);
    expect((await ask(a.gateway)).errors![0]!.message).toMatch(/orders v1 was retired/);
    expect(a.outcomes).toEqual([outcome]);

    await expect.poll(() => b.outcomes.length).toBe(1);
    expect(b.outcomes[0]).toMatchObject({ outcome: 'applied', trigger: 'notice', actor: a.replica, matchesOrigin: true });
    expect(b.reloader.fingerprint).toBe(a.reloader.fingerprint);
    expect((await ask(b.gateway)).errors![0]!.message).toMatch(/orders v1 was retired/);
    // A reload on a notice is not announced again: A heard nothing back.
    await new Promise((wait) => setTimeout(wait, 50));
    expect(a.outcomes).toHaveLength(1);
  });

  it('refuses a change only a restart applies, naming it, and changes nothing', async () => {
    const [a, b] = replicas;
    const before = { gateway: a.gateway, fingerprint: a.reloader.fingerprint };
    edit(join(dir, 'products/orders/v1.yaml'), (t) => t.replace(/^status: deprecated$/m, 'status: retired'));
    edit(configFile, (t) => {
      const raw = parse(t) as { server: { port: number } };
      raw.server.port = 4999;
      return stringify(raw);
    });
    const outcome = await a.reloader.reload({ trigger: 'admin', actor: 'admin token' });
    expect(outcome.outcome).toBe('refused');
    expect(outcome.problems).toEqual(['server.port changed; only a restart applies it, so nothing was reloaded']);
    expect(a.gateway).toBe(before.gateway);
    expect(a.reloader.fingerprint).toBe(before.fingerprint);
    expect((await ask(a.gateway)).errors).toBeUndefined();
    await new Promise((wait) => setTimeout(wait, 50));
    expect(b.outcomes).toEqual([]);
  });

  it('refuses a policy that does not validate, keeps the old gateway, and applies once it is fixed', async () => {
    const [a] = replicas;
    const before = a.gateway;
    const policy = join(dir, 'policies/orders-admin.yaml');
    const good = readFileSync(policy, 'utf8');
    writeFileSync(policy, `${good}\nnot_a_policy_key: true\n`);
    const refused = await a.reloader.reload({ trigger: 'SIGHUP', actor: 'signal' });
    expect(refused.outcome).toBe('refused');
    expect(refused.problems!.join('\n')).toMatch(/not_a_policy_key/);
    expect(a.gateway).toBe(before);

    writeFileSync(
      policy,
      good.replace(/^version: (\d+)$/m, (_, v: string) => `version: ${Number(v) + 1}`),
    );
    const applied = await a.reloader.reload({ trigger: 'SIGHUP', actor: 'signal' });
    expect(applied).toMatchObject({ outcome: 'applied', changes: { policies: ['orders-admin'] } });
    expect(a.gateway).not.toBe(before);
  });

  it('applies a reloadable config change (a rate limit) and lists it', async () => {
    const [a] = replicas;
    edit(configFile, (t) => {
      const raw = parse(t) as { server: { limits: Record<string, unknown> } };
      raw.server.limits['rate'] = { perSecond: 0.001, burst: 1 };
      return stringify(raw);
    });
    const outcome = await a.reloader.reload({ trigger: 'SIGHUP', actor: 'signal' });
    expect(outcome).toMatchObject({ outcome: 'applied', changes: { config: ['server.limits'] } });
    const statuses = [];
    for (let i = 0; i < 2; i++) {
      statuses.push(
        (
          await a.gateway.fetch('http://sluice.test/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': 'demo-admin-key' },
            body: '{"query":"{ __typename }"}',
          })
        ).status,
      );
    }
    expect(statuses).toEqual([200, 429]);
  });
});
