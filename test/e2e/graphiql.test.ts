/**
 * GraphiQL in a real headless Chromium (Debian's, via playwright-core; no
 * browser is ever downloaded). The IDE must work with no network beyond the
 * gateway: every asset is served by Sluice itself, no CDN.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './start-server.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** For a person looking into a failure; in a fresh temporary folder, never a fixed path. */
const SCREENSHOT = join(mkdtempSync(join(tmpdir(), 'sluice-graphiql-')), 'graphiql.png');

describe('GraphiQL', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    [server, browser] = await Promise.all([
      startServer(),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders from local assets only and runs the default query', async (ctx) => {
    if (!HAVE_CHROMIUM) {
      // CI installs chromium (.ci/run); there, its absence is a failure.
      if (process.env['CI']) throw new Error(`CI is set but ${CHROMIUM} does not exist; .ci/run should have installed Debian's chromium`);
      ctx.skip(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the GraphiQL test`);
      return;
    }
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
});

function isLocal(url: string): boolean {
  if (url.startsWith('blob:') || url.startsWith('data:') || url === 'about:blank') return true;
  try {
    return new URL(url).hostname === '127.0.0.1';
  } catch {
    return false;
  }
}
