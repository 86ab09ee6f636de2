import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); playwright-core drives it, nothing is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * True when Chromium is installed. Outside CI a browser suite is skipped with a loud message;
 * under CI=true its absence is an error, so the suite can never be skipped silently there.
 */
export function requireChromium(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: ${CHROMIUM} is missing, and CI=true requires this suite to run; apt-get install chromium`);
  console.warn(`\n!!! SKIPPED: ${suite} needs ${CHROMIUM}, which is absent (apt-get install chromium) !!!\n`);
  return false;
}

/** A headless Chromium with a fresh profile, talking to 127.0.0.1 only. */
export async function launchChromium(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'facetag-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A Chromium logged in to a running `facetag serve` (its URL and admin password), allowed to
 * talk to that server only: any other request is a bug (a CDN, a font) and is aborted.
 */
export async function openDashboard(url: string, password: string): Promise<{ browser: BrowserContext; page: Page }> {
  const browser = await launchChromium();
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.route((u) => !u.href.startsWith(url), (r) => r.abort());
  await page.goto(`${url}/login`);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${url}/`);
  return { browser, page };
}
