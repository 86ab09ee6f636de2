// npm run bench [-- --count 150] [--concurrency N] [--no-human] [--folder DIR] [--runs N]
//
// Indexing speed, whole processes one after the other in one run, so that the ratios hold on a
// loaded machine:
// - the 4 MP set (150 JPEGs of 2304x1728, quality 90, made from ../shared/faces/images at run
//   time): the decode floor (sharp alone decoding each photo to RGB <= 1600 px, two at a time)
//   and `facetag index` on the same folder (embedded, a fresh data folder);
// - the public set (../shared/faces/images, 177 photos, mostly under 1 MP): @vladmandic/human
//   (bench/human-runner.ts) and `facetag index`.
// photos/s are counted from the first photo to the last, models loaded (facetag's index run,
// Human's detect loop, the floor's decode loop); the whole-process time, loading included, is
// printed beside them. CPU ms/photo (all threads; facetag's less what the same command spends
// on an empty folder) and cores used do not depend on how loaded the machine is the way
// photos/s do. One line per figure, with the load average before and after. On a shared machine
// one run's CPU ms/photo still moves by up to 10%: `--runs N` indexes the 4 MP set N times,
// prints every run's CPU ms/photo and reports the run with the median one.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SHARED_FACES } from '../test/helpers/shared.js';
import { lastJson, runMeasured, type ProcessRun } from './measured-process.js';
import { fourMegapixelSet } from './photo-sets.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '150' },
    concurrency: { type: 'string' },
    'no-human': { type: 'boolean' },
    folder: { type: 'string' },
    runs: { type: 'string', default: '1' },
  },
});
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const BIN = here('../bin/facetag.js');
const TSX = ['--import', 'tsx'];

interface IndexSummary {
  photos: { processed: number; failed: number };
  newFaces: number;
  durationMs: number;
  stageMedianMs: Record<'read' | 'decode' | 'detect' | 'embed' | 'store', number>;
}
interface LoopResult { photos: number; seconds: number; photosPerSecond: number; faces?: number; cpuMsPerPhoto?: number }

const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');
const f1 = (n: number) => n.toFixed(1);

let startupCpuSeconds: number | null = null;

async function facetagIndex(folder: string): Promise<{ run: ProcessRun; summary: IndexSummary }> {
  const data = mkdtempSync(join(tmpdir(), 'facetag-bench-'));
  try {
    const run = await runMeasured([BIN, 'index', folder, '--data', data, '--json', ...(values.concurrency ? ['--concurrency', values.concurrency] : [])], { FACETAG_LOG_LEVEL: 'warn' });
    return { run, summary: lastJson<IndexSummary>(run, 'facetag index') };
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

function printIndex(prefix: string, { run, summary }: { run: ProcessRun; summary: IndexSummary }) {
  const seconds = summary.durationMs / 1000;
  const photos = summary.photos.processed;
  line(`${prefix} facetag photos/s`, `${f1(summary.photos.processed / seconds)}  (${summary.photos.processed} photos, ${summary.photos.failed} failed, in ${f1(seconds)} s)`);
  line(`${prefix} facetag faces/s`, `${f1(summary.newFaces / seconds)}  (${summary.newFaces} faces)`);
  line(`${prefix} facetag whole-process photos/s`, `${f1(summary.photos.processed / run.wallSeconds)}  (${f1(run.wallSeconds)} s, models and start-up included)`);
  for (const [stage, ms] of Object.entries(summary.stageMedianMs)) line(`${prefix} facetag median ms/photo ${stage}`, f1(ms));
  line(`${prefix} facetag peak RSS MB`, run.peakRssMb === null ? 'n/a (no /proc)' : run.peakRssMb.toFixed(0));
  if (run.cpuSeconds !== null && startupCpuSeconds !== null) {
    const cpu = run.cpuSeconds - startupCpuSeconds;
    line(`${prefix} facetag CPU ms/photo`, `${f1((1000 * cpu) / photos)}  (all threads, start-up left out)`);
    line(`${prefix} facetag cores used`, `${(cpu / seconds).toFixed(2)}  (of ${availableParallelism()})`);
  }
  return photos / seconds;
}

line('load average before (1/5/15 min)', load());
{
  // What start-up, model loading and shutting down cost, to leave out of CPU ms/photo.
  const empty = mkdtempSync(join(tmpdir(), 'facetag-bench-empty-'));
  startupCpuSeconds = (await facetagIndex(empty)).run.cpuSeconds;
  rmSync(empty, { recursive: true, force: true });
}
const set = values.folder ?? await fourMegapixelSet(SHARED_FACES, Number(values.count));
line('4 MP set', `${set}`);
const floor = lastJson<LoopResult>(await runMeasured([...TSX, here('./decode-floor.ts'), set]), 'decode floor');
line('4mp decode floor photos/s', `${f1(floor.photosPerSecond)}  (sharp, RGB <= 1600 px, 2 at a time)`);
line('4mp decode floor CPU ms/photo', f1(floor.cpuMsPerPhoto!));
line('4mp decode floor cores used', ((floor.cpuMsPerPhoto! * floor.photosPerSecond) / 1000).toFixed(2));
const runs: Array<Awaited<ReturnType<typeof facetagIndex>>> = [];
for (let i = 0; i < Math.max(1, Number(values.runs)); i++) runs.push(await facetagIndex(set));
const cpuPerPhoto = (r: (typeof runs)[number]) => ((r.run.cpuSeconds ?? 0) - (startupCpuSeconds ?? 0)) / r.summary.photos.processed;
runs.sort((a, b) => cpuPerPhoto(a) - cpuPerPhoto(b));
if (runs.length > 1) line('4mp facetag CPU ms/photo, each run', runs.map((r) => f1(1000 * cpuPerPhoto(r))).join(', ') + '  (the median run reported below)');
const ours = printIndex('4mp', runs[Math.floor((runs.length - 1) / 2)]!);
line('4mp facetag / decode floor', (ours / floor.photosPerSecond).toFixed(2));

if (!values['no-human']) {
  const publicSet = join(SHARED_FACES, 'images');
  const human = lastJson<LoopResult>(await runMeasured([...TSX, here('./human-runner.ts'), publicSet]), '@vladmandic/human');
  line('public @vladmandic/human photos/s', `${f1(human.photosPerSecond)}  (${human.photos} photos, ${human.faces} faces, WebAssembly SIMD backend)`);
  line('public @vladmandic/human CPU ms/photo', f1(human.cpuMsPerPhoto!));
  const mine = printIndex('public', await facetagIndex(publicSet));
  line('public facetag / human', (mine / human.photosPerSecond).toFixed(1));
}
line('load average after (1/5/15 min)', load());
