import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPhotoFiles } from './walk.js';

describe('listPhotoFiles', () => {
  it('walks recursively, keeps photo extensions, skips hidden files, survives symlink loops', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-walk-'));
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(join(root, '.hidden'));
    for (const f of ['x.JPG', 'a/y.png', 'a/b/z.heic', 'a/notes.txt', '.hidden/h.jpg', 'a/b/w.webp']) writeFileSync(join(root, f), 'x');
    symlinkSync(root, join(root, 'a', 'b', 'loop'));
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling.jpg'));
    const files = await listPhotoFiles(root, { followSymlinks: true });
    expect(files.map((f) => f.slice(root.length + 1))).toEqual(['a/b/w.webp', 'a/b/z.heic', 'a/y.png', 'x.JPG']);
    const noLinks = await listPhotoFiles(root, { followSymlinks: false });
    expect(noLinks).toHaveLength(4);
  });
});
