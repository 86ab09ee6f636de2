// npm run bench:cluster [-- --folder DIR] [--limit N] [--commits N]
// Cluster mode on this machine (a benchmark, not a test):
//  1. photos/s: the embedded all-in-one run against a management process plus 1 and 2
//     `facetag worker` processes (BullMQ on a private redis-server on 127.0.0.1);
//  2. the queue's overhead per photo (analyse + commit round trip with an empty handler) and the
//     Redis commands it costs (INFO commandstats);
//  3. the single writer's commit rate on SQLite (preparePhoto + commitPhoto, thumbnails already stored).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterParams } from '../src/cluster/cluster-params.js';
import { createVectorIndex } from '../src/cluster/create-vector-index.js';
import { loadConfig } from '../src/config/load-config.js';
import { createContext } from '../src/context.js';
import { commitPhoto, faceThumbKey, preparePhoto } from '../src/ingest/store-photo.js';
import { encodeAnalysis } from '../src/queue/analysis-codec.js';
import { createBullmqQueue } from '../src/queue/bullmq-queue.js';
import { jobId } from '../src/queue/jobs.js';
import { createMemoryQueue } from '../src/queue/memory-queue.js';
import type { JobQueue } from '../src/queue/queue.js';
import { seededRandom } from '../src/cluster/seeded-random.js';
import { collect, json, runFacetag } from '../test/helpers/cli.js';
import { clusterEnv, startTracked, startWorker, stopWorker } from '../test/helpers/cluster.js';
import { startRedis } from '../test/helpers/redis.js';
import { SHARED_FACES } from '../test/helpers/shared.js';

const { values } = parseArgs({
  options: {
    folder: { type: 'string', default: join(SHARED_FACES, 'images') },
    limit: { type: 'string', default: '80' },
    commits: { type: 'string', default: '2000' },
    'queue-jobs': { type: 'string', default: '2000' },
    /** Which parts to run, comma-separated. */
    parts: { type: 'string', default: 'throughput,queue,writer' },
  },
});
const root = mkdtempSync(join(tmpdir(), 'facetag-cluster-bench-'));
const redis = await startRedis();
const out: string[] = [];
const say = (line: string) => {
  out.push(line);
  console.log(line);
};

try {
  const parts = new Set(values.parts!.split(','));
  // --- 1. throughput --------------------------------------------------------------------
  if (parts.has('throughput')) {
  const photos = join(root, 'photos');
  mkdirSync(photos);
  const files = walk(values.folder!).slice(0, Number(values.limit));
  for (const f of files) symlinkSync(f, join(photos, relative(values.folder!, f).replaceAll('/', '_')));
  say(`## facetag cluster bench: ${files.length} photos from ${values.folder}, ${new Date().toISOString()}`);
  say('');
  say('| setup | photos/s | run s |');
  say('| --- | --- | --- |');
  const embedded = json(await runFacetag(['index', photos, '--data', join(root, 'embedded'), '--json', '--concurrency', '2']));
  say(`| all-in-one (embedded, 2 analysis threads) | ${rate(embedded)} | ${(embedded.durationMs / 1000).toFixed(1)} |`);
  for (const [label, layout] of [['management + 1 worker (--concurrency 2)', [2]], ['management + 2 workers (--concurrency 1 each)', [1, 1]]] as const) {
    const data = join(root, `cluster-${layout.length}`);
    const env = clusterEnv(redis.url, { FACETAG_QUEUE_PREFIX: `bench${layout.length}`, FACETAG_LOG_LEVEL: 'warn' });
    const workers = layout.map((c) => startWorker(data, env, c));
    await Promise.all(workers.map((w) => w.ready));
    // The management process schedules and writes; the workers analyse.
    const r = await collect(startTracked(['index', photos, '--data', data, '--json'], env));
    for (const w of workers) await stopWorker(w);
    const summary = json(r);
    say(`| ${label} | ${rate(summary)} | ${(summary.durationMs / 1000).toFixed(1)} |`);
  }
  say('');
  }

  // --- 2. queue overhead ----------------------------------------------------------------
  if (parts.has('queue')) {
  const n = Number(values['queue-jobs']);
  const sample = fakeAnalysis(seededRandom(1), 2);
  say(`Queue round trip per photo (analyse job → commit job, empty handlers, ${n} photos, 2 faces each):`);
  say('');
  say('| queue | ms per photo (wall) | Redis commands per photo |');
  say('| --- | --- | --- |');
  const memory = await roundTrip(createMemoryQueue({ attempts: 3, backoffMs: 100 }), n, sample);
  say(`| memory | ${memory.msPerPhoto.toFixed(3)} | 0 |`);
  const before = await commandCount(redis.port);
  const bull = await roundTrip(await createBullmqQueue({ redisUrl: redis.url, prefix: 'overhead', attempts: 3, backoffMs: 100, lockMs: 30_000, log: { warn: () => undefined } }), n, sample);
  const after = await commandCount(redis.port);
  say(`| bullmq (Redis 127.0.0.1) | ${bull.msPerPhoto.toFixed(3)} | ${((after - before) / n).toFixed(1)} |`);
  say(`commit payload: ${sample.bytes} bytes of JSON for 2 faces (512-d embeddings as base64 float32)`);
  say('');
  }

  // --- 3. single writer -----------------------------------------------------------------
  if (parts.has('writer')) {
  const commits = Number(values.commits);
  const w = await writerRate(join(root, 'writer'), commits);
  say(`Single writer on SQLite (preparePhoto + commitPhoto, 2 faces per photo, clustering on):`);
  say('');
  say('| photos already in the catalog | photos/s | ms per photo |');
  say('| --- | --- | --- |');
  for (const s of w) say(`| ${s.from}–${s.to} | ${(1000 / s.msPerPhoto).toFixed(0)} | ${s.msPerPhoto.toFixed(2)} |`);
  }
} finally {
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
}

function rate(s: { photos: { processed: number; failed: number }; durationMs: number }) {
  return ((s.photos.processed + s.photos.failed) / (s.durationMs / 1000)).toFixed(2);
}

function walk(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) found.push(...walk(p));
    else if (/\.(jpe?g|png|webp|heic|tiff?|avif)$/i.test(name)) found.push(p);
  }
  return found;
}

function fakeAnalysis(random: () => number, faces: number) {
  const embedding = () => {
    const v = new Float32Array(512).map(() => random() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const analysis = {
    meta: { width: 1600, height: 1200, format: 'jpeg', orientation: 1, takenAt: null, gps: null },
    faces: Array.from({ length: faces }, (_, i) => ({
      box: { x: 100 + i * 300, y: 200, w: 160, h: 160 },
      landmarks: [[150, 250], [210, 250], [180, 280], [160, 310], [200, 310]] as Array<[number, number]>,
      detScore: 0.95, faceness: 1, quality: { quality: 0.8, size: 1, sharpness: 0.9, pose: 0.9, yaw: 0 }, embedding: embedding(),
      thumbnail: new Uint8Array(0),
    })),
    dropped: 0, notFaces: 0, timings: { decodeMs: 10, detectMs: 100, embedMs: 30 },
  };
  const encoded = encodeAnalysis(analysis, analysis.faces.map((_, i) => `faces/xx/bench-${i}.jpg`), 'bench@1+bench@1');
  return { analysis, encoded, bytes: JSON.stringify(encoded).length };
}

async function roundTrip(queue: JobQueue, n: number, sample: ReturnType<typeof fakeAnalysis>) {
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const source = { kind: 'folder' as const, root: '/bench' };
  const analyse = queue.work('analyse', async (p) => {
    await queue.add('commit', jobId('commit', p.sha256), { sha256: p.sha256, photo: p.photo, source: p.source, result: { outcome: 'done', analysis: sample.encoded } }, { removeWhenDone: true });
  }, { concurrency: 4 });
  const commit = queue.work('commit', async () => {
    if (++done === n) finish();
  }, { concurrency: 4 });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const sha256 = createHash('sha256').update(`photo ${i} ${queue.driver}`).digest('hex');
    await queue.add('analyse', jobId('analyse', sha256), { sha256, photo: { key: `/bench/${i}.jpg`, size: 1, mtimeMs: 1 }, source, modelKey: 'bench@1+bench@1' });
  }
  await all;
  const ms = performance.now() - t0;
  await analyse.close();
  await commit.close();
  await queue.close();
  return { msPerPhoto: ms / n };
}

/** Total commands Redis has run so far (INFO commandstats), over a raw socket: no client library needed. */
function commandCount(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.on('data', (d) => {
      text += d.toString();
      const m = /^\$(\d+)\r\n/.exec(text);
      if (m && text.length >= m[0].length + Number(m[1])) {
        s.end();
        let total = 0;
        for (const line of text.split('\r\n')) {
          const c = /^cmdstat_[^:]+:calls=(\d+)/.exec(line);
          if (c) total += Number(c[1]);
        }
        resolve(total);
      }
    });
    s.on('error', reject);
    s.write('INFO commandstats\r\n');
  });
}

async function writerRate(dir: string, n: number) {
  const config = loadConfig({ env: {}, flags: { data: { dir }, log: { level: 'warn' } } });
  const ctx = await createContext(config, 'bench', { create: true });
  const random = seededRandom(7);
  const index = createVectorIndex(512);
  const params = clusterParams(config);
  const analyser = { modelKey: 'bench@1+bench@1', embedderId: 'bench@1', analyse: () => Promise.reject(new Error('not used')) };
  const slices: Array<{ from: number; to: number; msPerPhoto: number }> = [];
  const step = Math.max(1, Math.floor(n / 4));
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const { analysis } = fakeAnalysis(random, 2);
    const sha256 = createHash('sha256').update(`writer ${i}`).digest('hex');
    const faces = analysis.faces.map((f, k) => ({ ...f, thumbKey: faceThumbKey(sha256, k) }));
    const prepared = await preparePhoto(ctx, analyser, {
      key: `/bench/${i}.jpg`, size: 1, mtimeMs: 1, sha256, bytes: Buffer.from('no xmp here'), analysis: { ...analysis, faces }, existing: null,
    });
    await commitPhoto(ctx, index, params, prepared);
    if ((i + 1) % step === 0) {
      const now = performance.now();
      slices.push({ from: i + 1 - step, to: i + 1, msPerPhoto: (now - t0) / step });
      t0 = now;
    }
  }
  await ctx.close();
  return slices;
}
