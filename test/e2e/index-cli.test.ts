import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { json, runFacetag } from '../helpers/cli.js';
import { personalDataInLogs, readLogLines } from '../helpers/logs.js';
import { fixture, makeMixedFolder } from '../helpers/photos.js';
import { DEFAULT_MODELS, findModel } from '../../src/vision/model-manifest.js';

interface Summary {
  photos: { seen: number; processed: number; skippedUnchanged: number; failed: number };
  faces: number; people: number; unassigned: number; durationMs: number;
  failures: Array<{ file: string; code: string; message: string }>;
}

describe('facetag index (the real CLI, embedded default)', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-e2e-'));
  const photos = join(root, 'photos');
  const data = join(root, 'data');
  let expected: Awaited<ReturnType<typeof makeMixedFolder>>;
  let first: Summary;

  beforeAll(async () => {
    expected = await makeMixedFolder(photos);
    const result = await runFacetag(['index', photos, '--data', data, '--json']);
    expect(result.code, result.stderr).toBe(0);
    first = json<Summary>(result);
  });

  it('indexes every format and orientation, and reports each broken file with a code and a fix', () => {
    const seen = expected.withFace.length + expected.sideways.length + expected.noFace.length + Object.keys(expected.failed).length;
    expect(first.photos).toEqual({ seen, processed: seen - 4, skippedUnchanged: 0, failed: 4, unsettled: 0 });
    expect(Object.fromEntries(first.failures.map((f) => [f.file, f.code]))).toEqual(expected.failed);
    for (const f of first.failures) expect(f.message.length).toBeGreaterThan(30);
    expect(first.failures.find((f) => f.code === 'PHOTO_TOO_LARGE')!.message).toMatch(/30000x30000.*FACETAG_INDEX_MAX_PIXELS/);
    expect(first.faces).toBe(expected.withFace.length + expected.sideways.length);
    expect(first.durationMs).toBeGreaterThan(0);
  });

  it('groups the same face across formats into one person', () => {
    expect(first.people).toBe(1);
    expect(first.unassigned).toBe(expected.sideways.length);
  });

  it('lists faces with file, box in oriented pixels, scores and person; embeddings on request', async () => {
    const all = json<any[]>(await runFacetag(['faces', 'list', '--data', data, '--json', '--embeddings']));
    const sideways = all.find((f) => f.file.endsWith('iphone-rotated.heic'));
    // The top 512x384 of the portrait, shown turned 90 degrees clockwise by its irot box:
    // the face (179,65 88x108 upright) lands at x = 384 - 65 - 108, y = 179, w and h swapped.
    expect(sideways.box.x).toBeGreaterThan(200);
    expect(sideways.box.x).toBeLessThan(232);
    expect(sideways.box.y).toBeGreaterThan(165);
    expect(sideways.box.y).toBeLessThan(195);
    const faces = all.filter((f) => f !== sideways);
    expect(faces).toHaveLength(expected.withFace.length);
    const byFile = new Map(faces.map((f) => [f.file.slice(photos.length + 1), f]));
    expect([...byFile.keys()].sort()).toEqual([...expected.withFace].sort());
    const upright = byFile.get('Anna Smith/portrait.jpg');
    const rotated = byFile.get('Anna Smith/trip/rotated.jpg');
    // The rotated file holds the same pixels stored sideways with an EXIF orientation:
    // the box, in oriented pixels, must be where the upright photo has it.
    for (const k of ['x', 'y', 'w', 'h'] as const) expect(Math.abs(rotated.box[k] - upright.box[k])).toBeLessThan(12);
    expect(upright.detScore).toBeGreaterThan(0.7);
    expect(upright.quality).toBeGreaterThan(0.3);
    expect(upright.embedding).toHaveLength(findModel(DEFAULT_MODELS.embedder)!.dimensions!);
    const norm = Math.hypot(...(upright.embedding as number[]));
    expect(norm).toBeCloseTo(1, 4);
    expect(new Set(faces.map((f) => f.personId)).size).toBe(1);
  });

  it('reads EXIF time and GPS, and keeps face thumbnails', async () => {
    const list = json<any[]>(await runFacetag(['photos', 'list', '--data', data, '--json']));
    const rotated = list.find((p) => p.path.endsWith('rotated.jpg'));
    expect(rotated.takenAt).toBe('2023-07-14T10:30:00');
    expect(rotated.gps.lat).toBeCloseTo(29.5597, 3);
    expect(rotated.gps.lon).toBeCloseTo(-95.09, 3);
    const upright = list.find((p) => p.path.endsWith('portrait.jpg'));
    expect([rotated.width, rotated.height]).toEqual([upright.width, upright.height]);
    // A HEIC stored sideways with an irot box: upright dimensions, and its face found.
    const irot = list.find((p) => p.path.endsWith('iphone-rotated.heic'));
    expect([irot.width, irot.height, irot.faceCount]).toEqual([384, 512, 1]);
    const thumbs = readdirSync(join(data, 'blobs', 'faces'), { recursive: true }).filter((f) => String(f).endsWith('.jpg'));
    expect(thumbs.length).toBe(expected.withFace.length + expected.sideways.length);
    const failed = json<any[]>(await runFacetag(['photos', 'list', '--failed', '--data', data, '--json']));
    expect(failed.map((p) => p.errorCode).sort()).toEqual(Object.values(expected.failed).sort());
  });

  it('skips unchanged photos on the next run and re-processes a changed one', async () => {
    writeFileSync(join(photos, 'portrait.webp'), await sharp(fixture('astronaut.jpg')).flop().webp().toBuffer());
    const second = json<Summary>(await runFacetag(['index', photos, '--data', data, '--json']));
    expect(second.photos.processed).toBe(1);
    expect(second.photos.skippedUnchanged).toBe(expected.withFace.length + expected.sideways.length + expected.noFace.length - 1);
    expect(second.photos.failed).toBe(4); // broken files are tried again, and fail again
    expect(second.faces).toBe(first.faces);
    expect(second.people).toBe(1);
  });

  it('prints people and a readable summary', async () => {
    const people = json<any[]>(await runFacetag(['people', 'list', '--data', data, '--json']));
    expect(people).toHaveLength(1);
    expect(people[0].faceCount).toBe(expected.withFace.length);
    const text = await runFacetag(['index', photos, '--data', data]);
    expect(text.stdout).toMatch(/photos: 0 indexed, \d+ unchanged, 4 failed/);
    // Faces in people and faces in no person add up to the faces; one person is "1 person".
    expect(text.stdout).toMatch(/^11 faces: 10 in 1 person, 1 not yet in a person \(/m);
    expect(text.stdout).toMatch(/failed: notes\.jpg: the file is not an image/);
    expect(text.stderr).toBe(''); // no progress bar when not on a terminal
  });

  it('never writes names, photo paths, file names or embeddings into its logs', () => {
    expect(readLogLines(join(data, 'logs')).length).toBeGreaterThan(0);
    const secrets = ['Anna', 'Smith', 'portrait', 'rotated', 'iphone', 'notes', '.jpg', '.heic', '.png', photos];
    expect(personalDataInLogs(join(data, 'logs'), secrets)).toEqual([]);
  });
});

describe('facetag index: bad invocations fail before any work', () => {
  it('a missing folder is a clear error with a non-zero exit, and leaves no data folder behind', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-e2e-'));
    const result = await runFacetag(['index', join(root, 'nope'), '--data', join(root, 'data')]);
    expect(result.code).toBe(66);
    expect(result.stderr).toMatch(/is not a folder; give the folder that holds your photos, e\.g\. `facetag index ~\/Pictures` \[FOLDER_NOT_FOUND\]/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('a folder with no photo indexes nothing and creates no library', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-e2e-'));
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'no photo here');
    const result = await runFacetag(['index', empty, '--data', join(root, 'data')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^no photos found: nothing to index \(facetag reads JPEG, PNG, WebP, TIFF, AVIF and HEIC\/HEIF files\)$/m);
    expect(readdirSync(root)).toEqual(['empty']);
  });

  it('a bad config value names the key and the variable, exit 78', async () => {
    const data = mkdtempSync(join(tmpdir(), 'facetag-e2e-'));
    const result = await runFacetag(['index', data, '--data', data], { env: { FACETAG_VISION_MIN_FACE_SIZE_PX: '-3' } });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/vision\.minFaceSizePx = "-3" from environment variable FACETAG_VISION_MIN_FACE_SIZE_PX is invalid/);
  });

  it('an unknown command or missing folder argument is a usage error', async () => {
    expect((await runFacetag(['indx'])).code).toBe(64);
    const r = await runFacetag(['index']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/index takes one folder/);
  });
});
