import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { JobPayload } from './jobs.js';
import { ReleaseJob, type JobQueue, type JobState, type JobWorker } from './queue.js';

/** Every adapter is made with `attempts: 3` and a short `backoffMs` (≤ 100) for this suite. */
export interface ContractQueueFactory {
  (): Promise<JobQueue>;
}

const payload = (n: number): JobPayload<'analyse'> => ({
  sha256: n.toString(16).padStart(64, '0'), photo: { key: `/photos/${n}.jpg`, size: 10, mtimeMs: 1 },
  source: { kind: 'folder', root: '/photos' }, modelKey: 'det@1+emb@1',
});

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The queue contract: the in-process adapter and BullMQ on a real Redis pass the same suite. */
export function queueContract(name: string, make: ContractQueueFactory) {
  describe(`JobQueue contract: ${name}`, () => {
    const open: Array<JobQueue | JobWorker> = [];
    const track = <T extends JobQueue | JobWorker>(x: T) => (open.push(x), x);
    afterEach(async () => {
      for (const x of open.reverse()) await x.close();
      open.length = 0;
    });
    const stateOf = (q: JobQueue, id: string) => async () => (await q.status('analyse', id)).state;
    const is = (s: JobState) => (v: JobState) => v === s;

    it('runs a job once however often its content key is added', async () => {
      const q = track(await make());
      const seen: string[] = [];
      await q.add('analyse', 'analyse:1', payload(1));
      await q.add('analyse', 'analyse:1', payload(1));
      track(q.work('analyse', async (p) => void seen.push(p.sha256), { concurrency: 2 }));
      await until('completion', stateOf(q, 'analyse:1'), is('completed'));
      await q.add('analyse', 'analyse:1', payload(1));
      await q.add('analyse', 'analyse:2', payload(2));
      await until('the second job', stateOf(q, 'analyse:2'), is('completed'));
      expect(seen).toEqual([payload(1).sha256, payload(2).sha256]);
      expect((await q.queueCounts()).completed).toBe(2);
      expect(await q.status('analyse', 'analyse:404')).toEqual({ state: 'missing', failedReason: null, attemptsMade: 0 });
    });

    it('retries a retryable error, then fails for good with the code and message, after `attempts` runs', async () => {
      const q = track(await make());
      const runs: Array<[number, boolean]> = [];
      track(q.work('analyse', async (_p, info) => {
        runs.push([info.attempt, info.finalAttempt]);
        throw new AppError('PHOTO_UNREADABLE', 'the share went away');
      }, { concurrency: 1 }));
      await q.add('analyse', 'analyse:3', payload(3));
      const status = await until('the final failure', () => q.status('analyse', 'analyse:3'), (s) => s.state === 'failed');
      expect(runs).toEqual([[1, false], [2, false], [3, true]]);
      expect(status.failedReason).toBe('PHOTO_UNREADABLE: the share went away');
      expect(status.attemptsMade).toBe(3);
      const counts = await q.queueCounts();
      expect(counts.failed).toBe(1);
      expect(Object.keys(counts).sort()).toEqual(['active', 'completed', 'delayed', 'failed', 'waiting']);
    });

    it('fails at once on an error the error table marks as not retryable', async () => {
      const q = track(await make());
      let runs = 0;
      track(q.work('analyse', async () => {
        runs++;
        throw new AppError('PHOTO_CORRUPT', 'the JPEG stream ends early');
      }, { concurrency: 1 }));
      await q.add('analyse', 'analyse:4', payload(4));
      const status = await until('the failure', () => q.status('analyse', 'analyse:4'), (s) => s.state === 'failed');
      expect(runs).toBe(1);
      expect(status.failedReason).toBe('PHOTO_CORRUPT: the JPEG stream ends early');
    });

    it('succeeds on a retry after a transient error', async () => {
      const q = track(await make());
      let runs = 0;
      track(q.work('analyse', async () => {
        if (++runs === 1) throw new Error('connection reset');
      }, { concurrency: 1 }));
      await q.add('analyse', 'analyse:5', payload(5));
      await until('completion', stateOf(q, 'analyse:5'), is('completed'));
      expect(runs).toBe(2);
    });

    it('gives a released job back to the queue, with no attempt used, for another worker', async () => {
      const q = track(await make());
      let released = 0;
      let refuser: JobWorker | null = null;
      refuser = q.work('analyse', async () => {
        throw new ReleaseJob('MODEL_MISMATCH', 'other models');
      }, { concurrency: 1, onRelease: () => void (released++, refuser?.close()) });
      await q.add('analyse', 'analyse:6', payload(6));
      await until('the release', async () => released, (n) => n >= 1);
      await refuser.close();
      expect((await q.status('analyse', 'analyse:6')).state).not.toBe('completed');
      const attempts: number[] = [];
      track(q.work('analyse', async (_p, info) => void attempts.push(info.attempt), { concurrency: 1 }));
      await until('completion by the other worker', stateOf(q, 'analyse:6'), is('completed'));
      expect(attempts).toEqual([1]);
    });

    it('drains on close: a job in flight finishes, jobs not started stay queued', async () => {
      const q = track(await make());
      let finish!: () => void;
      const started: string[] = [];
      const worker = q.work('analyse', async (p) => {
        started.push(p.sha256);
        await new Promise<void>((r) => (finish = r));
      }, { concurrency: 1 });
      await q.add('analyse', 'analyse:7', payload(7));
      await q.add('analyse', 'analyse:8', payload(8));
      await until('the first job to start', async () => started.length, (n) => n === 1);
      const closed = worker.close();
      let isClosed = false;
      void closed.then(() => (isClosed = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(isClosed).toBe(false);
      finish();
      await closed;
      expect((await q.status('analyse', 'analyse:7')).state).toBe('completed');
      expect((await q.status('analyse', 'analyse:8')).state).toBe('waiting');
      expect(started).toHaveLength(1);
    });

    it('runs a failed job again when added with retryFailed, and not otherwise', async () => {
      const q = track(await make());
      let fail = true;
      let runs = 0;
      track(q.work('analyse', async () => {
        runs++;
        if (fail) throw new AppError('PHOTO_CORRUPT', 'bad');
      }, { concurrency: 1 }));
      await q.add('analyse', 'analyse:9', payload(9));
      await until('the failure', stateOf(q, 'analyse:9'), is('failed'));
      fail = false;
      await q.add('analyse', 'analyse:9', payload(9));
      await new Promise((r) => setTimeout(r, 200));
      expect((await q.status('analyse', 'analyse:9')).state).toBe('failed');
      await q.add('analyse', 'analyse:9', payload(9), { retryFailed: true });
      await until('the rerun', stateOf(q, 'analyse:9'), is('completed'));
      expect(runs).toBe(2);
    });

    it('replaces a completed job only with replaceFinished, and forgets a job added with removeWhenDone', async () => {
      const q = track(await make());
      let runs = 0;
      track(q.work('analyse', async () => void runs++, { concurrency: 1 }));
      await q.add('analyse', 'analyse:10', payload(10));
      await until('completion', stateOf(q, 'analyse:10'), is('completed'));
      await q.add('analyse', 'analyse:10', payload(10), { replaceFinished: true });
      await until('the second run', async () => runs, (n) => n === 2);
      await q.add('analyse', 'analyse:11', payload(11), { removeWhenDone: true });
      await until('the job to go', stateOf(q, 'analyse:11'), is('missing'));
      expect(runs).toBe(3);
      await q.add('analyse', 'analyse:11', payload(11), { removeWhenDone: true });
      await until('the job to run again', async () => runs, (n) => n === 4);
    });

    it('keeps job names apart', async () => {
      const q = track(await make());
      const got: string[] = [];
      track(q.work('analyse', async () => void got.push('analyse'), { concurrency: 1 }));
      await q.add('commit', 'commit:1', {
        sha256: payload(1).sha256, photo: payload(1).photo, source: payload(1).source, result: { outcome: 'failed', code: 'PHOTO_CORRUPT', message: 'x' },
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toEqual([]);
      expect((await q.status('commit', 'commit:1')).state).toBe('waiting');
      expect((await q.queueCounts()).waiting).toBe(1);
    });
  });
}
