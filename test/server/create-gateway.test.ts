import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { createGateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';

/** An engine with a bug: its error message holds things a caller must never see. */
class BrokenEngine extends EmbeddedEngine {
  override async execute(): Promise<never> {
    throw new TypeError('boom at /work/main/src/engine/secret.ts with value 4111-1111-1111-1111');
  }
}

describe('gateway', () => {
  it('masks unexpected errors, logs them once with the query id, and keeps answering', async () => {
    const config = loadConfig('sluice.yaml');
    const deployment = await loadDeployment(config, new EmbeddedEngine());
    const logged: Record<string, unknown>[] = [];
    const gateway = createGateway({
      config,
      ...deployment,
      engine: new BrokenEngine(),
      log: (message, fields) => logged.push({ message, ...fields }),
    });
    const res = await gateway.fetch('http://sluice.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ordersV2(first: 1) { nodes { order_id } } }' }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    const [error] = body.errors;
    expect(error!.extensions['code']).toBe('INTERNAL_SERVER_ERROR');
    const queryId = error!.extensions['queryId'] as string;
    expect(queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error!.message).toBe(`Unexpected error. Quote query id ${queryId} when reporting it.`);
    expect(JSON.stringify(body)).not.toMatch(/boom|\/work|4111|stack/);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ message: 'unexpected error', queryId });
    expect(String(logged[0]!['error'])).toMatch(/boom/);
  });

  it('gives each request its own session: distinct query ids in lineage', async () => {
    const config = loadConfig('sluice.yaml');
    const engine = new EmbeddedEngine();
    const gateway = createGateway({ config, ...(await loadDeployment(config, engine)), engine });
    const ask = async () => {
      const res = await gateway.fetch('http://sluice.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ customersV1(first: 2) { nodes { customer_id } } }' }),
      });
      return ((await res.json()) as { extensions: { lineage: { queryId: string; decisionId: string } } }).extensions.lineage;
    };
    const answers = await Promise.all(Array.from({ length: 20 }, ask));
    expect(new Set(answers.map((a) => a.queryId)).size).toBe(20);
    expect(new Set(answers.map((a) => a.decisionId)).size).toBe(20);
  });
});
