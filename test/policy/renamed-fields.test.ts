/**
 * Masks and grants across a rename (load-policies.ts): orders v1 serves the
 * source column `amount` as `amount`, v2 as `total_amount`. The demo's public
 * policy masks `total_amount` and is limited to `versions: ">=2"`; without
 * that line it also matches v1, whose `amount` must then come back masked —
 * or the policy must be refused — never raw.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigErrors } from '../../src/errors.js';
import { createEngine } from '../../src/server/create-engine.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import { DEMO_KEYS, type GraphQLResponse } from '../support/demo.js';
import { runCli } from '../e2e/start-server.js';

const PUBLIC_POLICY = readFileSync('policies/orders-public.yaml', 'utf8');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * The demo deployment with orders-public.yaml replaced by `policy` (and
 * orders v2's contract text changed by `ordersV2`); returns the config file.
 */
function deployment(policy: string, ordersV2?: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-rename-'));
  dirs.push(dir);
  cpSync('policies', join(dir, 'policies'), { recursive: true });
  writeFileSync(join(dir, 'policies/orders-public.yaml'), policy);
  let products = resolve('products');
  if (ordersV2) {
    products = join(dir, 'products');
    // Parquet data stays where it is (the contracts are pointed at it below); the Iceberg table is copied whole.
    cpSync('products', products, { recursive: true, filter: (f) => !f.includes('/data/') || f.includes('/table/') });
    for (const [product, file] of [
      ['orders', 'v1.yaml'],
      ['orders', 'v2.yaml'],
      ['customers', 'v1.yaml'],
    ] as const) {
      const at = join(products, product, file);
      let text = readFileSync(at, 'utf8').replace('./data/*.parquet', resolve('products', product, 'data/*.parquet'));
      if (file === 'v2.yaml' && product === 'orders') text = ordersV2(text);
      writeFileSync(at, text);
    }
  }
  const config = join(dir, 'sluice.yaml');
  // The demo's config (keys, anonymous role), without its audit file.
  const demo = readFileSync('sluice.yaml', 'utf8')
    .replace(/^products: .*$/m, `products: ${products}`)
    .replace(/^persisted: .*$/m, `persisted: ${resolve('persisted/operations.json')}`)
    .replace(/^audit:\n.*\n/m, '');
  expect(demo).not.toMatch(/audit/);
  writeFileSync(config, demo);
  return config;
}

const withoutVersions = (text: string) => {
  expect(text).toMatch(/^versions: ">=2"\n/m);
  return text.replace(/^versions: ">=2"\n/m, '');
};
const granting = (text: string, extra: string) => text.replace(/fields: \[order_id,/, `fields: [order_id, ${extra},`);

async function refusal(config: string): Promise<string> {
  const engine = createEngine(loadConfig(config));
  try {
    await loadDeployment(loadConfig(config), engine);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigErrors);
    return (e as ConfigErrors).errors.map((x) => x.message).join('\n');
  } finally {
    await engine.close();
  }
  throw new Error('expected the policies to be refused');
}

async function gatewayOf(config: string): Promise<{ gateway: Gateway; close: () => Promise<void> }> {
  const c = loadConfig(config);
  const engine = createEngine(c);
  const gateway = createGateway({ config: c, ...(await loadDeployment(c, engine)), engine, today: '2026-11-21' });
  return { gateway, close: () => engine.close() };
}

async function ask(gateway: Gateway, query: string, headers: Record<string, string> = {}): Promise<GraphQLResponse> {
  const res = await gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as GraphQLResponse;
}

type Row = { order_id: string; amount?: number; total_amount?: number };
const nodes = (r: GraphQLResponse, root: string) => {
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return (r.data![root] as { nodes: Row[] }).nodes;
};
/** round: 100 as mask-value.ts defines it: nearest multiple, halves away from zero. */
const round100 = (x: number) => Math.sign(x) * Math.round(Math.abs(x) / 100) * 100;

describe('a grant does not follow a rename by itself', () => {
  it('refuses the demo public policy without versions:, naming the version and the field it would leave out', async () => {
    const message = await refusal(deployment(withoutVersions(PUBLIC_POLICY)));
    expect(message).toMatch(
      /orders-public\.yaml:\d+: allow\.fields\.\d+: total_amount reads column amount, which orders 1\.4\.0 serves as amount: grant amount as well, or limit the policy with versions:/,
    );
  });

  it('refuses a grant of the old name that the new version serves under another', async () => {
    const policy = withoutVersions(PUBLIC_POLICY)
      .replace('total_amount, ', 'amount, ')
      .replace(/masks:\n {2}total_amount:/, 'masks:\n  amount:');
    expect(policy).toMatch(/fields: \[order_id, region, status, amount,/);
    expect(await refusal(deployment(policy))).toMatch(
      /allow\.fields\.3: amount reads column amount, which orders 2\.1\.0 serves as total_amount: grant total_amount as well/,
    );
  });

  it('`contract validate` refuses it too, and accepts it once both names are granted', async () => {
    const refused = await runCli(['contract', 'validate', '--config', deployment(withoutVersions(PUBLIC_POLICY))], { timeoutMs: 120_000 });
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stderr).toMatch(
      /orders-public\.yaml:\d+: allow\.fields\.\d+: total_amount reads column amount, which orders 1\.4\.0 serves as amount/,
    );
    const accepted = await runCli(['contract', 'validate', '--config', deployment(granting(withoutVersions(PUBLIC_POLICY), 'amount'))], {
      timeoutMs: 120_000,
    });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toMatch(/orders-public v1/);
  });
});

describe('a mask follows the column', () => {
  it('masks v1 amount like v2 total_amount when the public policy matches both versions', async () => {
    const { gateway, close } = await gatewayOf(deployment(granting(withoutVersions(PUBLIC_POLICY), 'amount')));
    try {
      const page = '(first: 100, orderBy: [{ order_id: ASC }])';
      const v1 = nodes(await ask(gateway, `{ ordersV1${page} { nodes { order_id amount } } }`), 'ordersV1');
      const v2 = nodes(await ask(gateway, `{ ordersV2${page} { nodes { order_id total_amount } } }`), 'ordersV2');
      const raw = nodes(
        await ask(gateway, `{ ordersV1${page} { nodes { order_id amount } } }`, { 'x-api-key': DEMO_KEYS.admin }),
        'ordersV1',
      );
      expect(v1.map((r) => r.order_id)).toEqual(raw.map((r) => r.order_id));
      expect(v1.map((r) => r.amount)).toEqual(raw.map((r) => round100(r.amount!)));
      expect(v1.map((r) => r.amount)).toEqual(v2.map((r) => r.total_amount));
      // The mask changes something here, so a raw v1 amount would fail the test.
      expect(raw.some((r) => r.amount !== round100(r.amount!))).toBe(true);

      // Filters and sorts on v1's amount see the masked value, as on v2's total_amount.
      const filtered = '(first: 100, where: { amount: { gte: 1000, lte: 1000 } }, orderBy: [{ order_id: ASC }])';
      const byV1 = nodes(await ask(gateway, `{ ordersV1${filtered} { nodes { order_id amount } } }`), 'ordersV1');
      const byV2 = nodes(
        await ask(gateway, `{ ordersV2${filtered.replace('amount', 'total_amount')} { nodes { order_id total_amount } } }`),
        'ordersV2',
      );
      expect(byV1.length).toBeGreaterThan(0);
      expect(byV1.map((r) => r.order_id)).toEqual(byV2.map((r) => r.order_id));
      expect(byV1.every((r) => r.amount === 1000)).toBe(true);

      const lineage = (await ask(gateway, `{ ordersV1(first: 1) { nodes { amount } } }`)).extensions!['lineage'] as {
        products: { maskedFields: string[] }[];
      };
      expect(lineage.products[0]!.maskedFields).toEqual(['amount']);
    } finally {
      await close();
    }
  });

  it('masks v2 total_amount when a policy masks v1 amount by its old name', async () => {
    const policy = `id: orders-public\nversion: 2\nproduct: orders\nwhen: { roles: [public] }\nallow: { fields: ["*"] }\nmasks:\n  email: "null"\n  amount: { round: 100 }\n`;
    const { gateway, close } = await gatewayOf(deployment(policy));
    try {
      const v2 = nodes(await ask(gateway, '{ ordersV2(first: 50) { nodes { order_id total_amount } } }'), 'ordersV2');
      const raw = nodes(
        await ask(gateway, '{ ordersV2(first: 50) { nodes { order_id total_amount } } }', { 'x-api-key': DEMO_KEYS.admin }),
        'ordersV2',
      );
      expect(v2.map((r) => r.total_amount)).toEqual(raw.map((r) => round100(r.total_amount!)));
      expect(raw.some((r) => r.total_amount !== round100(r.total_amount!))).toBe(true);
    } finally {
      await close();
    }
  });

  it('refuses a mask that fits the named field but not the same column in another version, naming both', async () => {
    // v2's total_amount declared nullable: a null mask fits it, but not v1's amount (nullable: false) over the same column.
    const nullableTotal = (text: string) => {
      const declared = /(- name: total_amount\n\s+column: amount\n\s+type: float64\n\s+nullable:) false/;
      expect(text).toMatch(declared);
      return text.replace(declared, '$1 true');
    };
    const policy = `id: orders-public\nversion: 2\nproduct: orders\nwhen: { roles: [public] }\nallow: { fields: ["*"] }\nmasks:\n  total_amount: "null"\n`;
    expect(await refusal(deployment(policy, nullableTotal))).toMatch(
      /orders-public\.yaml:\d+: masks\.total_amount: total_amount reads column amount, which orders 1\.4\.0 serves as amount, masked too: mask null on amount, which is nullable: false/,
    );
    // Limited to v2, the same policy is valid.
    const limited = policy.replace('product: orders\n', 'product: orders\nversions: ">=2"\n');
    const { close } = await gatewayOf(deployment(limited, nullableTotal));
    await close();
  });
});
