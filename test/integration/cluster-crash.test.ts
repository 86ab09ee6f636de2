import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobId } from '../../src/queue/jobs.js';
import type { JobQueue } from '../../src/queue/queue.js';
import { clusterEnv, killStrays, startTracked, startWorker, stopWorker, testQueue, until, type WorkerProcess } from '../helpers/cluster.js';
import { collect, json } from '../helpers/cli.js';
import { fixture, makeFacePhotos } from '../helpers/photos.js';
import { requireRedis, startRedis, type TestRedis } from '../helpers/redis.js';

/**
 * A photo on which the worker process dies every time (here: SIGKILLed while it analyses that
 * photo, as an out-of-memory kill would). BullMQ sees the lost lock, gives the job to the next
 * worker, and after `maxStalledCount` such losses fails it with its own reason; the management
 * records that as WORKER_CRASHED on the photo, and the rest of the run completes.
 */
describe.runIf(requireRedis('cluster mode: a photo that kills its worker every time'))('cluster mode: a photo that kills its worker every time', () => {
  let redis: TestRedis;
  let q: JobQueue;
  beforeAll(async () => {
    redis = await startRedis();
    q = await testQueue(redis.url);
  });
  afterAll(async () => {
    killStrays();
    await q?.close();
    await redis?.stop();
  });

  it('ends in the failed list with WORKER_CRASHED after the stalled limit; the other photos are written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-crash-'));
    const photos = join(root, 'photos');
    mkdirSync(photos);
    await makeFacePhotos(photos, 2);
    // Large enough that its analysis takes seconds: the worker is reliably killed in the middle of it.
    await sharp(fixture('astronaut.jpg')).resize(6000).jpeg({ quality: 90 }).toFile(join(photos, 'crasher.jpg'));
    const sha = createHash('sha256').update(readFileSync(join(photos, 'crasher.jpg'))).digest('hex');
    const env = clusterEnv(redis.url);
    const data = join(root, 'management');
    /** Whether a worker holds the crasher's job lock (the key BullMQ keeps while a worker runs a job). */
    const redisCli = (...args: string[]) => spawnSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8' }).stdout.trim();
    const locked = () => redisCli('--scan', '--pattern', `*:analyse-${sha}:lock`) !== '';
    const jobKey = () => redisCli('--scan', '--pattern', `*:analyse-${sha}`);
    const management = collect(startTracked(['index', photos, '--data', data, '--json'], env));

    let kills = 0;
    let worker: WorkerProcess | null = null;
    for (let round = 0; round < 8; round++) {
      worker = startWorker(join(root, `worker-${round}`), env);
      await worker.ready;
      // Either this worker takes the crasher's job (active, under a lock) and is killed on it, or BullMQ has failed it.
      const state = await until('the crasher job taken or failed', async () => {
        const s = (await q.status('analyse', jobId('analyse', sha))).state;
        return s === 'active' && !locked() ? 'active, lock gone' : s;
      }, (s) => s === 'active' || s === 'failed', 60_000);
      if (state === 'failed') break;
      // After the last allowed loss BullMQ marks the job (field `defa`) to fail when next taken,
      // without running it: that one is not killed, it fails by itself.
      if (redisCli('HEXISTS', jobKey(), 'defa') === '1') {
        await until('the marked job to fail', async () => (await q.status('analyse', jobId('analyse', sha))).state, (s) => s === 'failed', 30_000);
        break;
      }
      worker.child.kill('SIGKILL');
      await worker.done;
      worker = null;
      kills++;
      // The dead worker's lock expires after queue.lockMs; only then can a worker take the job again.
      await until('the dead worker\'s lock to expire', () => locked(), (l) => !l, 30_000);
    }
    const status = await q.status('analyse', jobId('analyse', sha));
    expect(status.state).toBe('failed');
    expect(status.failedReason).toMatch(/stalled more than allowable limit/);
    // maxStalledCount is 2: the job fails on the third loss, or, when a worker takes the job
    // before BullMQ's stall check has marked it, on the next one: bounded either way.
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(kills).toBeLessThanOrEqual(4);

    const r = await management;
    expect(r.code, r.stderr).toBe(0);
    const summary = json<{ photos: { seen: number; processed: number; failed: number }; failures: Array<{ file: string; code: string; message: string }> }>(r);
    expect(summary.photos).toMatchObject({ seen: 3, processed: 2, failed: 1 });
    expect(summary.failures).toEqual([expect.objectContaining({ file: 'crasher.jpg', code: 'WORKER_CRASHED', message: expect.stringMatching(/stopped .* on every attempt/) })]);
    if (worker) await stopWorker(worker);
  }, 240_000);
});
