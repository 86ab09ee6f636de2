// The malloc arena cap as a user gets it: `node bin/facetag.js index`, arenas counted from outside.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, startFacetag } from '../helpers/cli.js';
import { readLogLines } from '../helpers/logs.js';
import { mallocArenasOf } from '../helpers/malloc-arenas.js';
import { makeFacePhotos } from '../helpers/photos.js';

const glibc = process.platform === 'linux' && Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
if (!glibc) {
  if (process.env.CI === 'true') throw new Error('malloc arenas: CI=true requires Linux with glibc, where facetag caps the arenas');
  console.warn('\n!!! SKIPPED: malloc arenas: facetag caps them on Linux with glibc only, and this is not that !!!\n');
}

/**
 * Indexes a few photos with `facetag index --watch`, which stays up after its first run, with
 * every thread that allocates already started; counts the arenas then, and stops it.
 */
async function arenasOfAnIndexRun(env: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'facetag-arenas-'));
  const photos = join(root, 'photos');
  mkdirSync(photos);
  await makeFacePhotos(photos, 4, 0, 640);
  const data = join(root, 'data');
  const child = startFacetag(['index', photos, '--watch', '--interval-ms', '600000', '--json', '--data', data], { env: { FACETAG_LOG_LEVEL: 'debug', ...env } });
  const done = collect(child);
  const firstRun = new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out);
    });
    child.once('close', () => resolve(out));
  });
  const summary = JSON.parse((await firstRun).split('\n')[0] || '{}') as { photos?: { processed: number } };
  const arenas = mallocArenasOf(child.pid!);
  child.kill('SIGTERM');
  const result = await done;
  expect(result.code, result.stderr).toBe(0);
  expect(summary.photos?.processed).toBe(4);
  const logged = readLogLines(join(data, 'logs')).filter(({ line }) => 'mallocArenas' in line);
  return { arenas: arenas?.arenas ?? arenas?.heaps, logged };
}

describe.skipIf(!glibc)('glibc malloc arenas of `node bin/facetag.js index`', () => {
  it('are capped at two (one beside the main arena) without any environment variable, and the log says so', async () => {
    const capped = await arenasOfAnIndexRun({});
    // Without the cap, the decode, inference and libuv threads each make one (15 on 2 cores).
    // Node makes one before any JavaScript runs, which the cap keeps (glibc counts the main
    // arena too, so none is added); one more of slack for a thread of Node's that allocated early.
    expect(capped.arenas).toBeLessThanOrEqual(2);
    expect(capped.logged.map(({ line }) => [line.msg, line.mallocArenas])).toEqual([['glibc malloc arenas capped', { applied: true, arenaMax: 2 }]]);
  }, 120_000);

  it('keep an explicit MALLOC_ARENA_MAX: facetag leaves it to glibc', async () => {
    const explicit = await arenasOfAnIndexRun({ MALLOC_ARENA_MAX: '64' });
    expect(explicit.arenas).toBeGreaterThan(4);
    expect(explicit.logged.map(({ line }) => line.mallocArenas)).toEqual([{ applied: false, reason: 'env' }]);
  }, 120_000);
});
