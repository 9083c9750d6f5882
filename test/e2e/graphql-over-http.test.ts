/**
 * The GraphQL-over-HTTP audits of graphql-http (`serverAudits`) against the
 * real server, in both profiles:
 *
 * - conformance (the demo, sluice.yaml): every MUST passes;
 * - production (test/hardening/production.yaml: introspection off,
 *   credentials required): the MUSTs it fails are exactly those listed in
 *   PRODUCTION_DEVIATIONS, each with the reason it is deliberate.
 *
 * SHOULD and MAY results are printed (SLUICE_PRINT_AUDITS=1), not asserted.
 */
import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './start-server.js';

/** Audit id → why the production profile deviates. */
const PRODUCTION_DEVIATIONS: Record<string, string> = {
  // (and so the SHOULD 2EA1 and the MAYs D6D5, 6A70, which send the same document)
  '28B9': 'introspection is off in production: the audit sends a query with __type and gets a validation error',
};

let demo: RunningServer;
let production: RunningServer;

beforeAll(async () => {
  [demo, production] = await Promise.all([startServer(), startServer({ config: 'test/hardening/production.yaml' })]);
});

afterAll(async () => {
  await Promise.all([demo?.stop(), production?.stop()]);
});

async function audit(url: string, headers: Record<string, string>): Promise<AuditResult[]> {
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit) => {
    const merged = new Headers(init?.headers);
    for (const [k, v] of Object.entries(headers)) merged.set(k, v);
    return fetch(input, { ...init, headers: merged });
  };
  const results: AuditResult[] = [];
  for (const a of serverAudits({ url, fetchFn })) results.push(await a.fn());
  if (process.env['SLUICE_PRINT_AUDITS']) {
    console.log(results.map((r) => `${r.id} ${r.status} ${r.name}${r.status === 'ok' ? '' : ` — ${r.reason}`}`).join('\n'));
  }
  return results;
}

const failingMusts = (results: AuditResult[]) =>
  results
    .filter((r) => r.status === 'error')
    .map((r) => r.id)
    .sort();

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  it('conformance profile (the demo): every MUST passes', async () => {
    const results = await audit(demo.url, {});
    expect(results.length).toBeGreaterThanOrEqual(50);
    expect(results.filter((r) => r.status === 'error').map((r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`)).toEqual([]);
  });

  it('production profile: fails exactly the listed MUSTs', async () => {
    const results = await audit(production.url, { 'x-api-key': 'demo-admin-key' });
    expect(failingMusts(results)).toEqual(Object.keys(PRODUCTION_DEVIATIONS).sort());
  });
});
