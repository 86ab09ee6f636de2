import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clusterEnv, compareWithEmbedded, embeddedRun, killStrays, startTracked, startWorker, stopWorker, testQueue } from '../helpers/cluster.js';
import { makeFacePhotos } from '../helpers/photos.js';
import { collect, json, runFacetag } from '../helpers/cli.js';
import { requireRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { requireShared, SHARED_MODELS } from '../helpers/shared.js';
import { freePort } from '../helpers/ports.js';
import { jobId } from '../../src/queue/jobs.js';
import { modelKeys } from '../../src/vision/model-key.js';
import { DEFAULT_MODELS } from '../../src/vision/model-manifest.js';

const analysedCount = (data: string) => {
  const file = join(data, 'logs', 'worker.log');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"msg":"photo analysed"')).length : 0;
};

describe('facetag worker without a shared queue', () => {
  it('refuses the in-process queue, naming the setting that fixes it', async () => {
    const r = await runFacetag(['worker', '--data', mkdtempSync(join(tmpdir(), 'facetag-w-'))]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('queue.driver "memory" cannot serve separate worker processes; set FACETAG_QUEUE_DRIVER=bullmq');
  });
});

if (requireRedis('cluster flow')) {
  describe('cluster mode: a management process and worker processes on a real Redis', () => {
    let redis: TestRedis;
    let root: string;
    let photos: string;
    const PHOTOS = 8;
    beforeAll(async () => {
      redis = await startRedis();
      root = mkdtempSync(join(tmpdir(), 'facetag-cluster-'));
      photos = join(root, 'photos');
      mkdirSync(photos);
      await makeFacePhotos(photos, PHOTOS);
      await embeddedRun(photos, join(root, 'embedded'));
    });
    afterAll(async () => {
      killStrays();
      await redis?.stop();
    });

    it('spreads the photos over two workers; a second scheduler queueing the same photos twice changes nothing; the catalog equals an embedded run', async () => {
      const data = join(root, 'cluster');
      const env = clusterEnv(redis.url);
      const workers = [startWorker(data, env), startWorker(data, env)];
      await Promise.all(workers.map((w) => w.ready));
      const q = await testQueue(redis.url);
      try {
        // The management schedules and writes; at the same moment a second scheduler queues every photo, twice.
        const management = collect(startTracked(['index', photos, '--data', data, '--json'], env));
        const { modelKey } = modelKeys({ ...DEFAULT_MODELS, modelsDir: join(root, 'none') });
        for (let round = 0; round < 2; round++) {
          for (const name of readdirSync(photos)) {
            const key = join(photos, name);
            const sha256 = createHash('sha256').update(readFileSync(key)).digest('hex');
            const s = statSync(key);
            await q.add('analyse', jobId('analyse', sha256), { sha256, photo: { key, size: s.size, mtimeMs: s.mtimeMs }, source: { kind: 'folder', root: photos }, modelKey });
          }
        }
        const runs = [await management];
        const exits = await Promise.all(workers.map(stopWorker));
        for (const r of runs) expect(r.code, r.stderr).toBe(0);
        for (const w of exits) expect(w.code, w.stderr).toBe(0);
        expect(await q.queueCounts()).toMatchObject({ completed: PHOTOS, failed: 0, waiting: 0, active: 0 });
        for (const summary of runs.map((r) => json(r))) {
          expect(summary.photos.failed).toBe(0);
          expect(summary.photos.processed + summary.photos.skippedUnchanged).toBe(PHOTOS);
          expect(summary.faces).toBe(PHOTOS);
        }

      } finally {
        await q.close();
      }
      expect(analysedCount(data)).toBe(PHOTOS);
      expect(compareWithEmbedded(data, join(root, 'embedded'))).toEqual([]);

      // Both workers took a share.
      const perWorker = new Map<number, number>();
      for (const line of readFileSync(join(data, 'logs', 'worker.log'), 'utf8').split('\n')) {
        if (line.includes('"msg":"photo analysed"')) {
          const pid = (JSON.parse(line) as { pid: number }).pid;
          perWorker.set(pid, (perWorker.get(pid) ?? 0) + 1);
        }
      }
      expect(perWorker.size).toBe(2);

      // One writer per catalog: a second management process on the same data folder is refused.
      writeFileSync(join(data, 'writer.lock'), String(process.pid)); // this test process: alive
      const second = await runFacetag(['index', photos, '--data', data, '--json'], { env });
      expect(second.code).toBe(65);
      expect(second.stderr).toContain(`another facetag process (pid ${process.pid}) is indexing into this data folder`);
      rmSync(join(data, 'writer.lock'));

      // A second run finds nothing to do and queues nothing.
      const again = json(await runFacetag(['index', photos, '--data', data, '--json'], { env }));
      expect(again.photos).toMatchObject({ processed: 0, skippedUnchanged: PHOTOS, failed: 0 });
    });

    it('a fresh catalog against a Redis that still holds the finished analyse jobs of a first run: every photo is analysed and written again', async () => {
      const env = clusterEnv(redis.url, { FACETAG_QUEUE_PREFIX: 'fresh' });
      const worker = startWorker(join(root, 'fresh-worker'), env);
      await worker.ready;
      const first = json(await collect(startTracked(['index', photos, '--data', join(root, 'fresh-1'), '--json'], env)));
      expect(first.photos).toMatchObject({ processed: PHOTOS, failed: 0 });
      const q = await testQueue(redis.url, 'fresh');
      try {
        expect(await q.queueCounts()).toMatchObject({ completed: PHOTOS, waiting: 0 });
      } finally {
        await q.close();
      }
      // A new data folder: its catalog has none of these photos, while Redis still has their finished jobs.
      const second = json(await collect(startTracked(['index', photos, '--data', join(root, 'fresh-2'), '--json'], env)));
      await stopWorker(worker);
      expect(second.photos).toMatchObject({ processed: PHOTOS, skippedUnchanged: 0, failed: 0 });
      expect(second.faces).toBe(PHOTOS);
      expect(analysedCount(join(root, 'fresh-worker'))).toBe(PHOTOS * 2);
    });

    it('two workers on one host with the same worker.port both serve their metrics: the second takes the next free port', async () => {
      const env = clusterEnv(redis.url, { FACETAG_QUEUE_PREFIX: 'ports' });
      const base = await freePort();
      const workers = [0, 1].map(() => startWorker(join(root, 'ports'), { ...env, FACETAG_WORKER_PORT: String(base) }));
      const lines = workers.map((w) => {
        let out = '';
        w.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        return () => out;
      });
      await Promise.all(workers.map((w) => w.ready));
      const ports = lines.map((out) => Number(/metrics http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(out())?.[1]));
      expect(new Set(ports).size).toBe(2);
      expect(Math.min(...ports)).toBe(base);
      expect(Math.max(...ports)).toBeGreaterThan(base);
      for (const port of ports) expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('facetag_photos_analysed_total');
      for (const w of workers) expect((await stopWorker(w)).code).toBe(0);
    });

    it('says how many jobs it runs at once and on how many analysis threads: two jobs a thread', async () => {
      const env = clusterEnv(redis.url, { FACETAG_QUEUE_PREFIX: 'lanes', FACETAG_WORKER_PORT: '0' });
      const worker = startTracked(['worker', '--concurrency', '2', '--data', join(root, 'lanes')], env);
      let out = '';
      worker.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const done = collect(worker);
      await vi.waitUntil(() => out.includes('facetag worker:') || worker.exitCode !== null, { timeout: 60_000, interval: 100 });
      worker.kill('SIGTERM');
      expect((await done).code).toBe(0);
      expect(out).toContain('1 analysis thread, 2 jobs at once');
    });

    it('refuses a worker with other models: it exits with a clear error and the jobs wait for a right worker', async (ctx) => {
      if (!requireShared(join(SHARED_MODELS, 'face_detection_yunet_2023mar.onnx'), 'cluster model check')) return ctx.skip();
      const data = join(root, 'models');
      const some = join(root, 'some');
      mkdirSync(some);
      await makeFacePhotos(some, 3, 20);
      const env = clusterEnv(redis.url, { FACETAG_QUEUE_PREFIX: 'models' });
      const management = startTracked(['index', some, '--data', data, '--json'], env);
      const run = collect(management);
      const wrong = await (startWorker(data, { ...env, FACETAG_VISION_DETECTOR: 'yunet-2023mar', FACETAG_VISION_MODELS_DIR: SHARED_MODELS })).done;
      expect(wrong.code).toBe(65);
      expect(wrong.stderr).toMatch(/this worker has models yunet-2023mar@2023mar\+mediapipe-facemesh@1\.0\+dlib-resnet-v1-int8@1\.0 but the management expects ultraface-rfb320@1\.0\+mediapipe-facemesh@1\.0\+dlib-resnet-v1-int8@1\.0.*\[MODEL_MISMATCH\]/);
      expect(analysedCount(data)).toBe(0);

      const right = startWorker(data, env);
      const summary = json(await run);
      await stopWorker(right);
      expect(summary.photos).toMatchObject({ processed: 3, failed: 0 });
      expect(summary.faces).toBe(3);
      expect(analysedCount(data)).toBe(3);
    });
  });
}
