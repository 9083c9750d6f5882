import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core (which never downloads a
 * browser). CI installs it (.ci/run); elsewhere a test without it is
 * skipped with a message saying how to install it.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
  });
}

/** Skips the test when Chromium is missing; fails it on CI, where it must be there. */
export function requireChromium(ctx: { skip(note?: string): void }, what: string): boolean {
  if (HAVE_CHROMIUM) return true;
  if (process.env['CI']) throw new Error(`CI is set but ${CHROMIUM} does not exist; .ci/run should have installed Debian's chromium`);
  ctx.skip(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run ${what}`);
  return false;
}
