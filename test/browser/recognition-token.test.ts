import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../helpers/serve.js';
import { launchChromium, requireChromium } from './chromium.js';

const SUITE = 'dashboard Settings: a token for recognition only (Chromium)';
const PASSWORD = 'recognition-token-browser-test';

describe.skipIf(!requireChromium(SUITE))(SUITE, () => {
  let server: RunningServe;
  let browser: BrowserContext;

  beforeAll(async () => {
    server = await startServe(join(mkdtempSync(join(tmpdir(), 'facetag-browser-token-')), 'data'), {}, PASSWORD);
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('creates a "Recognition only" token that the CompreFace-compatible API takes and the rest of the API refuses', async () => {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.route((url) => !url.href.startsWith(server.url), (r) => r.abort());
    await page.goto(`${server.url}/`);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/`);
    await page.evaluate('location.hash = "#/settings"');
    await page.fill('input[placeholder="What is it for?"]', 'double take');
    await page.selectOption('select[aria-label="Access"]', 'recognition');
    await page.click('button:has-text("Create token")');
    const token = (await page.textContent('.notice code'))!.trim();
    expect(token).toMatch(/^ftk_/);
    await page.waitForSelector('ul.tokens li:has-text("recognition only")');

    const subjects = await fetch(`${server.url}/api/v1/recognition/subjects`, { headers: { 'x-api-key': token } });
    expect(subjects.status).toBe(200);
    expect(await subjects.json()).toEqual({ subjects: [] });
    const people = await fetch(`${server.url}/api/people`, { headers: { 'x-api-key': token } });
    expect(people.status).toBe(403);
  });
});
