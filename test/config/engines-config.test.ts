/**
 * `engines:` and `execution:` in sluice.yaml (docs/external-engines.md): which engine serves
 * which product, checked at load time with messages that say what to write,
 * the Trino password only from the environment and never quoted back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { EmbeddedEngine, EngineByProduct, SqlEngine } from '../../src/engine/engine.js';
import { duckdbRelation } from '../../src/engine/duckdb/duckdb-engine.js';
import { ScanNode, MaskNode } from '../../src/plan/plan.js';
import { SluiceError } from '../../src/errors.js';
import { withExternalEngines } from '../../src/server/create-engine.js';
import { configFiles } from './config-files.js';

const { write, problem } = configFiles('sluice-engines-config-');
const TRINO = 'engines:\n  trino: { url: "https://trino.internal:8443", user: sluice, catalog: lake, schema: sales }\n';

afterEach(() => {
  delete process.env['SLUICE_TEST_TRINO_PASSWORD'];
});

describe('execution and engines', () => {
  it('default to the embedded engine for every product', () => {
    const c = loadConfig(write('min.yaml', 'products: ./p\n'));
    expect(c.raw.execution).toEqual({ default: 'embedded', products: {} });
    const embedded = new EmbeddedEngine();
    expect(withExternalEngines(c, embedded, undefined)).toBe(embedded);
  });

  it('route products to their engines, the others to the default', async () => {
    const c = loadConfig(write('ok.yaml', `${TRINO}execution:\n  default: duckdb\n  products: { orders: trino, customers: embedded }\n`));
    const engine = withExternalEngines(c, new EmbeddedEngine(), undefined);
    expect(engine).toBeInstanceOf(EngineByProduct);
    const routed = engine as EngineByProduct;
    expect([routed.engineOf('orders'), routed.engineOf('customers'), routed.engineOf('events')]).toEqual(['trino', 'embedded', 'duckdb']);
    await engine.close();
  });

  it('refuse an engine that is not configured, an unknown engine, and a URL holding credentials', () => {
    expect(problem('execution:\n  products: { orders: trino }\n')).toMatch(
      /bad\.yaml:\d+: execution\.products\.orders names the trino engine, which engines\.trino does not configure: add engines\.trino \{ url, user, catalog, schema \}/,
    );
    expect(problem('execution: { default: spark }\n')).toMatch(/execution\.default.*must be one of embedded, duckdb, trino/);
    expect(problem('engines:\n  trino: { url: "https://u:p@trino:8443", user: s, catalog: lake, schema: sales }\n')).toMatch(
      /must not hold credentials; name the variable holding the password in passwordEnv/,
    );
    expect(problem('engines:\n  trino: { url: "https://trino:8443", user: s, catalog: "lake; DROP", schema: sales }\n')).toMatch(
      /catalog.*plain SQL identifier/,
    );
  });

  it('read the Trino password from the environment, and refuse an unset variable without quoting anything secret', () => {
    const text = `${TRINO.replace('schema: sales', 'schema: sales, passwordEnv: SLUICE_TEST_TRINO_PASSWORD')}execution: { default: trino }\n`;
    expect(problem(text)).toMatch(/engines\.trino\.passwordEnv names SLUICE_TEST_TRINO_PASSWORD, which is not set in the environment/);
    process.env['SLUICE_TEST_TRINO_PASSWORD'] = 'a-secret-password';
    expect(() => loadConfig(write('pw.yaml', text))).not.toThrow();
  });
});

describe('what an external engine refuses', () => {
  const scan = (source: string) =>
    ScanNode.create({
      product: 'orders',
      major: 2,
      version: '2.1.0',
      source,
      fields: [{ name: 'email', column: 'email', type: 'string' }],
      filters: [],
    });

  it('DuckDB refuses sources in object storage: SOURCE_UNSUPPORTED, naming the product and not the location', () => {
    let error: unknown;
    try {
      duckdbRelation(scan('s3://bucket/secret-prefix/*.parquet'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('SOURCE_UNSUPPORTED');
    expect((error as SluiceError).message).toMatch(/^orders: the duckdb engine reads local Parquet files only/);
    expect((error as SluiceError).message).not.toContain('bucket');
  });

  it('a plan that hashes a field is refused when the engine has no hash function', async () => {
    const engine = new SqlEngine({
      name: 'trino',
      dialect: (await import('../../src/engine/sql/trino.js')).trinoDialect,
      relation: () => 'lake.sales.orders',
      run: () => Promise.reject(new Error('must not be sent')),
      describe: () => Promise.reject(new Error('not used')),
    });
    const plan = MaskNode.create(scan('/data/*.parquet'), [{ field: 'email', type: 'string', kind: 'hash' }]);
    await expect(engine.execute(plan)).rejects.toMatchObject({
      code: 'SOURCE_UNSUPPORTED',
      message: expect.stringMatching(/engines\.trino\.hashFunction/),
    });
  });
});
