import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { face, photo } from '../../src/catalog/catalog-contract.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { REPO } from '../helpers/cli.js';
import { startServe, type RunningServe } from '../helpers/serve.js';
import { startScriptedLlm, type ScriptedLlm } from '../helpers/scripted-llm.js';
import { openDashboard, requireChromium } from './chromium.js';

declare const document: any;

const SUITE = 'Ask and the suggestions inbox in a real browser';
const ARTIFACTS = join(REPO, 'test-artifacts', 'browser');

/** A data folder with Anna and Ben in three real JPEGs of one day in "2023-07 Lake Bled". */
async function seed(root: string) {
  const dir = join(root, 'photos', '2023-07 Lake Bled');
  mkdirSync(dir, { recursive: true });
  const c = openSqliteCatalog(join(root, 'data', 'catalog.sqlite'));
  const anna = await c.createPerson('Anna');
  const ben = await c.createPerson('Ben');
  for (const [i, people] of [[anna, ben], [anna], [anna, ben]].entries()) {
    const path = join(dir, `IMG_${i}.jpg`);
    await sharp({ create: { width: 640, height: 480, channels: 3, background: ['#7a8', '#a87', '#87a'][i]! } }).jpeg().toFile(path);
    const saved = await c.savePhoto({ ...photo(path, people.map((_, k) => face(i * 10 + k, k * 100))), width: 640, height: 480, takenAt: `2023-07-10T1${i}:00:00` });
    await c.assign(people.map((personId, k) => ({ faceId: saved.faceIds[k]!, personId, source: 'confirmed' as const, distance: null })));
  }
  await c.close();
  return { anna, ben };
}

describe.skipIf(!requireChromium(SUITE))(SUITE, () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-browser-ask-'));
  let llm: ScriptedLlm;
  let server: RunningServe;
  let browser: BrowserContext;
  let page: Page;
  let people: Awaited<ReturnType<typeof seed>>;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    people = await seed(root);
    llm = await startScriptedLlm();
    server = await startServe(join(root, 'data'), { FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'scripted-1' }, null);
    ({ browser, page } = await openDashboard(server.url, server.password));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await llm?.close();
  });

  it('asks a question, shows how it was understood, and offers "did you mean"', async () => {
    llm.script([{ content: '{"kind":"photos","people":["Anna","Ben"],"mode":"all","takenFrom":"2023-06-01","takenTo":"2023-08-31","place":null,"event":null,"limit":50}' }]);
    await page.click('nav a[href="#/ask"]');
    await page.fill('#ask-input', 'photos of Anna with Ben from summer 2023');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#ask-interpretation');
    expect(await page.textContent('#ask-interpretation')).toBe(`Photos, showing Anna (#${people.anna}) and Ben (#${people.ben}), taken from 2023-06-01 to 2023-08-31`);
    await page.waitForFunction(() => document.querySelectorAll('.photo-grid li').length === 2);
    await shot('ask-01-answer');
    // A misspelt name: the question stops with a candidate to click.
    llm.script([{ content: '{"kind":"count","people":["Anan"],"mode":"all","takenFrom":null,"takenTo":null,"place":null,"event":null,"limit":50}' }]);
    await page.fill('#ask-input', 'how many photos of Anan');
    await page.click('form button[type=submit]');
    await page.waitForSelector('.did-you-mean');
    expect(await page.textContent('.did-you-mean')).toContain('"Anan" matches no one');
    await page.click('.did-you-mean button');
    await page.waitForSelector('#ask-count');
    expect(await page.textContent('#ask-count')).toBe('3 photos');
    await shot('ask-02-did-you-mean');
  }, 60_000);

  it('proposes an event, and creates it only when accepted with an edited title', async () => {
    llm.script([{ content: '{"title": "Lake day", "type": "outing", "placeName": "Bled"}' }]);
    await page.click('nav a[href="#/inbox"]');
    await page.waitForSelector('.empty-state');
    await page.click('#suggest-events');
    await page.waitForSelector('.suggestion');
    await page.click('.suggestion summary');
    await shot('inbox-01-event');
    expect(await page.textContent('.suggestion .evidence')).toContain('folder name: 2023-07 Lake Bled');
    await page.fill('.suggestion input', 'Summer at Lake Bled');
    await page.click('.suggestion button.primary');
    await page.waitForSelector('.toast >> text=Event "Summer at Lake Bled" created');
    await page.waitForSelector('.empty-state');
    const events = (await page.evaluate(async () => (await fetch("/api/events")).json())) as { items: unknown[] };
    expect(events.items).toEqual([expect.objectContaining({ title: 'Summer at Lake Bled', type: 'outing', placeName: 'Bled' })]);
  }, 60_000);
});
