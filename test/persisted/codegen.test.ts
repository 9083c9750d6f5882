/**
 * The manifest the gateway serves is the one graphql-codegen generates from
 * partners/operations/ (codegen.yml), and every operation in it runs for the
 * partner key it is written for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadPersistedManifest } from '../../src/server/persisted-manifest.js';
import { codes, demoGateway, KEYS, post } from './support.js';

const COMMITTED = 'persisted/operations.json';

/** Variables a partner would send, per operation. */
const VARIABLES: Record<string, Record<string, unknown>> = {
  PartnerOrdersByRegion: { region: 'EU' },
  PartnerOrderStatus: { orderId: '3' },
  PartnerOrdersSince: { since: '2023-06-01' },
  PartnerOrderCount: { region: 'EU', status: 'open' },
};

describe('codegen and the persisted manifest', () => {
  it('generates exactly the committed manifest from partners/operations (run `npm run codegen` when this fails)', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: 'codegen.yml' });
    const outputs: { filename: string; content: string }[] = await generate({ ...config, cwd: process.cwd(), silent: true }, false);
    const generated = outputs.find((o) => o.filename.endsWith('persisted-documents.json'));
    expect(generated, 'codegen.yml writes persisted-documents.json').toBeDefined();
    expect(JSON.parse(generated!.content)).toEqual(JSON.parse(readFileSync(COMMITTED, 'utf8')));
    // The typed operations come with it.
    expect(outputs.map((o) => o.filename.split('/').pop())).toEqual(expect.arrayContaining(['graphql.ts', 'gql.ts']));
    const typed = outputs.find((o) => o.filename.endsWith('graphql.ts'))!.content;
    expect(typed).toMatch(/export type PartnerOrdersByRegionQuery = /);
  });

  it('holds one operation per file of partners/operations, by name', () => {
    const names = readdirSync('partners/operations')
      .filter((f) => f.endsWith('.graphql'))
      .flatMap((f) => parse(readFileSync(`partners/operations/${f}`, 'utf8')).definitions.map((d) => ('name' in d && d.name ? d.name.value : f)));
    const manifest = loadPersistedManifest(COMMITTED);
    expect([...manifest.operations.values()].map((op) => op.name).sort()).toEqual(names.sort());
    expect(Object.keys(VARIABLES).sort()).toEqual(names.sort());
  });

  it('is accepted by the gateway: every operation runs by id for the demo partner key', async () => {
    const gateway = await demoGateway();
    const manifest = loadPersistedManifest(COMMITTED);
    for (const op of manifest.operations.values()) {
      const a = await post(gateway, { documentId: op.id, variables: VARIABLES[op.name!] }, KEYS.partner);
      expect(codes(a), op.name!).toEqual([]);
      expect(a.body.data?.['ordersV2'], op.name!).toBeTruthy();
    }
  });
});
