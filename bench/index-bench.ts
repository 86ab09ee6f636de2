// npm run bench [-- --folder DIR] [--concurrency N] [--threads N] [--detector ID]
// Indexes a folder into a fresh data dir and prints throughput, per-stage medians and peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.js';
import { analyserOptions, createContext } from '../src/context.js';
import { indexFolder } from '../src/ingest/index-folder.js';
import { poolTransport } from '../src/ingest/pool-transport.js';
import { createAnalysisPool } from '../src/vision/analysis-pool.js';
import { SHARED_FACES } from '../test/helpers/shared.js';

const { values } = parseArgs({
  options: {
    folder: { type: 'string', default: SHARED_FACES },
    concurrency: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    detector: { type: 'string' },
    'models-dir': { type: 'string' },
  },
});
const data = mkdtempSync(join(tmpdir(), 'facetag-bench-'));
const config = loadConfig({
  env: {},
  flags: {
    data: { dir: data },
    index: { concurrency: values.concurrency },
    vision: { threads: values.threads, detector: values.detector, modelsDir: values['models-dir'] },
    log: { level: 'warn' },
  },
});
const ctx = await createContext(config, 'bench', { create: true });
const t0 = performance.now();
const pool = await createAnalysisPool(analyserOptions(config), config.index.concurrency);
const loadMs = performance.now() - t0;
const summary = await indexFolder(ctx, poolTransport(ctx, pool), values.folder!);
await pool.close();
await ctx.close();
rmSync(data, { recursive: true, force: true });

const seconds = summary.durationMs / 1000;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(`folder            ${values.folder}`);
console.log(`models            ${pool.modelKey}  (loaded in ${loadMs.toFixed(0)} ms, ${pool.size} workers x ${config.vision.threads} threads)`);
console.log(`photos            ${summary.photos.processed} processed, ${summary.photos.failed} failed in ${seconds.toFixed(1)} s`);
console.log(`photos/s          ${(summary.photos.processed / seconds).toFixed(2)}`);
console.log(`faces/s           ${(summary.newFaces / seconds).toFixed(2)}  (${summary.newFaces} faces, ${summary.people} people)`);
console.log(`median ms/photo   read ${summary.stageMedianMs.read}  decode ${summary.stageMedianMs.decode}  detect ${summary.stageMedianMs.detect}  align+embed ${summary.stageMedianMs.embed}  store ${summary.stageMedianMs.store}`);
console.log(`peak RSS          ${peakRssMb.toFixed(0)} MB`);
