import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsPath, keyFromBytes, readablePath } from './file-key.js';
import { listPhotoFiles } from './walk.js';

describe('listPhotoFiles', () => {
  it('walks recursively, keeps photo extensions, skips hidden files, survives symlink loops', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-walk-'));
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(join(root, '.hidden'));
    for (const f of ['x.JPG', 'a/y.png', 'a/b/z.heic', 'a/notes.txt', '.hidden/h.jpg', 'a/b/w.webp']) writeFileSync(join(root, f), 'x');
    symlinkSync(root, join(root, 'a', 'b', 'loop'));
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling.jpg'));
    const walk = await listPhotoFiles(root, { followSymlinks: true });
    expect(walk.files.map((f) => f.slice(root.length + 1))).toEqual(['a/b/w.webp', 'a/b/z.heic', 'a/y.png', 'x.JPG']);
    const noLinks = await listPhotoFiles(root, { followSymlinks: false });
    expect(noLinks.files).toHaveLength(4);
  });

  it('counts what has a photo\'s name but is no file (dangling links, FIFOs, devices), and reports folders it cannot list', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-walk-'));
    writeFileSync(join(root, 'ok.jpg'), 'x');
    symlinkSync(join(root, 'gone.jpg'), join(root, 'dangling.jpg'));
    symlinkSync('/dev/null', join(root, 'null.jpg'));
    execFileSync('mkfifo', [join(root, 'pipe.jpg')]);
    // A folder whose path is longer than the system allows (ENAMETOOLONG), made step by step.
    const level = 'd'.repeat(250);
    execFileSync(process.execPath, ['-e', `const fs = require('fs'); process.chdir(process.argv[1]);
      for (let i = 0; i < 18; i++) { fs.mkdirSync('${level}'); process.chdir('${level}'); } fs.writeFileSync('deep.jpg', 'x');`, root]);
    const deep = join(root, ...Array.from({ length: 17 }, () => level));
    const asRoot = process.getuid?.() === 0; // root reads any folder: EACCES only for others
    if (!asRoot) {
      mkdirSync(join(root, 'locked'));
      writeFileSync(join(root, 'locked', 'inside.jpg'), 'x');
      chmodSync(join(root, 'locked'), 0o000);
    }
    try {
      const walk = await listPhotoFiles(root, { followSymlinks: true });
      expect(walk.files).toEqual([join(root, 'ok.jpg')]);
      expect(walk.skipped.map((s) => [s.key.slice(root.length + 1), s.reason]).sort()).toEqual([['dangling.jpg', 'dangling symlink'], ['null.jpg', 'device'], ['pipe.jpg', 'FIFO']]);
      expect(walk.unlisted).toContainEqual({ key: expect.stringMatching(new RegExp(`^${deep}`)), code: 'ENAMETOOLONG' });
      if (!asRoot) expect(walk.unlisted).toContainEqual({ key: join(root, 'locked'), code: 'EACCES' });
    } finally {
      if (!asRoot) chmodSync(join(root, 'locked'), 0o755);
    }
  });

  it('finds and opens a file whose name is not UTF-8, and shows the name readably', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-walk-'));
    const name = Buffer.from('caf\xe9 \xff.jpg', 'latin1');
    writeFileSync(Buffer.concat([Buffer.from(`${root}/`), name]), 'the photo');
    const walk = await listPhotoFiles(root, { followSymlinks: true });
    expect(walk.files).toHaveLength(1);
    const key = walk.files[0]!;
    expect(readFileSync(fsPath(key), 'utf8')).toBe('the photo');
    expect(readablePath(key)).toBe(`${root}/caf\\xE9 \\xFF.jpg`);
  });

  it('notes the XMP sidecars beside each photo as the listing shows them, by the names a reader opens', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-walk-'));
    mkdirSync(join(root, 'sub'));
    const files = [
      'a.jpg', 'a.jpg.xmp', // full naming (digiKam)
      'b.jpg', 'b.xmp', // base naming (Lightroom)
      'c.jpg', 'c.jpg.xmp', 'c.xmp', // both: full first
      'd.jpg', // none
      'IMG_1.JPG', 'IMG_1.JPG.xmp', 'IMG_2.JPG', 'IMG_2.XMP', // upper-case names: kept as a case-insensitive disk would open them
      'e.png', 'e.jpg.xmp', // another photo's name
      'sub/f.webp', 'f.webp.xmp', // a sidecar in another folder is not this photo's
      'sub/g.tar.jpg', 'sub/g.tar.xmp',
    ];
    for (const f of files) writeFileSync(join(root, f), 'x');
    mkdirSync(join(root, 'h.jpg.xmp')); // a folder of that name: listed, and its open fails as before
    writeFileSync(join(root, 'h.jpg'), 'x');
    const walk = await listPhotoFiles(root, { followSymlinks: false });
    const sidecars = Object.fromEntries(walk.files.map((f) => [f.slice(root.length + 1), walk.sidecars.get(f) ?? []]));
    expect(sidecars).toEqual({
      'a.jpg': ['full'], 'b.jpg': ['base'], 'c.jpg': ['full', 'base'], 'd.jpg': [], 'IMG_1.JPG': ['full'], 'IMG_2.JPG': ['base'],
      'e.png': [], 'h.jpg': ['full'], 'sub/f.webp': [], 'sub/g.tar.jpg': ['base'],
    });
  });
});

describe('file keys', () => {
  it('map every name to text and back, unchanged for UTF-8 names', () => {
    const names = [
      Buffer.from('plain/Ünïcödé 😀.jpg'), Buffer.from('caf\xe9.jpg', 'latin1'), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]),
      Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf0, 0x80, 0x80, 0x80]), Buffer.from('\uef80\uefff\ufffd.jpg'), Buffer.from([0x61, 0xff, 0xfe, 0x62]),
    ];
    for (const bytes of names) {
      const key = keyFromBytes(bytes);
      expect(Buffer.from(fsPath(key)).equals(bytes), `${bytes.toString('hex')} -> ${JSON.stringify(key)}`).toBe(true);
      expect(Buffer.from(key, 'utf8').toString('utf8')).toBe(key); // plain text a database keeps
    }
    expect(keyFromBytes(Buffer.from('plain/Ünïcödé 😀.jpg'))).toBe('plain/Ünïcödé 😀.jpg');
    expect(fsPath('plain/Ünïcödé 😀.jpg')).toBe('plain/Ünïcödé 😀.jpg');
  });
});
