/**
 * GraphiQL in a real headless Chromium (Debian's, via playwright-core; no
 * browser is ever downloaded). The IDE must work with no network beyond the
 * gateway: every asset is served by Sluice itself, no CDN.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, launchChromium, requireChromium } from '../support/chromium.js';
import { startServer, type RunningServer } from './start-server.js';

/** For a person looking into a failure; in a fresh temporary folder, never a fixed path. */
const SCREENSHOT = join(mkdtempSync(join(tmpdir(), 'sluice-graphiql-')), 'graphiql.png');

describe('GraphiQL', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders from local assets only and runs the default query', async (ctx) => {
    if (!requireChromium(ctx, 'the GraphiQL test')) return;
    const context = await browser!.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const requests: string[] = [];
      const posts: string[] = [];
      const outside: string[] = [];
      // Record everything the page (and its workers) asks for; anything not
      // on the gateway's host is refused so the test cannot hang on it.
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        requests.push(url);
        if (isLocal(url)) await route.continue();
        else {
          outside.push(url);
          await route.abort('blockedbyclient');
        }
      });
      context.on('request', (r) => {
        const url = r.url();
        if (r.method() === 'POST') posts.push(url);
        if (!requests.includes(url)) requests.push(url);
        if (!isLocal(url) && !outside.includes(url)) outside.push(url);
      });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));

      const response = await page.goto(server!.url, { waitUntil: 'load', timeout: 30_000 });
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-type']).toMatch(/text\/html/);
      expect(await page.title()).toBe('Sluice');

      // The editor renders, with the default query in it.
      const queryEditor = page.locator('.graphiql-query-editor');
      await queryEditor.waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => queryEditor.innerText(), { timeout: 30_000 }).toContain('ordersV2');

      // Run it.
      await page.locator('.graphiql-execute-button').click();
      const result = page.locator('.graphiql-response');
      await expect.poll(() => result.innerText(), { timeout: 30_000 }).toMatch(/"ordersV2"/);
      const shown = (await result.innerText()).replace(/\u00a0/g, ' ');
      expect(shown).toMatch(/"nodes"/);
      expect(shown).toMatch(/"order_id": "\d+"/);
      expect(shown).not.toMatch(/"errors"/);

      await page.screenshot({ path: SCREENSHOT, fullPage: false });

      // The page talked to the gateway only (blob: workers and data: URLs are local).
      expect(requests.some((u) => u.startsWith(server!.url))).toBe(true);
      // At least introspection and the query itself went to the gateway.
      expect(posts.filter((u) => u === server!.url).length).toBeGreaterThanOrEqual(2);
      expect(outside).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the caller's schema once the caller's key is in the Headers tab and the schema is fetched again", async (ctx) => {
    if (!requireChromium(ctx, 'the GraphiQL test')) return;
    const context = await browser!.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      // Every introspection the IDE sends, with the API key it carried and what came back.
      const introspections: { key: string | undefined; body: string }[] = [];
      page.on('response', async (r) => {
        const req = r.request();
        if (req.method() !== 'POST' || !(req.postData() ?? '').includes('__schema')) return;
        introspections.push({ key: (await req.allHeaders())['x-api-key'], body: await r.text() });
      });
      await page.goto(server!.url, { waitUntil: 'load', timeout: 30_000 });
      await expect.poll(() => introspections.length, { timeout: 30_000 }).toBeGreaterThan(0);
      // Without a key: the anonymous caller's schema (orders-public: no e-mail, no v1).
      expect(introspections[0]!.key).toBeUndefined();
      expect(introspections[0]!.body).not.toMatch(/"name":"ordersV1"|"name":"email"/);
      expect(introspections[0]!.body).toMatch(/"name":"ordersV2"/);

      // The documentation explorer shows it: no aggregates for anonymous callers.
      const docs = page.locator('.graphiql-doc-explorer');
      const queryFields = async () => {
        if ((await docs.count()) === 0) await page.locator('[aria-label="Show Documentation Explorer"]').click();
        await docs.getByText('Query', { exact: true }).first().click();
        return docs.innerText();
      };
      await expect.poll(queryFields, { timeout: 30_000 }).toContain('ordersV2(');
      expect(await queryFields()).not.toContain('ordersV2Aggregate');

      await page.getByRole('button', { name: 'Headers' }).click();
      await page.locator('.graphiql-editor-tool .graphiql-editor').last().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText('{"X-Api-Key": "demo-admin-key"}');
      await page.locator('[aria-label^="Re-fetch GraphQL schema"]').click();
      await expect.poll(() => introspections.at(-1)?.key, { timeout: 30_000 }).toBe('demo-admin-key');
      expect(introspections.at(-1)!.body).toMatch(/"name":"ordersV1"/);
      expect(introspections.at(-1)!.body).toMatch(/"name":"email"/);
      await expect.poll(queryFields, { timeout: 30_000 }).toContain('ordersV2Aggregate');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

function isLocal(url: string): boolean {
  if (url.startsWith('blob:') || url.startsWith('data:') || url === 'about:blank') return true;
  try {
    return new URL(url).hostname === '127.0.0.1';
  } catch {
    return false;
  }
}
