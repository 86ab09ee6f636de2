import { copyFileSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, json, runFacetag, startFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';

describe('facetag index --source <folder> --watch (the real CLI)', () => {
  it('indexes photos added while it runs, each once, and stops cleanly on SIGINT', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-watch-'));
    const photos = join(root, 'photos');
    mkdirSync(photos);
    const env = { FACETAG_DATA_DIR: join(root, 'data') };
    copyFileSync(fixture('astronaut.jpg'), join(photos, 'first.jpg'));
    const child = startFacetag(['index', '--source', photos, '--watch', '--interval-ms', '200', '--json'], { env });
    const done = collect(child);
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const runs = () => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { photos: { processed: number; skippedUnchanged: number } });
    const waitForRuns = async (n: number) => {
      for (let i = 0; i < 600 && runs().length < n; i++) await new Promise((r) => setTimeout(r, 100));
      expect(runs().length).toBe(n);
    };
    await waitForRuns(1);
    // Written beside the folder, then renamed in: the watcher never sees half a file.
    copyFileSync(fixture('astronaut-rotated.jpg'), join(root, 'second.jpg'));
    renameSync(join(root, 'second.jpg'), join(photos, 'second.jpg'));
    await waitForRuns(2);
    // Idle polls index nothing: no third run without a new photo.
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(runs().map((r) => r.photos.processed)).toEqual([1, 1]);
    const listed = json<Array<{ path: string }>>(await runFacetag(['photos', 'list', '--json'], { env }));
    expect(listed.map((p) => p.path).sort()).toEqual([join(photos, 'first.jpg'), join(photos, 'second.jpg')]);
  }, 120_000);
});
