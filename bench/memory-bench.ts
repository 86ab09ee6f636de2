// npm run bench:memory [-- --count 10000]      (MALLOC_ARENA_MAX=16 npm run bench:memory: glibc's default arenas on 2 cores)
//
// Peak memory of `facetag index` (embedded, whole process) over a large library of big photos:
// `count` JPEGs of 4 to 12 MP (60 distinct photos made from ../shared/faces at run time, each
// file then made unique by a JPEG comment, so every one is hashed, analysed and stored), and
// what one photo costs: a one-face 4 MP photo alone against a 36 MP group photo of ~30 faces
// alone (two group photos of ../shared/faces side by side). One line per figure.
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { SHARED_FACES } from '../test/helpers/shared.js';
import { lastJson, runMeasured } from './measured-process.js';
import { photosUnder } from './photo-sets.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' } } });
const count = Number(values.count);
const BIN = fileURLToPath(new URL('../bin/facetag.js', import.meta.url));
const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

/** 4, 6, 8, 10 and 12 MP at 4:3. */
const SIZES = [[2304, 1728], [2828, 2121], [3266, 2449], [3651, 2738], [4000, 3000]] as const;

async function basePhotos(): Promise<Buffer[]> {
  const dir = join(tmpdir(), 'facetag-bench-memory-base-v1');
  if (!existsSync(dir) || readdirSync(dir).length !== 60) {
    const making = `${dir}.making-${process.pid}`;
    mkdirSync(making, { recursive: true });
    const sources = photosUnder(join(SHARED_FACES, 'images'));
    for (let i = 0; i < 60; i++) {
      const [w, h] = SIZES[i % SIZES.length]!;
      await sharp(sources[(i * 7) % sources.length]!).rotate().resize(w, h, { fit: 'cover' }).toColourspace('srgb').jpeg({ quality: 90 })
        .toFile(join(making, `b${String(i).padStart(2, '0')}.jpg`));
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(making, dir);
  }
  return readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
}

/** `jpeg` with a comment segment right after its start marker: the same pixels, other bytes. */
function withComment(jpeg: Buffer, text: string): Buffer[] {
  const body = Buffer.from(text);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  return [jpeg.subarray(0, 2), segment, body, jpeg.subarray(2)];
}

async function library(bases: Buffer[]): Promise<string> {
  const dir = join(tmpdir(), `facetag-bench-memory-${count}-v1`);
  if (existsSync(dir) && readdirSync(dir).length === count) return dir;
  const making = `${dir}.making-${process.pid}`;
  mkdirSync(making, { recursive: true });
  for (let i = 0; i < count; i++) {
    const fd = openSync(join(making, `m${String(i).padStart(5, '0')}.jpg`), 'w');
    for (const part of withComment(bases[i % bases.length]!, `facetag memory bench ${i}`)) writeSync(fd, part);
    closeSync(fd);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(making, dir);
  return dir;
}

/**
 * The arenas seen in the measured process beside the main one, and whether facetag's cap held:
 * glibc's limit of 2 counts the main arena, so one, or the one Node makes before any JavaScript
 * runs, and one of slack (test/e2e/malloc-arenas.test.ts asserts the same).
 */
function arenasMade(arenas: number | null): string {
  if (arenas === null) return 'n/a (no /proc)';
  return `${arenas}  (${arenas <= 2 ? 'capped' : 'not capped'})`;
}

interface Summary { photos: { processed: number; failed: number }; newFaces: number; durationMs: number; stageMedianMs: Record<string, number> }

async function index(folder: string) {
  const data = mkdtempSync(join(tmpdir(), 'facetag-bench-'));
  try {
    const run = await runMeasured([BIN, 'index', folder, '--data', data, '--json'], { FACETAG_LOG_LEVEL: 'warn' });
    return { run, summary: lastJson<Summary>(run, 'facetag index') };
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

line('load average before (1/5/15 min)', load());
line('glibc malloc arenas asked for', process.env.MALLOC_ARENA_MAX ? `MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX} (facetag keeps it)` : "none: facetag's own cap (2) applies");
const bases = await basePhotos();
const folder = await library(bases);
line('library', `${count} JPEGs of 4-12 MP (60 distinct photos) in ${folder}`);
const big = await index(folder);
const seconds = big.summary.durationMs / 1000;
line('library facetag photos/s', `${(big.summary.photos.processed / seconds).toFixed(1)}  (${big.summary.photos.processed} photos, ${big.summary.photos.failed} failed, ${big.summary.newFaces} faces, in ${seconds.toFixed(0)} s)`);
line('library facetag CPU ms/photo, all threads', big.run.cpuSeconds === null ? 'n/a (no /proc)' : (big.run.cpuSeconds * 1000 / big.summary.photos.processed).toFixed(1));
line('library facetag peak RSS MB', big.run.peakRssMb?.toFixed(0) ?? 'n/a (no /proc)');
line('library facetag malloc arenas (beside main)', arenasMade(big.run.mallocArenas));
line('load average after library (1/5/15 min)', load());

// One photo each: a 4 MP portrait, and 36 MP of two group photos side by side.
const one = mkdtempSync(join(tmpdir(), 'facetag-bench-one-'));
const group = mkdtempSync(join(tmpdir(), 'facetag-bench-group-'));
try {
  await sharp(bases[0]!).toFile(join(one, 'portrait.jpg'));
  const [left, right] = await Promise.all(['human_group-1.jpg', 'human_stock-group-1.jpg'].map((f) =>
    sharp(join(SHARED_FACES, 'groups', f)).resize(3464, 5196, { fit: 'cover' }).toBuffer()));
  await sharp({ create: { width: 6928, height: 5196, channels: 3, background: '#808080' } })
    .composite([{ input: left!, left: 0, top: 0 }, { input: right!, left: 3464, top: 0 }]).jpeg({ quality: 90 }).toFile(join(group, 'group.jpg'));
  for (const [label, dir] of [['4 MP one-face photo', one], ['36 MP group photo', group]] as const) {
    const { run, summary } = await index(dir);
    const ms = Object.values(summary.stageMedianMs).reduce((a, b) => a + b, 0);
    line(`${label} faces`, String(summary.newFaces));
    line(`${label} ms (read+decode+detect+embed+store)`, ms.toFixed(0));
    line(`${label} peak RSS MB`, run.peakRssMb?.toFixed(0) ?? 'n/a (no /proc)');
    line(`${label} malloc arenas (beside main)`, arenasMade(run.mallocArenas));
  }
} finally {
  rmSync(one, { recursive: true, force: true });
  rmSync(group, { recursive: true, force: true });
}
line('load average after (1/5/15 min)', load());
