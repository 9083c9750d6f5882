import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { EmbeddedEngine } from '../../src/engine/engine.js';
import { apiKeyHash } from '../../src/server/authenticate.js';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { loadDeployment } from '../../src/server/load-catalog.js';
import type { Session } from '../../src/session/session.js';

/**
 * Authentication inside the gateway (in-process, yoga.fetch): failures are
 * answered before the document is parsed or validated, with 401/403 and a
 * GraphQL error body; successes reach the session as caller, role, purpose.
 */
const sessions: Session[] = [];
vi.mock('../../src/session/session.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/session/session.js')>();
  return {
    ...original,
    createSession: (o: Parameters<typeof original.createSession>[0]) => {
      const s = original.createSession(o);
      sessions.push(s);
      return s;
    },
  };
});

const QUERY = '{ customersV1(first: 1) { nodes { customer_id } } }';
let demo: Gateway;
let closed: Gateway;

async function gatewayFor(file: string): Promise<Gateway> {
  const config = loadConfig(file);
  const engine = new EmbeddedEngine();
  return createGateway({ config, ...(await loadDeployment(config, engine)), engine, today: '2026-11-21' });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-auth-gw-'));
  const file = join(dir, 'closed.yaml');
  // No anonymous role: every request needs a key.
  // A policy open to every authenticated role: these tests are about identity, not policy.
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies/customers-all.yaml'), 'id: customers-all\nversion: 1\nproduct: customers\nallow: { fields: ["*"] }\n');
  writeFileSync(
    file,
    `server: { graphiql: true, introspection: true }\nproducts: ${resolve('products')}\nauth:\n  apiKeys:\n` +
      `    - { id: k, sha256: ${apiKeyHash('closed-key')}, subject: s, roles: [reader] }\n`,
  );
  [demo, closed] = await Promise.all([gatewayFor('sluice.yaml'), gatewayFor(file)]);
});

async function post(gateway: Gateway, headers: Record<string, string>, query = QUERY) {
  const res = await gateway.fetch('http://sluice.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, text: await res.text() };
}

describe('authentication in the gateway', () => {
  it('serves the demo without credentials, as the anonymous role', async () => {
    sessions.length = 0;
    const { status, text } = await post(demo, {});
    expect(status).toBe(200);
    expect(JSON.parse(text).data.customersV1.nodes).toHaveLength(1);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      caller: { subject: 'anonymous', credential: 'anonymous' },
      role: 'public',
      purpose: 'unspecified',
    });
  });

  it('builds the session from the API key, X-Role and X-Purpose', async () => {
    sessions.length = 0;
    const { status } = await post(demo, { 'x-api-key': 'demo-analyst-key', 'x-role': 'analyst', 'x-purpose': 'fraud-review' });
    expect(status).toBe(200);
    expect(sessions[0]).toMatchObject({
      caller: { subject: 'ana', tenant: 'acme', keyId: 'analyst-demo', credential: 'api-key', attributes: { regions: ['EU', 'US'] } },
      role: 'analyst',
      purpose: 'fraud-review',
    });
  });

  it.each([
    ['an unknown API key', 'demo', { 'x-api-key': 'demo-wrong-key' }, 401, 'UNAUTHENTICATED', 'The API key is not valid.'],
    ['no credentials where no anonymous role is configured', 'closed', {}, 401, 'UNAUTHENTICATED', 'This request has no credentials.'],
    [
      'two credentials',
      'demo',
      { 'x-api-key': 'demo-admin-key', authorization: 'Bearer a.b.c' },
      401,
      'UNAUTHENTICATED',
      'Send one credential',
    ],
    [
      'a role the caller lacks',
      'demo',
      { 'x-api-key': 'demo-admin-key', 'x-role': 'analyst' },
      403,
      'FORBIDDEN',
      'Role "analyst" is not granted',
    ],
    [
      'a purpose the key may not use',
      'demo',
      { 'x-api-key': 'demo-analyst-key', 'x-purpose': 'marketing' },
      403,
      'FORBIDDEN',
      'Purpose "marketing" is not allowed',
    ],
    ['a malformed purpose', 'demo', { 'x-purpose': 'a b' }, 400, 'BAD_USER_INPUT', 'X-Purpose must be a name'],
  ] as const)('answers %s with its HTTP status and a GraphQL error body', async (_what, which, headers, status, code, message) => {
    sessions.length = 0;
    const res = await post(which === 'demo' ? demo : closed, headers);
    expect(res.status).toBe(status);
    const body = JSON.parse(res.text);
    expect(body).toEqual({ errors: [{ message: expect.stringContaining(message), extensions: { code } }] });
    expect(sessions).toHaveLength(0);
    for (const v of Object.values(headers)) if (v.startsWith('demo-') || v.startsWith('Bearer')) expect(res.text).not.toContain(v);
  });

  it('authenticates before validation: an invalid document from a stranger gets 401, not a schema hint', async () => {
    const res = await post(closed, {}, '{ customersV1(first: 1) { nodes { no_such_field } } }');
    expect(res.status).toBe(401);
    expect(res.text).not.toMatch(/no_such_field|Cannot query/);
    const introspection = await post(closed, {}, '{ __schema { types { name } } }');
    expect(introspection.status).toBe(401);
  });

  it('authenticates GET requests too, and uses the same answer for the GraphQL-over-HTTP media type', async () => {
    const url = `http://sluice.test/graphql?query=${encodeURIComponent(QUERY)}`;
    const ok = await closed.fetch(url, { headers: { 'x-api-key': 'closed-key' } });
    expect(ok.status).toBe(200);
    const refused = await closed.fetch(url, { headers: { accept: 'application/graphql-response+json' } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('serves the GraphiQL page without credentials; its queries still need them', async () => {
    const page = await closed.fetch('http://sluice.test/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
  });
});
