/**
 * The browser example (examples/orders-browser) against the real gateway,
 * in Debian's headless Chromium: the page is built with esbuild and served
 * on an origin of its own, `sluice serve` runs on another with server.cors
 * listing the page's origin, and the browser enforces CORS as it would for
 * any app. Besides, the same server is asked over raw HTTP what the browser
 * saw (preflights and actual requests, allowed and refused origins).
 *
 * What this proves from a browser: a listed origin gets through preflights
 * (the page sends X-Api-Key) and reads the answers; an unlisted one gets
 * nothing and its preflighted query never reaches the gateway; the page's
 * Relay paging (first/after, last/before) shows the rows of the unpaged
 * query; an anonymous caller's schema has no `email`, so the same page
 * fails validation without a key; the typed operations are the ones
 * codegen generates from the analyst's schema.
 */
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildExample, serveExample, type ServedExample } from '../../examples/orders-browser/serve.js';
import { HAVE_CHROMIUM, launchChromium, requireChromium } from '../support/chromium.js';
import { DEMO_KEYS } from '../support/demo.js';
import { isolatedConfig, REPO, startServer, type RunningServer } from './start-server.js';

const EXAMPLE = join(REPO, 'examples/orders-browser');
const ANALYST = { 'x-api-key': DEMO_KEYS.analyst, 'x-purpose': 'reporting' };
const PAGE_SIZE = 7;

let server: RunningServer;
let allowed: ServedExample;
let refused: ServedExample;
let browser: Browser | undefined;

/** The demo's server section with server.cors listing only `origin`. */
function serverWithCors(origins: string[]): Record<string, unknown> {
  const demo = parse(readFileSync(join(REPO, 'sluice.yaml'), 'utf8')) as { server: Record<string, unknown> };
  return { ...demo.server, cors: { origins, credentials: false, maxAgeSeconds: 600 } };
}

beforeAll(async () => {
  const page = await buildExample();
  [allowed, refused] = await Promise.all([serveExample(page), serveExample(page)]);
  [server, browser] = await Promise.all([
    startServer({ configSections: { server: serverWithCors([allowed.origin]) } }),
    HAVE_CHROMIUM ? launchChromium() : Promise.resolve(undefined),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await allowed?.close();
  await refused?.close();
});

interface Raw {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request as written, Origin included (what a browser would send, without the browser's enforcement). */
function raw(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((ok, fail) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

const query = (q: string, headers: Record<string, string> = ANALYST, origin?: string) =>
  raw('POST', server.url, { 'content-type': 'application/json', ...(origin && { origin }), ...headers }, JSON.stringify({ query: q }));

const preflight = (origin: string, requestHeaders = 'content-type,x-api-key,x-purpose', extra: Record<string, string> = {}) =>
  raw('OPTIONS', server.url, {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': requestHeaders,
    ...extra,
  });

const corsHeaders = (r: Raw) => Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));
const varies = (r: Raw) => String(r.headers['vary'] ?? '').toLowerCase();

/** The ids of EU orders, largest first, as the page orders them; over raw HTTP, no CORS involved. */
async function euOrderIds(orderBy: string, first: number): Promise<string[]> {
  const r = await query(`{ ordersV2(where: { region: { eq: "EU" } }, orderBy: ${orderBy}, first: ${first}) { nodes { order_id } } }`);
  const body = JSON.parse(r.body) as { data: { ordersV2: { nodes: { order_id: string }[] } } };
  return body.data.ordersV2.nodes.map((n) => n.order_id);
}

describe('CORS over raw HTTP', () => {
  it('a preflight from the listed origin is granted exactly, without credentials, and needs no authentication', async () => {
    for (const extra of [{}, { 'x-api-key': 'not-a-key' }] as Record<string, string>[]) {
      const r = await preflight(allowed.origin, 'content-type,x-api-key,x-purpose', extra);
      expect(r.status).toBeLessThan(300);
      expect(r.headers['access-control-allow-origin']).toBe(allowed.origin);
      expect(String(r.headers['access-control-allow-methods']).split(/,\s*/)).toContain('POST');
      expect(String(r.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/)).toEqual(
        expect.arrayContaining(['content-type', 'x-api-key', 'x-purpose']),
      );
      expect(r.headers['access-control-max-age']).toBe('600');
      // credentials: false — no Access-Control-Allow-Credentials.
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
      expect(varies(r)).toContain('origin');
    }
  });

  it('any other origin — another port, null, a look-alike, a trailing slash — gets no CORS header at all', async () => {
    const others = [
      refused.origin,
      'null',
      `${allowed.origin}.evil.test`,
      `${allowed.origin}/`,
      allowed.origin.replace('127.0.0.1', 'localhost'),
    ];
    for (const origin of others) {
      const r = await preflight(origin);
      expect([origin, corsHeaders(r)]).toEqual([origin, []]);
      expect(varies(r)).toContain('origin');
    }
  });

  it('actual requests: the listed origin is granted on the answer; another origin gets the same answer without a grant', async () => {
    const q = `{ ordersV2(first: 2) { nodes { order_id } } }`;
    const ok = await query(q, ANALYST, allowed.origin);
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(allowed.origin);
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
    // The server answers (CORS is the browser's to enforce), but grants nothing to read it.
    const other = await query(q, ANALYST, refused.origin);
    expect(other.status).toBe(200);
    expect(corsHeaders(other)).toEqual([]);
    expect(varies(other)).toContain('origin');
    expect(JSON.parse(other.body).data).toEqual(JSON.parse(ok.body).data);
  });

  it('without server.cors, no origin is granted, the listed one of the other config included', async () => {
    const { file } = isolatedConfig('sluice.yaml', { server: { ...serverWithCors([allowed.origin]), cors: undefined } });
    const { openDemo } = await import('../support/demo.js');
    const demo = await openDemo(file);
    try {
      const res = await demo.gateway.fetch('http://sluice.test/graphql', {
        method: 'OPTIONS',
        headers: { origin: allowed.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const post = await demo.gateway.fetch('http://sluice.test/graphql', {
        method: 'POST',
        headers: { origin: allowed.origin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(post.status).toBe(200);
      expect([...post.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    } finally {
      await demo.engine.close();
    }
  });
});

describe('the typed client', () => {
  it('is what codegen generates from the analyst schema (run `npm run example:codegen` when this fails)', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: join(EXAMPLE, 'codegen.yml') });
    const outputs: { filename: string; content: string }[] = await generate({ ...config, cwd: EXAMPLE, silent: true }, false);
    expect(outputs.map((o) => o.filename).sort()).toEqual(['src/gql/gql.ts', 'src/gql/graphql.ts', 'src/gql/index.ts']);
    for (const o of outputs) expect(o.content, o.filename).toBe(readFileSync(join(EXAMPLE, o.filename), 'utf8'));
  });
});

describe('the example page in Chromium, on another origin than the gateway', () => {
  async function openPage(origin: string, params: Record<string, string>): Promise<{ page: Page; close: () => Promise<void> }> {
    const context = await browser!.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const search = new URLSearchParams({ endpoint: server.url, size: String(PAGE_SIZE), region: 'EU', ...params });
    await page.goto(`${origin}/?${search}`, { waitUntil: 'load', timeout: 30_000 });
    return {
      page,
      close: async () => {
        await context.close();
        expect(errors).toEqual([]);
      },
    };
  }

  /** Waits until the page has settled after a load, and returns what it says. */
  async function settled(page: Page): Promise<{ state: string; text: string; ids: string[]; range: string }> {
    const status = page.locator('#status');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 30_000 }).not.toBe('loading');
    return {
      state: (await status.getAttribute('data-state')) ?? '',
      text: await status.innerText(),
      ids: await page.locator('#rows tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset['orderId'] ?? '')),
      range: await page.locator('#range').innerText(),
    };
  }

  it('the analyst pages forward and back with Relay cursors; every page is the unpaged query’s slice', async (ctx) => {
    if (!requireChromium(ctx, 'the browser example')) return;
    const expected = await euOrderIds('[{ total_amount: DESC }]', 4 * PAGE_SIZE);
    const { page, close } = await openPage(allowed.origin, { key: DEMO_KEYS.analyst, purpose: 'reporting' });
    try {
      const pages: string[][] = [];
      let shown = await settled(page);
      expect(shown.state, shown.text).toBe('ready');
      pages.push(shown.ids);
      expect(await page.locator('#previous').isDisabled()).toBe(true);
      for (let i = 1; i < 4; i++) {
        await page.locator('#next').click();
        shown = await settled(page);
        expect(shown.state, shown.text).toBe('ready');
        expect(shown.range).toMatch(new RegExp(`^${i * PAGE_SIZE + 1}–${(i + 1) * PAGE_SIZE} of \\d+$`));
        pages.push(shown.ids);
      }
      expect(pages.flat()).toEqual(expected);
      // Backward (last/before from each page's startCursor): the same pages in reverse.
      for (let i = 2; i >= 0; i--) {
        await page.locator('#previous').click();
        shown = await settled(page);
        expect(shown.ids).toEqual(pages[i]);
      }
      expect(await page.locator('#previous').isDisabled()).toBe(true);

      // The last page (last without before) is the reversed order's first page, turned back.
      await page.locator('#last').click();
      shown = await settled(page);
      const reversed = await euOrderIds('[{ total_amount: ASC }, { order_id: DESC }]', PAGE_SIZE);
      expect(shown.ids).toEqual(reversed.reverse());
      expect(await page.locator('#next').isDisabled()).toBe(true);

      // The analyst's e-mails are hashed (orders-analyst: email hash): 64 hex digits or none.
      const emails = await page.locator('#rows tr td:nth-child(5)').allInnerTexts();
      expect(emails.length).toBe(PAGE_SIZE);
      for (const e of emails) expect(e).toMatch(/^([0-9a-f]{64}|—)$/);

      // A row opens its detail by key, with its customer (a relationship from the row).
      const id = shown.ids[0]!;
      await page.locator(`#rows tr[data-order-id="${id}"]`).click();
      await expect.poll(() => page.locator('#detail').getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
      const detail = await page.locator('#detail').innerText();
      expect(detail).toContain(`Order ${id} of `);
      expect(detail).toMatch(/Customer: \S+/);
      expect(detail).not.toContain('not visible');
    } finally {
      await close();
    }
  });

  it('without a key the page runs as anonymous, whose schema has no email: the validation error of a field that does not exist', async (ctx) => {
    if (!requireChromium(ctx, 'the browser example')) return;
    const { page, close } = await openPage(allowed.origin, { key: '', purpose: '' });
    try {
      const shown = await settled(page);
      expect(shown.state).toBe('error');
      expect(shown.text).toBe('GRAPHQL_VALIDATION_FAILED: Cannot query field "email" on type "OrdersV2".');
      expect(shown.ids).toEqual([]);
    } finally {
      await close();
    }
  });

  it('from an origin server.cors does not list, the browser reads nothing, and the preflighted query never reaches the gateway', async (ctx) => {
    if (!requireChromium(ctx, 'the browser example')) return;
    // Only this test asks with purpose fraud-review: the audit trail tells its requests from the others'.
    const audited = (purpose: string) =>
      readFileSync(server.auditFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { purpose: string | null; operationName: string | null })
        .filter((r) => r.purpose === purpose);
    const { page, close } = await openPage(refused.origin, { key: DEMO_KEYS.analyst, purpose: 'fraud-review' });
    try {
      const shown = await settled(page);
      expect(shown.state).toBe('error');
      expect(shown.text).toMatch(/^network: /);
      expect(shown.ids).toEqual([]);
      // A simple GET needs no preflight: it reaches the gateway, but the answer is kept from the page.
      const simple = await page.evaluate(async (url) => {
        try {
          const r = await fetch(`${url}?query=${encodeURIComponent('query RefusedOriginProbe { __typename }')}`);
          return `read ${r.status}`;
        } catch (e) {
          return `refused ${(e as Error).name}`;
        }
      }, server.url);
      expect(simple).toBe('refused TypeError');
      // The GET, sent after the page's POST, reached the gateway and is audited; the POST, refused at its preflight, is not.
      await expect
        .poll(() => readFileSync(server.auditFile, 'utf8').includes('"operationName":"RefusedOriginProbe"'), { timeout: 10_000 })
        .toBe(true);
      expect(audited('fraud-review')).toEqual([]);
      // The control: the same request over raw HTTP does reach it, and is audited with its purpose.
      await query(`query OrdersPage { ordersV2(first: 1) { totalCount } }`, { ...ANALYST, 'x-purpose': 'fraud-review' }, refused.origin);
      await expect.poll(() => audited('fraud-review').length, { timeout: 10_000 }).toBe(1);
    } finally {
      await close();
    }
  });

  it('the listed origin reads a simple GET too, but not with credentials (server.cors.credentials is false)', async (ctx) => {
    if (!requireChromium(ctx, 'the browser example')) return;
    const { page, close } = await openPage(allowed.origin, { key: DEMO_KEYS.analyst, purpose: 'reporting' });
    try {
      await settled(page);
      const results = await page.evaluate(async (url) => {
        const attempt = async (init: RequestInit) => {
          try {
            const r = await fetch(`${url}?query=${encodeURIComponent('{ __typename }')}`, init);
            return JSON.stringify(await r.json());
          } catch (e) {
            return `refused ${(e as Error).name}`;
          }
        };
        return [await attempt({}), await attempt({ credentials: 'include' })];
      }, server.url);
      expect(results).toEqual(['{"data":{"__typename":"Query"}}', 'refused TypeError']);
    } finally {
      await close();
    }
  });
});
