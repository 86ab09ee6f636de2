import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runFacetag } from '../helpers/cli.js';
import { startServe, type RunningServe } from '../helpers/serve.js';
import { fixture } from '../helpers/photos.js';
import { launchChromium, requireChromium } from './chromium.js';

// Globals of the page, for the functions run inside it (this file is compiled without the DOM lib).
declare const document: any;
declare const location: any;

const SUITE = 'dashboard in a real browser';
const ARTIFACTS = join(REPO, 'test-artifacts', 'browser');
// The cameraman photo's face is small and soft: let it seed a person in this small library.
const env = { FACETAG_CLUSTER_MIN_SEED_QUALITY: '0' };

/** Where the small astronaut is pasted in small-face.jpg, and the box around its face there (photo pixels). */
const SMALL = { left: 400, top: 300, width: 64, face: { x: 416, y: 303, w: 24, h: 24 } };

async function makePhotos(dir: string) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 4; i++) {
    await sharp(fixture('astronaut.jpg')).resize(420 + 20 * i).flop(i % 2 === 1).jpeg().toFile(join(dir, `a${i}.jpg`));
    await sharp(fixture('cameraman.png')).resize(480 + 20 * i).flop(i % 2 === 1).jpeg().toFile(join(dir, `c${i}.jpg`));
  }
  const left = await sharp(fixture('astronaut.jpg')).resize(512, 512).toBuffer();
  const right = await sharp(fixture('cameraman.png')).resize(512, 512).toColourspace('srgb').toBuffer();
  await sharp({ create: { width: 1024, height: 512, channels: 3, background: '#808080' } })
    .composite([{ input: left, left: 0, top: 0 }, { input: right, left: 512, top: 0 }]).jpeg().toFile(join(dir, 'group.jpg'));
  // A face too small for the detector (under vision.minFaceSizePx): one to draw by hand.
  const small = await sharp(fixture('astronaut.jpg')).resize(SMALL.width).toBuffer();
  await sharp({ create: { width: 1000, height: 750, channels: 3, background: '#9ab' } })
    .composite([{ input: small, left: SMALL.left, top: SMALL.top }]).jpeg().toFile(join(dir, 'small-face.jpg'));
}

const run = requireChromium(SUITE);

describe.skipIf(!run)(SUITE, () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-browser-'));
  const photos = join(root, 'photos');
  const data = join(root, 'data');
  let server: RunningServe;
  let browser: BrowserContext;
  let page: Page;
  let eileen: number;
  let cameraman: number;
  const api = <T = any>(path: string): Promise<T> => page.evaluate(async (p) => (await fetch(p)).json(), path) as Promise<T>;
  /** Waits until `fn(arg)` is true in the page (a function: the page's CSP forbids eval of strings). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const until = (fn: (arg: any) => unknown, arg: unknown) => page.waitForFunction(fn, arg);
  const hashIs = (hash: string) => until((h) => location.hash === h, hash);
  const count = (selector: string, n: number) => until(([sel, k]) => document.querySelectorAll(sel).length === k, [selector, n] as const);
  const imagesLoaded = (selector: string) => until((sel) => [...document.querySelectorAll(sel)].every((i: any) => i.complete && i.naturalWidth > 0), selector);
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
  const goto = async (hash: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await makePhotos(photos);
    const indexed = await runFacetag(['index', photos, '--data', data, '--json'], { env });
    expect(indexed.code, indexed.stderr).toBe(0);
    server = await startServe(data, { ...env, FACETAG_SERVER_INDEX_FOLDER: photos }, null);
    browser = await launchChromium();
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('dialog', (d) => void d.accept());
    // Nothing but the server on 127.0.0.1: any other request is a bug (a CDN, a font).
    await page.route((url) => !url.href.startsWith(server.url), (r) => r.abort());
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('logs in with the password printed on first start', async () => {
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toContain('wrong password');
    await shot('01-login');
    await page.fill('input[name=password]', server.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/`);
    await page.waitForSelector('.person-card');
    const faces = await api<{ items: Array<{ photoId: number; personId: number | null }> }>('/api/faces?limit=200');
    const photosList = await api<{ items: Array<{ id: number; path: string }> }>('/api/photos?limit=200');
    const file = new Map(photosList.items.map((p) => [p.id, basename(p.path)]));
    const personOf = (prefix: string) => new Set(faces.items.filter((f) => /^[ac]\d/.test(file.get(f.photoId)!) && file.get(f.photoId)!.startsWith(prefix)).map((f) => f.personId));
    expect(personOf('a').size).toBe(1);
    expect(personOf('c').size).toBe(1);
    eileen = [...personOf('a')][0]!;
    cameraman = [...personOf('c')][0]!;
    expect(eileen).not.toBeNull();
    expect(cameraman).not.toBeNull();
    expect(await page.locator('.person-card').count()).toBeGreaterThanOrEqual(2);
    await shot('02-people');
  });

  it('renames a person', async () => {
    await page.click(`.person-card[data-person-id="${eileen}"] a`);
    await page.waitForSelector('#person-name');
    await page.fill('#person-name', 'Eileen Collins');
    await page.click('form.rename button[type=submit]');
    await page.waitForSelector('.toast >> text=Named “Eileen Collins”');
    await goto(`#/people/${cameraman}`);
    await page.waitForSelector('.person-page .meta >> text=Person ' + cameraman);
    await page.fill('#person-name', 'Camera Man');
    await page.press('#person-name', 'Enter');
    await page.waitForSelector('.toast >> text=Named “Camera Man”');
    await goto('#/people');
    await page.waitForSelector(`.person-card[data-person-id="${eileen}"] >> text=Eileen Collins`);
    await shot('03-people-named');
  });

  it('refuses to merge two people seen in one photo; splits, merges and undoes the merge', async () => {
    await goto(`#/people/${cameraman}`);
    await page.waitForSelector('#merge-button');
    await page.click('#merge-button');
    await page.fill('#merge-picker', 'Eileen');
    await page.waitForSelector('.picker-list li >> text=Eileen Collins');
    await shot('04-merge-picker');
    await page.click('.picker-list li >> text=Eileen Collins');
    // The refusal shows the photo they are both in, linked, and how to fix it there.
    await page.waitForSelector('#merge-conflict >> text=are both in this photo, so they are two people');
    const groupPhoto = (await api<{ items: Array<{ id: number; path: string }> }>('/api/photos?limit=200')).items.find((p) => p.path.endsWith('group.jpg'))!;
    expect(await page.getAttribute('#merge-conflict a[data-photo-id]', 'href')).toBe(`#/photos/${groupPhoto.id}`);
    await shot('05-merge-refused');
    await page.click('#merge-conflict a[data-photo-id]');
    await hashIs(`#/photos/${groupPhoto.id}`);
    await until(() => document.querySelectorAll('.face-box').length === 2, null);

    // Two faces of Eileen split off into a new person: a duplicate to merge back.
    await goto(`#/people/${eileen}`);
    await page.waitForSelector('.face-grid .face');
    const count = (await api<{ faceCount: number }>(`/api/people/${eileen}`)).faceCount;
    const picked = await page.locator('.face-grid .face').evaluateAll((els) => els.slice(-2).map((e) => Number(e.getAttribute('data-face-id'))));
    for (const id of picked) await page.click(`.face[data-face-id="${id}"] .face-button`);
    await page.click('#split-faces');
    await page.click('.toast button >> text=Open');
    await until((h) => location.hash !== h, `#/people/${eileen}`);
    const twin = Number(/#\/people\/(\d+)/.exec(await page.evaluate('location.hash') as string)![1]);
    await page.waitForSelector(`.person-page .meta >> text=Person ${twin}`);
    expect((await api<{ faceCount: number }>(`/api/people/${eileen}`)).faceCount).toBe(count - 2);

    await page.click('#merge-button');
    await page.fill('#merge-picker', 'Eileen');
    await page.click('.picker-list li >> text=Eileen Collins');
    await hashIs(`#/people/${eileen}`);
    await page.waitForSelector('.toast >> text=Merged into Eileen Collins');
    expect((await api<{ mergedInto: number | null }>(`/api/people/${twin}`)).mergedInto).toBe(eileen);
    await page.waitForSelector(`.person-page .meta >> text=${count} faces`);
    await shot('06-merged');
    await page.click('.toast button >> text=Undo');
    await page.waitForSelector('.toast >> text=Merge undone');
    await hashIs(`#/people/${twin}`);
    expect(await api(`/api/people/${twin}`)).toMatchObject({ faceCount: 2, mergedInto: null });
    expect((await api<{ faceCount: number }>(`/api/people/${eileen}`)).faceCount).toBe(count - 2);
    // And merged back for good, with the button on the person page this time.
    await goto(`#/people/${twin}`);
    await page.click('#merge-button');
    await page.fill('#merge-picker', 'Eileen');
    await page.click('.picker-list li >> text=Eileen Collins');
    await page.waitForSelector(`.person-page .meta >> text=${count} faces`);
    await page.waitForSelector('#undo-merge');
  });

  it('rejects a face, and it stays rejected after a re-index', async () => {
    await goto(`#/people/${eileen}`);
    await page.waitForSelector('.face-grid .face');
    const count = (await api<{ faceCount: number }>(`/api/people/${eileen}`)).faceCount;
    const victim = Number(await page.locator('.face-grid .face').first().getAttribute('data-face-id'));
    const face = await api<{ photoId: number }>(`/api/faces/${victim}`);
    const photo = await api<{ path: string }>(`/api/photos/${face.photoId}`);
    await page.click(`.face[data-face-id="${victim}"] .face-button`);
    await page.click('#reject-faces');
    await page.waitForSelector('.toast >> text=will not come back');
    expect((await api<{ faceCount: number }>(`/api/people/${eileen}`)).faceCount).toBe(count - 1);
    // Change the photo on disk so that the next run analyses it again, then index from the dashboard.
    await sharp(await sharp(photo.path).toBuffer()).jpeg({ quality: 70 }).toFile(`${photo.path}.tmp.jpg`);
    const { renameSync } = await import('node:fs');
    renameSync(`${photo.path}.tmp.jpg`, photo.path);
    await goto('#/ingest');
    await page.click('#index-now');
    await page.waitForSelector('text=Last run', { timeout: 120_000 });
    await shot('07-ingest');
    const ingest = await api<{ status: { last: { photos: { processed: number } } } }>('/api/ingest');
    expect(ingest.status.last.photos.processed).toBe(1);
    const reanalysed = (await api<{ faces: Array<{ id: number; personId: number | null }> }>(`/api/photos/${face.photoId}`)).faces;
    // The face found again in the same place is the same face (same id), still rejected.
    expect(reanalysed.map((f) => f.id)).toContain(victim);
    expect(reanalysed.map((f) => f.personId)).not.toContain(eileen);
    expect(await api<{ id: number }>(`/api/faces/${victim}`)).toMatchObject({ id: victim });
    expect((await api<{ faceCount: number }>(`/api/people/${eileen}`)).faceCount).toBe(count - 1);
  });

  it('draws a box by hand around a face the detector missed', async () => {
    const found = await api<{ items: Array<{ id: number; path: string; faceCount: number; width: number; height: number }> }>('/api/photos?limit=200');
    const small = found.items.find((p) => p.path.endsWith('small-face.jpg'))!;
    await goto(`#/photos/${small.id}`);
    await page.waitForSelector('.photo-frame img');
    await imagesLoaded('.photo-frame img');
    const boxesBefore = await page.locator('.face-box').count();
    expect(boxesBefore).toBe(small.faceCount);
    await page.click('#draw-face');
    const frame = (await page.locator('.photo-frame').boundingBox())!;
    const sx = frame.width / small.width;
    const sy = frame.height / small.height;
    const b = SMALL.face;
    await page.mouse.move(frame.x + b.x * sx, frame.y + b.y * sy);
    await page.mouse.down();
    await page.mouse.move(frame.x + (b.x + b.w / 2) * sx, frame.y + (b.y + b.h / 2) * sy, { steps: 4 });
    await page.mouse.move(frame.x + (b.x + b.w) * sx, frame.y + (b.y + b.h) * sy, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('.toast >> text=Face added', { timeout: 60_000 });
    await count('.face-box', boxesBefore + 1);
    const faces = (await api<{ faces: Array<{ id: number; manual: boolean; box: { x: number; y: number; w: number; h: number } }> }>(`/api/photos/${small.id}`)).faces;
    const manual = faces.find((f) => f.manual)!;
    expect(manual.box.x).toBeGreaterThan(b.x - 4);
    expect(manual.box.x).toBeLessThan(b.x + 4);
    expect(manual.box.w).toBeGreaterThan(b.w - 4);
    // Name it from the panel that opens on the new face.
    await page.fill('#reassign-picker', 'Eileen');
    await page.click('.picker-list li >> text=Eileen Collins');
    await page.waitForSelector('.toast >> text=Face moved');
    await page.waitForSelector(`.face-box[data-face-id="${manual.id}"] >> text=Eileen Collins`);
    await shot('08-photo-manual-box');
  });

  it('searches photos by two people', async () => {
    await goto('#/search');
    await page.fill('#search-picker', 'Eileen');
    await page.click('.picker-list li >> text=Eileen Collins');
    await page.fill('#search-picker', 'Camera');
    await page.click('.picker-list li >> text=Camera Man');
    await page.waitForSelector('.chip >> text=Camera Man');
    await count('.photo-grid li', 1);
    const id = Number(await page.locator('.photo-grid li').first().getAttribute('data-photo-id'));
    expect(basename((await api<{ path: string }>(`/api/photos/${id}`)).path)).toBe('group.jpg');
    await page.check('input[name=mode][value=any]');
    await until(() => document.querySelectorAll('.photo-grid li').length > 1, null);
    await page.check('input[name=mode][value=all]');
    await count('.photo-grid li', 1);
    await imagesLoaded('.photo-grid img');
    await shot('09-search-two-people');
  });

  it('shows the review queue and a person page', async () => {
    await goto('#/review');
    await page.waitForSelector('.page-head >> text=Review');
    await page.waitForSelector('.review-group, .empty-state');
    await shot('10-review');
    await goto(`#/people/${eileen}`);
    await page.waitForSelector('.face-grid .face');
    await page.click('.tabs button >> text=Appears with');
    await page.waitForSelector('.co-list >> text=Camera Man');
    await page.click('.tabs button >> text=Faces');
    await imagesLoaded('.face-grid img');
    await shot('11-person');
  });

  it('says a photo that does not exist was not found, with a way back, instead of loading forever', async () => {
    await goto('#/photos/99999');
    await page.waitForSelector('#photo-missing >> text=Photo 99999 was not found');
    expect(await page.locator('.loading').count()).toBe(0);
    await page.click('#photo-missing >> text=Back to people');
    await hashIs('#/people');
    await goto('#/people/99999');
    await page.waitForSelector('#person-missing >> text=Person 99999 does not exist');
    expect(await page.locator('.toast.error').count()).toBe(0); // said on the page, not in an error message too
  });

  it('never offers a person already picked in the search again', async () => {
    await goto('#/search');
    await page.fill('#search-picker', 'Eileen');
    await page.click('.picker-list li >> text=Eileen Collins');
    await page.waitForSelector('.chip >> text=Eileen Collins');
    await page.fill('#search-picker', 'Eilee');
    await page.waitForTimeout(400); // the picker's debounce and fetch
    await page.fill('#search-picker', 'Eileen');
    await page.waitForTimeout(400);
    expect(await page.locator('.picker-list li >> text=Eileen Collins').count()).toBe(0);
    await page.press('#search-picker', 'Enter');
    expect(await page.locator('.chip').count()).toBe(1);
  });

  it('answers from the query-spec form with the LLM off: people, dates, place', async () => {
    await goto('#/ask');
    await page.waitForSelector('#llm-off');
    expect(await page.locator('#ask-input').count()).toBe(0);
    await page.fill('#spec-people', 'Eileen');
    await page.click('#spec-form .picker-list li >> text=Eileen Collins');
    await page.fill('#spec-people', 'Camera');
    await page.click('#spec-form .picker-list li >> text=Camera Man');
    await page.click('#spec-run');
    await page.waitForSelector('#ask-total');
    await count('.photo-grid li', 1);
    const id = Number(await page.locator('.photo-grid li').first().getAttribute('data-photo-id'));
    expect(basename((await api<{ path: string }>(`/api/photos/${id}`)).path)).toBe('group.jpg');
    expect(await page.textContent('#ask-interpretation')).toMatch(/Eileen Collins/);
    // Dates bound it too: nothing was taken in 1990.
    await page.fill('#spec-from', '1990-01-01');
    await page.fill('#spec-to', '1990-12-31');
    await page.click('#spec-run');
    await page.waitForSelector('#ask-total >> text=0 photos');
    await shot('14-ask-spec-form');
  });

  it('keeps an error until it is dismissed, and shows one message at a time', async () => {
    await goto(`#/people/${eileen}`);
    await page.waitForSelector('#person-name');
    await page.fill('#person-name', 'Eileen M. Collins');
    await page.click('form.rename button[type=submit]');
    await page.waitForSelector('.toast >> text=Named “Eileen M. Collins”');
    // A name the API refuses (over 200 characters): an error, over the message before it.
    await page.fill('#person-name', 'E'.repeat(201));
    await page.click('form.rename button[type=submit]');
    await page.waitForSelector('.toast.error');
    expect(await page.locator('.toast').count()).toBe(1);
    // Longer than the 8 s errors used to last: still there, until dismissed.
    await page.waitForTimeout(9000);
    expect(await page.locator('.toast.error').count()).toBe(1);
    await page.click('.toast.error button[aria-label=dismiss]');
    // The page re-renders after the click: wait for it, then say what is left if anything is.
    await page.waitForSelector('.toast', { state: 'detached', timeout: 5000 }).catch(() => undefined);
    expect(await page.locator('.toast').allTextContents()).toEqual([]);
    await page.fill('#person-name', 'Eileen Collins');
    await page.click('form.rename button[type=submit]');
    await page.waitForSelector('.toast >> text=Named “Eileen Collins”');
  });

  it('works on a phone: nothing off-screen at 420 px, the menu and every control reachable', async () => {
    await page.setViewportSize({ width: 420, height: 860 });
    try {
      const fits = async (where: string) => {
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${where} is ${width} px wide`).toBeLessThanOrEqual(420);
      };
      const inView = async (selector: string) => {
        const box = (await page.locator(selector).first().boundingBox())!;
        expect(box, selector).not.toBeNull();
        expect(box.x, selector).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, selector).toBeLessThanOrEqual(420);
      };
      for (const [hash, ready] of [['#/people', '.person-card'], [`#/people/${eileen}`, '.face-grid .face'], ['#/review', '.page-head'], ['#/search', '#search-picker'], ['#/ask', '#spec-form'], ['#/ingest', '#index-now'], ['#/settings', '.page-head']] as const) {
        await goto(hash);
        await page.waitForSelector(ready);
        await fits(hash);
      }
      const photosList = await api<{ items: Array<{ id: number; path: string }> }>('/api/photos?limit=200');
      await goto(`#/photos/${photosList.items.find((p) => p.path.endsWith('group.jpg'))!.id}`);
      await page.waitForSelector('.photo-frame img');
      await fits('the photo page');
      await goto(`#/people/${eileen}`);
      await page.waitForSelector('#person-name');
      await inView('form.rename button[type=submit]');
      await inView('#merge-button');
      await shot('15-phone-person');
      // The sections fold into a menu that opens in view, Log out included.
      expect(await page.locator('nav.top .sections a').first().isVisible()).toBe(false);
      await page.click('nav.top .menu-button');
      for (const label of ['People', 'Review', 'Search', 'Ask', 'Suggestions', 'Ingest', 'Settings']) await inView(`nav.top .sections a >> text=${label}`);
      await inView('nav.top .logout');
      await shot('16-phone-menu');
      await page.click('nav.top .sections a >> text=Review');
      await hashIs('#/review');
      await page.locator('nav.top .sections a').first().waitFor({ state: 'hidden' }); // the menu closes on the way
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('login page: commands wrap between words, never inside one', async () => {
    const login = await browser.newPage();
    try {
      for (const width of [1280, 420]) {
        await login.setViewportSize({ width, height: 800 });
        await login.goto(`${server.url}/login`);
        await login.waitForSelector('.hint code');
        expect(await login.locator('.hint code').evaluate((c: any) => c.getClientRects().length), `at ${width} px`).toBe(1);
      }
    } finally {
      await login.close();
    }
  });
});
