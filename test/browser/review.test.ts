import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { loadConfig } from '../../src/config/load-config.js';
import { seedReviewLibrary } from '../../src/server/test-library.js';
import { createFsBlobStore } from '../../src/storage/fs-blob-store.js';
import { REPO } from '../helpers/cli.js';
import { startServe, type RunningServe } from '../helpers/serve.js';
import { openDashboard, requireChromium } from './chromium.js';

declare const document: any;

const SUITE = 'Review in a real browser: what is preselected, which groups lead';
const ARTIFACTS = join(REPO, 'test-artifacts', 'browser');
const PASSWORD = 'review-browser-test-password';

describe.skipIf(!requireChromium(SUITE))(SUITE, () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-browser-review-'));
  const data = join(root, 'data');
  const env = { FACETAG_SERVER_ADMIN_PASSWORD: PASSWORD };
  let lib: Awaited<ReturnType<typeof seedReviewLibrary>>;
  let server: RunningServe;
  let browser: BrowserContext;
  let page: Page;
  const api = <T = any>(path: string): Promise<T> => page.evaluate(async (p) => (await fetch(p)).json(), path) as Promise<T>;
  const selected = (personId: number) => page.locator(`.review-group[data-person-id="${personId}"] li.face.selected`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-face-id'))).sort((a, b) => a - b));

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The library in the configured embedder's space, as `facetag serve` resolves it.
    const config = loadConfig({ cwd: root, env: { FACETAG_DATA_DIR: data } });
    const catalog = openSqliteCatalog(join(data, 'catalog.sqlite'));
    lib = await seedReviewLibrary(catalog, createFsBlobStore(join(data, 'blobs')), join(root, 'photos'), config);
    await catalog.close();
    server = await startServe(data, env);
    ({ browser, page } = await openDashboard(server.url, PASSWORD));
    page.on('dialog', (d) => void d.accept('Someone'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('puts the clean group first and the probable non-faces after the mixed group', async () => {
    await page.evaluate('location.hash = "#/review"');
    await page.waitForSelector('.review-group');
    const order = await page.locator('.review-group').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-person-id'))));
    expect(order).toEqual([lib.people.b, lib.people.a, lib.people.j]);
    expect(await page.textContent(`.review-group[data-person-id="${lib.people.j}"] .review-head small`)).toContain('probably not faces');
    await page.screenshot({ path: join(ARTIFACTS, '12-review-order.png') });
  });

  it('preselects only the faces the clustering trusts', async () => {
    expect(await selected(lib.people.b)).toEqual(lib.clean);
    expect(await selected(lib.people.a)).toEqual(lib.trusted);
    expect(await selected(lib.people.j)).toEqual([]);
  });

  it('confirms the clean group with one c, and only the trusted faces of a mixed group', async () => {
    await page.keyboard.press('c');
    await page.waitForSelector('.toast >> text=2 faces confirmed');
    await page.waitForSelector(`.review-group[data-person-id="${lib.people.b}"]`, { state: 'detached' });
    for (const id of lib.clean) expect((await api(`/api/faces/${id}`)).personId).toBe(lib.people.b);
    // The mixed group is active now: c confirms the two trusted faces, not the uncertain ones.
    await page.keyboard.press('c');
    await page.waitForSelector(`.review-group[data-person-id="${lib.people.a}"]`, { state: 'detached' });
    for (const id of lib.trusted) expect(await api(`/api/faces/${id}`)).toMatchObject({ personId: lib.people.a, source: 'confirmed' });
    for (const id of [lib.beyond, lib.poorNearA]) expect((await api(`/api/faces/${id}`)).personId).toBeNull();
  });

  it('takes a second, deliberate c to confirm a selection with an uncertain face', async () => {
    await page.reload();
    await page.waitForSelector(`.review-group[data-person-id="${lib.people.a}"]`);
    await page.click(`.review-group[data-person-id="${lib.people.a}"] li[data-face-id="${lib.beyond}"] .face-button`);
    expect(await selected(lib.people.a)).toEqual([lib.beyond]);
    await page.keyboard.press('c');
    await page.waitForSelector('.review-warning >> text=1 of the 1 selected faces is uncertain');
    await page.screenshot({ path: join(ARTIFACTS, '13-review-second-step.png') });
    expect((await api(`/api/faces/${lib.beyond}`)).personId).toBeNull();
    await page.keyboard.press('c');
    await page.waitForSelector(`.review-group[data-person-id="${lib.people.a}"]`, { state: 'detached' });
    expect(await api(`/api/faces/${lib.beyond}`)).toMatchObject({ personId: lib.people.a, source: 'confirmed' });
    expect(await page.evaluate(() => document.querySelectorAll('.toast').length)).toBe(1);
  });
});
