// npm run bench:recluster [-- --faces 100000] [--page 5000] [--seed 1]
// `facetag people recluster`'s read of the faces, on a real SQLite catalog of ArcFace-like 512-d
// faces: whole (one allFaceVectors, then packed: how it read them before) and a page at a time
// straight into the float16 face table (how it reads them now), each in a child process of its
// own so its peak RSS is its own; then the whole re-cluster (dry run) as the command runs it.
// Prints "peak RSS <mode>: N MB" with the load average.
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { NewFace } from '../src/catalog/catalog.js';
import { openSqliteCatalog } from '../src/catalog/sqlite-catalog.js';
import { facePages, packFacePages, packFaces } from '../src/clustering/face-table.js';
import { recluster } from '../src/clustering/recluster.js';
import { ARCFACE_512, syntheticFaces } from './synthetic-faces.js';

const { values } = parseArgs({
  options: {
    faces: { type: 'string', default: '100000' },
    page: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    /** Internal: run one mode in this (child) process and print its figures as JSON. */
    mode: { type: 'string' },
    catalog: { type: 'string' },
  },
});
const n = Number(values.faces);
const pageSize = Number(values.page);
const seed = Number(values.seed);
if (!Number.isInteger(n) || n < 100) throw new Error(`--faces ${values.faces}: use a whole number of at least 100`);
if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`--page ${values.page}: use a whole number of at least 1`);
const MODEL = 'bench-arcface@1';
const DIMS = 512;
const params = { maxDistance: 0.5, minFaces: 3, k: 16, minSeedQuality: 0.3 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mb = (bytes: number) => bytes / 2 ** 20;
const peakMb = () => process.resourceUsage().maxRSS / 1024;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

interface Figures { seconds: number; peakMb: number; baseMb: number; faces: number }

/** One mode, here: the catalog opened, then the faces read (and, for `recluster`, clustered). */
async function runMode(mode: string, file: string): Promise<Figures> {
  const catalog = openSqliteCatalog(file);
  gc();
  const baseMb = mb(process.memoryUsage().rss);
  const t = performance.now();
  let faces: number;
  if (mode === 'whole') faces = packFaces(await catalog.allFaceVectors(MODEL)).count;
  else if (mode === 'pages') {
    faces = (await packFacePages(facePages(catalog, MODEL, pageSize))).count;
  } else if (mode === 'recluster') faces = (await recluster({ catalog }, MODEL, params, { dryRun: true, pageSize })).faces;
  else throw new Error(`--mode ${mode}: use whole, pages or recluster`);
  const seconds = (performance.now() - t) / 1000;
  await catalog.close();
  return { seconds, peakMb: peakMb(), baseMb, faces };
}

function inChild(mode: string, file: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = fork(process.argv[1]!, ['--mode', mode, '--catalog', file, '--page', String(pageSize)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Figures) : reject(new Error(`${mode} child exited ${code}`))));
  });
}

/** The catalog of `n` synthetic faces, 10 a photo, made once per size and seed and kept in the temp folder. */
async function ensureCatalog(): Promise<string> {
  const dir = join(tmpdir(), 'facetag-recluster-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `faces-${n}-${DIMS}-s${seed}.sqlite`);
  if (existsSync(file)) return file;
  const building = `${file}.part`;
  const catalog = openSqliteCatalog(building);
  const lib = syntheticFaces(n, { seed, dimensions: DIMS, scale: ARCFACE_512 });
  const t = performance.now();
  for (let i = 0; i < n; i += 10) {
    const faces: NewFace[] = [];
    for (let s = i; s < Math.min(n, i + 10); s++) {
      faces.push({ box: { x: (s - i) * 60, y: 0, w: 50, h: 50 }, landmarks: [[0, 0], [1, 0], [0.5, 0.5], [0, 1], [1, 1]], detScore: 0.9, quality: 0.8, embedding: lib.vector(s), model: MODEL, thumbKey: null });
    }
    await catalog.savePhoto({ path: `/bench/${i}.jpg`, sha256: `b${i}`, size: 1, mtimeMs: 1, width: 1000, height: 100, takenAt: null, gps: null, model: 'bench', faces });
  }
  await catalog.close();
  renameSync(building, file);
  console.log(`catalog of ${n} faces written in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return file;
}

if (values.mode) {
  process.stdout.write(JSON.stringify(await runMode(values.mode, values.catalog!)));
} else {
  const file = await ensureCatalog();
  console.log(`${n} faces, ${DIMS}-d, SQLite catalog, pages of ${pageSize}`);
  for (const mode of ['whole', 'pages', 'recluster']) {
    const before = load();
    const f = await inChild(mode, file);
    console.log(`peak RSS ${mode}: ${f.peakMb.toFixed(0)} MB (${f.baseMb.toFixed(0)} MB before reading; ${f.faces} faces in ${f.seconds.toFixed(1)} s; load average ${before} -> ${load()})`);
  }
}
