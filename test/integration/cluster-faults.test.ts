import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { clusterEnv, compareWithEmbedded, embeddedRun, killStrays, startTracked, startWorker, stopWorker, testQueue, until } from '../helpers/cluster.js';
import { makeFacePhotos } from '../helpers/photos.js';
import { collect, json, runFacetag } from '../helpers/cli.js';
import { processedSoFar } from '../helpers/catalog-rows.js';
import { requireRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { jobId } from '../../src/queue/jobs.js';

const analysedBy = (data: string) => {
  const perPid = new Map<number, number>();
  for (const line of readFileSync(join(data, 'logs', 'worker.log'), 'utf8').split('\n')) {
    if (line.includes('"msg":"photo analysed"')) {
      const pid = (JSON.parse(line) as { pid: number }).pid;
      perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
    }
  }
  return perPid;
};

if (requireRedis('cluster faults')) {
  describe('cluster mode survives faults (real worker processes, a real Redis with an append-only file)', () => {
    let redis: TestRedis;
    let root: string;
    beforeAll(async () => {
      redis = await startRedis({ persist: true });
      root = mkdtempSync(join(tmpdir(), 'facetag-faults-'));
    });
    afterAll(async () => {
      killStrays();
      await redis?.stop();
    });

    /** A folder of `n` face photos and its embedded reference run. */
    async function library(name: string, n: number, first: number, width = 320) {
      const photos = join(root, name, 'photos');
      mkdirSync(photos, { recursive: true });
      await makeFacePhotos(photos, n, first, width);
      await embeddedRun(photos, join(root, name, 'embedded'));
      return { photos, data: join(root, name, 'cluster'), embedded: join(root, name, 'embedded'), env: clusterEnv(redis.url, { FACETAG_QUEUE_PREFIX: name }) };
    }

    it('a worker SIGKILLed mid-job: its job goes to another worker and every photo is written once, as in an embedded run', async () => {
      const lib = await library('kill', 6, 30, 900);
      const q = await testQueue(redis.url, 'kill');
      try {
        const first = startWorker(lib.data, lib.env);
        await first.ready;
        const run = collect(startTracked(['index', lib.photos, '--data', lib.data, '--json'], lib.env));
        await until('a job in flight on the first worker', () => q.queueCounts(), (c) => (c.active ?? 0) >= 1 && (c.completed ?? 0) >= 1);
        first.child.kill('SIGKILL');
        expect((await first.done).signal).toBe('SIGKILL');
        expect((await q.queueCounts()).active).toBe(1);
        const second = startWorker(lib.data, lib.env);
        const summary = json(await run);
        await stopWorker(second);
        expect(summary.photos).toMatchObject({ processed: 6, failed: 0 });
        expect(compareWithEmbedded(lib.data, lib.embedded)).toEqual([]);
        expect(await q.queueCounts()).toMatchObject({ completed: 6, active: 0, failed: 0 });
        expect(analysedBy(lib.data).get(second.child.pid!)).toBeGreaterThanOrEqual(1);
      } finally {
        await q.close();
      }
    });

    it('the management SIGKILLed mid-run: the next run takes over its lock and the results left in the queue, and writes every photo once, as in an embedded run', async () => {
      const lib = await library('management', 8, 80, 700);
      const worker = startWorker(lib.data, lib.env);
      await worker.ready;
      const first = startTracked(['index', lib.photos, '--data', lib.data, '--json'], lib.env);
      const killed = collect(first);
      await until('two photos written', () => processedSoFar(join(lib.data, 'catalog.sqlite')), (n) => n >= 2);
      first.kill('SIGKILL');
      expect((await killed).signal).toBe('SIGKILL');
      const before = processedSoFar(join(lib.data, 'catalog.sqlite'));
      expect(before).toBeLessThan(8);
      // The worker went on analysing: those results wait in Redis for the next writer.
      const second = await collect(startTracked(['index', lib.photos, '--data', lib.data, '--json'], lib.env));
      await stopWorker(worker);
      expect(second.code, second.stderr).toBe(0);
      const summary = json(second);
      expect(summary.photos.failed).toBe(0);
      expect(summary.photos.processed + summary.photos.skippedUnchanged).toBe(8);
      expect(summary.faces).toBe(8);
      expect(compareWithEmbedded(lib.data, lib.embedded)).toEqual([]);
    });

    it('Redis restarted mid-run: the workers and the management reconnect and finish, nothing lost', async () => {
      const lib = await library('restart', 8, 40);
      const worker = startWorker(lib.data, lib.env);
      await worker.ready;
      const run = collect(startTracked(['index', lib.photos, '--data', lib.data, '--json'], lib.env));
      await until('two photos analysed', () => [...analysedBy(lib.data).values()].reduce((a, b) => a + b, 0), (n) => n >= 2);
      await redis.restart({ kill: true, downMs: 1500 });
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      const summary = json(r);
      const exit = await stopWorker(worker);
      expect(exit.code, exit.stderr).toBe(0);
      expect(summary.photos).toMatchObject({ processed: 8, failed: 0 });
      expect(compareWithEmbedded(lib.data, lib.embedded)).toEqual([]);
      expect(readFileSync(join(lib.data, 'logs', 'worker.log'), 'utf8')).toMatch(/connection error/);
    });

    it('a poison photo fails after bounded retries into the failed list, with its error; the rest goes on', async () => {
      const lib = await library('poison', 4, 50);
      const q = await testQueue(redis.url, 'poison');
      try {
        // Readable when queued, gone when a worker reads it: PHOTO_UNREADABLE, which the error table retries.
        const gone = join(lib.photos, 'gone.jpg');
        writeFileSync(gone, readFileSync(join(lib.photos, 'p50.jpg')).subarray(0, 2000));
        const goneSha = createHash('sha256').update(readFileSync(gone)).digest('hex');
        const run = collect(startTracked(['index', lib.photos, '--data', lib.data, '--json'], lib.env));
        await until('every photo queued', () => q.queueCounts(), (c) => c.waiting === 5);
        rmSync(gone);
        const worker = startWorker(lib.data, lib.env);
        const r = await run;
        await stopWorker(worker);
        expect(r.code, r.stderr).toBe(0);
        const summary = json(r);
        expect(summary.photos).toMatchObject({ processed: 4, failed: 1 });
        expect(summary.failures).toEqual([{ file: 'gone.jpg', code: 'PHOTO_UNREADABLE', message: expect.stringContaining('ENOENT') }]);

        const status = await q.status('analyse', jobId('analyse', goneSha));
        expect(status).toMatchObject({ state: 'failed', attemptsMade: 3 });
        expect(status.failedReason).toMatch(/^PHOTO_UNREADABLE: the file cannot be read \(ENOENT\)/);
        expect(await q.queueCounts()).toMatchObject({ failed: 1, completed: 4 });

        const failed = json(await runFacetag(['photos', 'list', '--failed', '--json', '--data', lib.data]));
        expect(failed).toHaveLength(1);
        expect(failed[0]).toMatchObject({ path: gone, status: 'failed', errorCode: 'PHOTO_UNREADABLE' });
      } finally {
        await q.close();
      }
      // The good photos are exactly as an embedded run makes them (the embedded reference has no gone.jpg).
      const problems = compareWithEmbedded(lib.data, lib.embedded).filter((p) => !p.startsWith('gone.jpg'));
      expect(problems).toEqual([]);
    });

    it('SIGTERM drains a worker: its job in flight finishes, the rest stays queued for the next worker', async () => {
      const lib = await library('drain', 6, 60, 1200);
      const q = await testQueue(redis.url, 'drain');
      try {
        const first = startWorker(lib.data, lib.env);
        await first.ready;
        const run = collect(startTracked(['index', lib.photos, '--data', lib.data, '--json'], lib.env));
        await until('a job in flight', () => q.queueCounts(), (c) => (c.active ?? 0) >= 1);
        first.child.kill('SIGTERM');
        const exit = await first.done;
        expect(exit.code, exit.stderr).toBe(0);
        expect(exit.stderr).toContain('finishing the jobs in flight');
        // Nothing was left half-done: no job is held by the stopped worker, and what it started, it finished.
        const counts = await q.queueCounts();
        expect(counts.active).toBe(0);
        const finished = analysedBy(lib.data).get(first.child.pid!) ?? 0;
        expect(finished).toBeGreaterThanOrEqual(1);
        expect(finished).toBeLessThan(6);
        expect((counts.waiting ?? 0) + (counts.delayed ?? 0)).toBe(6 - finished);

        const second = startWorker(lib.data, lib.env);
        const summary = json(await run);
        await stopWorker(second);
        expect(summary.photos).toMatchObject({ processed: 6, failed: 0 });
        expect(analysedBy(lib.data).get(second.child.pid!)).toBe(6 - finished);
        expect(compareWithEmbedded(lib.data, lib.embedded)).toEqual([]);
      } finally {
        await q.close();
      }
    });
  });
}
