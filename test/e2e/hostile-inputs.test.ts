import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { json, runFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';

interface Summary {
  photos: { seen: number; processed: number; failed: number };
  failures: Array<{ file: string; code: string; message: string }>;
  skipped: Record<string, number>;
  warnings: Array<{ file: string; message: string }>;
}

const LEVEL = 'd'.repeat(250);
const LEVELS = 17;

/** Every input that was lost or stored wrong: odd names, unlistable folders, no-files, lying contents, bad EXIF, cut files. */
async function makeHostileFolder(dir: string) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixture('astronaut.jpg'), join(dir, 'ok.jpg'));
  // A Latin-1 name: not UTF-8.
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.jpg')]), await sharp(fixture('astronaut.jpg')).flop().jpeg().toBuffer());
  // Contents that lie about their names: a GIF, an SVG with a DOCTYPE, a PDF.
  writeFileSync(join(dir, 'animation.jpg'), await sharp(fixture('astronaut.jpg')).resize(64).gif().toBuffer());
  writeFileSync(join(dir, 'drawing.png'), '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n');
  writeFileSync(join(dir, 'scan.jpg'), '%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
  // Cut short: a JPEG after 600 bytes, a HEIC after half.
  writeFileSync(join(dir, 'cut.jpg'), readFileSync(fixture('astronaut.jpg')).subarray(0, 600));
  const heic = readFileSync(fixture('astronaut.heic'));
  writeFileSync(join(dir, 'cut.heic'), heic.subarray(0, heic.length >> 1));
  // EXIF out of range: a date that is none, a GPS position off the globe.
  writeFileSync(join(dir, 'bad-exif.jpg'), await sharp(fixture('astronaut.jpg')).resize(400).withExif({
    IFD2: { DateTimeOriginal: '9999:99:99 99:99:99' },
    IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '999/1 999/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '999/1 0/1 0/1' },
  }).jpeg().toBuffer());
  // Named like photos, but no files.
  symlinkSync(join(dir, 'gone.jpg'), join(dir, 'dangling.jpg'));
  symlinkSync('/dev/null', join(dir, 'device.jpg'));
  execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
  // A photo in a folder whose path is too long to list (ENAMETOOLONG), made step by step.
  execFileSync(process.execPath, ['-e', `const fs = require('fs'); process.chdir(process.argv[1]);
    for (let i = 0; i < ${LEVELS}; i++) { fs.mkdirSync('${LEVEL}'); process.chdir('${LEVEL}'); }
    fs.writeFileSync('deep.jpg', fs.readFileSync(process.argv[2]));`, dir, fixture('astronaut-rotated.jpg')]);
}

describe('facetag index: inputs that were lost or stored wrong', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-hostile-'));
  const photos = join(root, 'photos');
  const data = join(root, 'data');
  const deepFolder = `${join(photos, ...Array.from({ length: LEVELS }, () => LEVEL))}`;
  let first: Summary;
  let text: string;
  beforeAll(async () => {
    await makeHostileFolder(photos);
    const r = await runFacetag(['index', photos, '--data', data, '--json']);
    expect(r.code, r.stderr).toBe(0);
    first = json<Summary>(r);
    text = (await runFacetag(['photos', 'list', '--data', data])).stdout;
  }, 240_000);

  const failure = (file: string) => first.failures.find((f) => f.file === file);

  it('indexes a photo whose name is not UTF-8, and shows its name readably', async () => {
    expect(first.failures.map((f) => f.file)).not.toContain('caf\\xE9.jpg');
    expect(text).toMatch(/caf\\xE9\.jpg/);
    const list = json<Array<{ path: string; status: string; faceCount: number }>>(await runFacetag(['photos', 'list', '--json', '--data', data]));
    const cafe = list.filter((p) => p.path.startsWith(`${photos}/caf`));
    expect(cafe).toHaveLength(1);
    expect(cafe[0]).toMatchObject({ status: 'done', faceCount: 1 });
  });

  it('reports a folder it cannot list in the summary, --json and photos list --failed; clears it once it lists', async () => {
    expect(failure(`${deepFolder.slice(photos.length + 1)}/`)).toMatchObject({ code: 'FOLDER_UNREADABLE', message: expect.stringMatching(/^the folder cannot be listed \(ENAMETOOLONG\); shorten its path: the photos in it are indexed once it can be$/) });
    const failed = json<Array<{ path: string; errorCode: string }>>(await runFacetag(['photos', 'list', '--failed', '--json', '--data', data]));
    expect(failed).toContainEqual(expect.objectContaining({ path: deepFolder, errorCode: 'FOLDER_UNREADABLE' }));
    // Shorter: the folder lists, its photo is indexed, and the folder's failure goes.
    renameSync(join(photos, LEVEL), join(photos, 'd'));
    const second = json<Summary>(await runFacetag(['index', photos, '--data', data, '--json']));
    expect(second.photos.processed).toBe(1);
    expect(second.failures.filter((f) => f.code === "FOLDER_UNREADABLE")).toEqual([]);
    const after = json<Array<{ path: string; errorCode: string }>>(await runFacetag(['photos', 'list', '--failed', '--json', '--data', data]));
    expect(after.map((f) => f.errorCode)).not.toContain('FOLDER_UNREADABLE');
  });

  it('skips dangling symlinks, devices and FIFOs with a counted reason', () => {
    expect(first.skipped).toEqual({ 'dangling symlink': 1, device: 1, FIFO: 1 });
    expect(first.failures.map((f) => f.file)).not.toEqual(expect.arrayContaining(['dangling.jpg']));
  });

  it('judges formats by content: GIF, SVG and PDF content are refused whatever their names, before any decoder', () => {
    expect(failure('animation.jpg')).toMatchObject({ code: 'PHOTO_UNSUPPORTED', message: expect.stringContaining('it holds a GIF image') });
    expect(failure('drawing.png')).toMatchObject({ code: 'PHOTO_UNSUPPORTED', message: expect.stringContaining('it holds an SVG drawing') });
    expect(failure('scan.jpg')).toMatchObject({ code: 'PHOTO_UNSUPPORTED', message: expect.stringContaining('it holds a PDF document') });
  });

  it('says in one line that a cut-short JPEG or HEIC is cut short, and what to do', () => {
    for (const [file, name] of [['cut.jpg', 'JPEG'], ['cut.heic', 'HEIC/AVIF']]) {
      const f = failure(file!)!;
      expect(f).toMatchObject({ code: 'PHOTO_CORRUPT', message: expect.stringMatching(new RegExp(`^the ${name} file is cut short \\(it ends after \\d+ bytes, before its image does\\): it was not copied whole; copy it again from the original, or restore it from a backup$`)) });
    }
  });

  it('keeps a photo with EXIF out of range, without the bad values, and says so once', async () => {
    expect(failure('bad-exif.jpg')).toBeUndefined();
    expect(first.warnings).toEqual([{ file: 'bad-exif.jpg', message: 'EXIF DateTimeOriginal is not a real date and time; EXIF GPS position is out of range: indexed without them' }]);
    const list = json<Array<{ path: string; takenAt: string | null; gps: unknown }>>(await runFacetag(['photos', 'list', '--json', '--data', data]));
    expect(list.find((p) => p.path.endsWith('bad-exif.jpg'))).toMatchObject({ takenAt: null, gps: null });
  });
});
