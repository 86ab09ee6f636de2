// npm run bench:cluster [-- --folder DIR] [--limit N] [--catalogs sqlite,neo4j] [--env 'KEY=VALUE;...'] [--queue-jobs N] [--parts throughput,queue]
// Cluster mode on this one machine, every part real and on loopback (a benchmark, not a test):
//  1. photos/s: the embedded run (`facetag index DIR`, SQLite, 2 analysis threads) against the
//     cluster: photos uploaded to an S3 bucket (Ceph RGW), a management process
//     (`facetag index --source s3://incoming`, BullMQ on a private Redis) and 2 `facetag worker`
//     processes (`--concurrency 2` each: one analysis thread with two jobs, as the embedded run
//     has two photos on each of its 2 threads; `--worker-concurrency N` to try others), crops in S3, the
//     catalog on SQLite or on Neo4j (run as docs/INSTALLATION.md tells an operator:
//     bench/operator-neo4j.ts). Same photos throughout;
//     the ratio to the embedded run is printed with the load average. Neo4j first serves an
//     untimed run of 20 photos (`--warm-up N`; then emptied), as a library's server is warm.
//  2. the queue's overhead per photo (analyse + commit round trip with an empty handler) and the
//     Redis commands it costs (INFO commandstats).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { openNeo4jCatalog } from '../src/catalog/neo4j-catalog.js';
import { loadConfig } from '../src/config/load-config.js';
import { findModel } from '../src/vision/model-manifest.js';
import { encodeAnalysis } from '../src/queue/analysis-codec.js';
import { createBullmqQueue } from '../src/queue/bullmq-queue.js';
import { jobId } from '../src/queue/jobs.js';
import { createMemoryQueue } from '../src/queue/memory-queue.js';
import type { JobQueue } from '../src/queue/queue.js';
import { createS3BlobStore, ensureBuckets } from '../src/storage/s3-blob-store.js';
import { seededRandom } from '../src/clustering/seeded-random.js';
import { collect, json, runFacetag } from '../test/helpers/cli.js';
import { clusterEnv, startTracked, startWorker, stopWorker } from '../test/helpers/cluster.js';
import type { Neo4jServer } from '../test/helpers/neo4j.js';
import { startRedis } from '../test/helpers/redis.js';
import { s3Env, startS3, uniqueBucket, type S3Server } from '../test/helpers/s3.js';
import { SHARED_FACES } from '../test/helpers/shared.js';
import { startOperatorNeo4j } from './operator-neo4j.js';

const { values } = parseArgs({
  options: {
    folder: { type: 'string', default: join(SHARED_FACES, 'images') },
    limit: { type: 'string', default: '177' },
    catalogs: { type: 'string', default: 'sqlite,neo4j' },
    workers: { type: 'string', default: '2' },
    /** Jobs at once on each worker (`facetag worker --concurrency`; its threads are min(this, cores)). */
    'worker-concurrency': { type: 'string', default: '2' },
    'warm-up': { type: 'string', default: '20' },
    /** Keep the bench's folder (data folders, logs) and print where it is. */
    keep: { type: 'boolean', default: false },
    /** More FACETAG_* settings for the cluster's processes, `KEY=VALUE;KEY=VALUE` (to try one). */
    env: { type: 'string', default: '' },
    'queue-jobs': { type: 'string', default: '2000' },
    /** Which parts to run, comma-separated. */
    parts: { type: 'string', default: 'throughput,queue' },
  },
});
const root = mkdtempSync(join(tmpdir(), 'facetag-cluster-bench-'));
const redis = await startRedis();
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const say = (line: string) => console.log(line);
let s3: S3Server | null = null;
let neo4j: Neo4jServer | null = null;

try {
  const parts = new Set(values.parts!.split(','));
  // --- 1. throughput --------------------------------------------------------------------
  if (parts.has('throughput')) {
    const photos = join(root, 'photos');
    mkdirSync(photos);
    const files = walk(values.folder!).slice(0, Number(values.limit));
    const keys = files.map((f) => relative(values.folder!, f).replaceAll('/', '_'));
    files.forEach((f, i) => symlinkSync(f, join(photos, keys[i]!)));
    say(`## facetag cluster bench: ${files.length} photos from ${values.folder}, ${new Date().toISOString()}`);
    say('');
    say('| setup | photos/s | run s | x embedded | load average (1, 5, 15 min) at the end |');
    say('| --- | --- | --- | --- | --- |');
    const embedded = json(await runFacetag(['index', photos, '--data', join(root, 'embedded'), '--json', '--concurrency', '2']));
    const base = rate(embedded);
    say(`| embedded (\`facetag index\`, SQLite, 2 analysis threads) | ${base.toFixed(2)} | ${(embedded.durationMs / 1000).toFixed(1)} | 1.00 | ${load()} |`);
    say(`|   (median ms per photo: read + hash ${embedded.stageMedianMs.read}, from result to written ${embedded.stageMedianMs.store}) | | | | |`);

    s3 = await startS3();
    const catalogs = values.catalogs!.split(',');
    if (catalogs.includes('neo4j')) neo4j = await startOperatorNeo4j(() => undefined);
    const workers = Number(values.workers);
    const workerConcurrency = Number(values['worker-concurrency']);
    /** One cluster run of `some` photos on a fresh set of buckets and a fresh data folder; its summary. */
    const clusterRun = async (catalog: string, some: number, label: string) => {
      const buckets = { incoming: uniqueBucket('incoming'), processed: uniqueBucket('processed'), crops: uniqueBucket('crops') };
      const data = join(root, `cluster-${catalog}-${label}`);
      const env = clusterEnv(redis.url, {
        ...s3Env(s3!, buckets), FACETAG_QUEUE_PREFIX: `bench-${catalog}-${label}`, FACETAG_LOG_LEVEL: 'warn',
        ...Object.fromEntries(values.env!.split(';').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
        ...(catalog === 'neo4j' ? { FACETAG_CATALOG_DRIVER: 'neo4j', FACETAG_CATALOG_NEO4J_URL: neo4j!.url, FACETAG_CATALOG_NEO4J_PASSWORD: neo4j!.password } : {}),
      });
      const settings = loadConfig({ env }).storage;
      await ensureBuckets(settings, Object.values(buckets));
      const incoming = createS3BlobStore(settings, buckets.incoming);
      for (const [i, f] of files.slice(0, some).entries()) await incoming.put(keys[i]!, readFileSync(f), 'image/jpeg');
      await incoming.close();
      const started = Array.from({ length: workers }, () => startWorker(data, env, workerConcurrency));
      await Promise.all(started.map((w) => w.ready));
      // The management lists the bucket, hashes, queues and writes; the workers read, analyse and store crops.
      // CPU seconds each part used during the run: on one machine they all share its cores.
      const servers = {
        redis: pidsOf(`redis-server.*:${redis.port}`), neo4j: catalog === 'neo4j' ? pidsOf(neo4j!.dataDir) : [],
        // The S3 server: radosgw and the Ceph monitor and OSD behind it.
        s3: pidsOf(`${s3!.dir}/ceph.conf`),
      };
      const workersBefore = started.map((w) => cpuSeconds([w.child.pid!]));
      const serversBefore = Object.fromEntries(Object.entries(servers).map(([k, p]) => [k, cpuSeconds(p)]));
      const management = startTracked(['index', '--source', `s3://${buckets.incoming}`, '--data', data, '--json'], env);
      let managementCpu = 0;
      const sampling = setInterval(() => (managementCpu = Math.max(managementCpu, cpuSeconds([management.pid!]))), 200);
      const r = await collect(management);
      clearInterval(sampling);
      const cpu = {
        management: managementCpu,
        workers: started.reduce((sum, w, i) => sum + cpuSeconds([w.child.pid!]) - workersBefore[i]!, 0),
        ...Object.fromEntries(Object.entries(servers).map(([k, p]) => [k, cpuSeconds(p) - serversBefore[k]!])),
      };
      for (const w of started) await stopWorker(w);
      return { ...json(r), cpu };
    };
    for (const catalog of catalogs) {
      if (catalog === 'neo4j') {
        // A Neo4j that has served before, as a library's server has: its JIT and query plans warm.
        await clusterRun(catalog, Math.min(Number(values['warm-up']), files.length), 'warm-up');
        const c = await openNeo4jCatalog({ url: neo4j!.url, user: neo4j!.user, password: neo4j!.password });
        await c.run('MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n');
        await c.close();
      }
      const summary = await clusterRun(catalog, files.length, 'timed');
      if (summary.photos.processed !== embedded.photos.processed) throw new Error(`the cluster run wrote ${summary.photos.processed} photos, the embedded one ${embedded.photos.processed}`);
      say(`| management + ${workers} workers (\`--concurrency ${workerConcurrency}\` each), BullMQ, S3 (Ceph RGW), ${catalog} catalog | ${rate(summary).toFixed(2)} | ${(summary.durationMs / 1000).toFixed(1)} | ${(rate(summary) / base).toFixed(2)} | ${load()} |`);
      say(`|   (median ms per photo on the management: read + hash ${summary.stageMedianMs.read}, from result to written ${summary.stageMedianMs.store}; CPU s: ${Object.entries(summary.cpu as Record<string, number>).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}) | | | | |`);
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
    say(`commit payload: ${sample.bytes} bytes of JSON for 2 faces (${sample.analysis.faces[0]!.embedding.length}-d embeddings as base64 float32)`);
    say('');
  }
} finally {
  await Promise.all([redis.stop(), s3?.stop(), neo4j?.stop()]);
  if (values.keep) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}

/** Pids of the processes whose command line matches `pattern` (pgrep -f). */
function pidsOf(pattern: string): number[] {
  const r = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number).filter((p) => p !== process.pid);
}

/** User + system CPU seconds the processes have used so far (/proc/<pid>/stat; 0 for one gone). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

function rate(s: { photos: { processed: number; failed: number }; durationMs: number }) {
  return (s.photos.processed + s.photos.failed) / (s.durationMs / 1000);
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
    const v = new Float32Array(findModel(loadConfig({ env: {} }).vision.embedder)?.dimensions ?? 512).map(() => random() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const analysis = {
    modelKey: 'bench@1+bench@1',
    meta: { width: 1600, height: 1200, format: 'jpeg', orientation: 1, takenAt: null, gps: null },
    faces: Array.from({ length: faces }, (_, i) => ({
      box: { x: 100 + i * 300, y: 200, w: 160, h: 160 },
      landmarks: [[150, 250], [210, 250], [180, 280], [160, 310], [200, 310]] as Array<[number, number]>,
      detScore: 0.95, faceness: 1, quality: { quality: 0.8, size: 1, sharpness: 0.9, pose: 0.9, yaw: 0 }, embedding: embedding(),
      thumbKey: `faces/xx/bench-${i}.jpg`,
    })),
    dropped: 0, notFaces: 0, timings: { decodeMs: 10, detectMs: 100, embedMs: 30 }, xmp: { regions: [], personKeywords: [], keywords: [], problems: [] },
  };
  const encoded = encodeAnalysis(analysis);
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
