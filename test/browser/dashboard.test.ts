import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runFacetag, startFacetag } from '../helpers/cli.js';
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

/** Starts `facetag serve` on a free port; resolves with its URL and the password it printed. */
async function startServer(data: string, photos: string): Promise<{ child: ChildProcess; url: string; password: string; stderr: () => string }> {
  const child = startFacetag(['serve', '--data', data, '--port', '0'], { env: { ...env, FACETAG_SERVER_INDEX_FOLDER: photos } });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`facetag serve did not start:\n${out}\n${err}`)), 90_000);
    child.on('exit', (code) => reject(new Error(`facetag serve exited ${code}:\n${out}\n${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const url = /facetag dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      const password = /admin password \(shown this once[^)]*\): (\S+)/.exec(out)?.[1];
      if (url && password) {
        clearTimeout(timer);
        resolve({ child, url, password, stderr: () => err });
      }
    });
  });
}

const run = requireChromium(SUITE);

describe.skipIf(!run)(SUITE, () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-browser-'));
  const photos = join(root, 'photos');
  const data = join(root, 'data');
  let server: Awaited<ReturnType<typeof startServer>>;
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
    server = await startServer(data, photos);
    browser = await launchChromium();
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('dialog', (d) => void d.accept());
    // Nothing but the server on 127.0.0.1: any other request is a bug (a CDN, a font).
    await page.route((url) => !url.href.startsWith(server.url), (r) => r.abort());
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (server) {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
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
    await page.waitForSelector('.toast.error >> text=both appear in photo');
    await shot('05-merge-refused');

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
    expect(reanalysed.map((f) => f.id)).not.toContain(victim);
    expect(reanalysed.map((f) => f.personId)).not.toContain(eileen);
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
});
