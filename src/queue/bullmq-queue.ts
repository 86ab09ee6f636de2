import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { failureReason, retryable } from './job-failure.js';
import { jobNames, parsePayload, type JobName } from './jobs.js';
import { emptyCounts, ReleaseJob, type JobQueue, type JobState } from './queue.js';

export interface BullmqQueueOptions {
  redisUrl: string;
  prefix: string;
  attempts: number;
  backoffMs: number;
  /** A dead worker's job goes to another worker after this long. */
  lockMs: number;
  log: Pick<Logger, 'warn'>;
  /** How long to wait for Redis at start before giving up with a clear error. @default 5000 */
  connectTimeoutMs?: number;
}

/** BullMQ refuses `:` in custom ids (it is Redis's key separator). */
const bullId = (id: string) => id.replaceAll(':', '-');

function connection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new AppError('CONFIG_INVALID', `queue.redisUrl "${url.protocol}//…" is not a Redis address; use redis://host:6379`);
  }
  return {
    host: url.hostname, port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // Wait through a Redis restart instead of failing commands: workers and the scheduler carry on.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 100, 2000),
  };
}

/**
 * Jobs through Redis with BullMQ: any number of worker processes on any machines. A job's id is
 * its content key, so adding it twice is a no-op; a worker killed mid-job loses its lock and the
 * job runs again elsewhere; errors the error table marks as not retryable fail at once
 * (`UnrecoverableError`), others are retried with exponential backoff up to `attempts` runs.
 */
export async function createBullmqQueue(options: BullmqQueueOptions): Promise<JobQueue> {
  const conn = connection(options.redisUrl);
  const shown = `${(conn as { host: string }).host}:${(conn as { port: number }).port}`;
  const queues = new Map<JobName, Queue>();
  const workers = new Set<Worker>();
  for (const name of jobNames) {
    const q = new Queue(name, { connection: conn, prefix: options.prefix });
    q.on('error', (error) => options.log.warn({ queue: name, err: error.message }, 'queue connection error'));
    queues.set(name, q);
  }
  const closeAll = () => Promise.all([...queues.values()].map((q) => q.close()));
  try {
    const timeout = options.connectTimeoutMs ?? 5000;
    await Promise.race([
      Promise.all([...queues.values()].map((q) => q.waitUntilReady())),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${timeout} ms`)), timeout).unref()),
    ]);
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw new AppError('QUEUE_UNAVAILABLE', `cannot reach Redis at ${shown} (${(error as Error).message}); start redis-server there or set queue.redisUrl (FACETAG_QUEUE_REDIS_URL)`);
  }
  const queue = (name: JobName) => queues.get(name)!;

  return {
    driver: 'bullmq',
    async add(name, id, payload, addOptions = {}) {
      const q = queue(name);
      if (addOptions.retryFailed || addOptions.replaceFinished) {
        const old = await q.getJob(bullId(id));
        const state = old ? await old.getState() : null;
        if (state === 'failed' || (addOptions.replaceFinished && state === 'completed')) await old!.remove().catch(() => undefined);
      }
      await q.add(name, payload, {
        jobId: bullId(id),
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        // Finished jobs stay a while: their ids keep a second scheduler from running a photo again.
        removeOnComplete: addOptions.removeWhenDone ? true : { age: 24 * 3600, count: 200_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
      });
    },
    work(name, handler, workOptions) {
      const worker = new Worker(name, async (job: Job, token?: string) => {
        const attempt = job.attemptsMade + 1;
        const info = { id: job.id!, attempt, finalAttempt: attempt >= (job.opts.attempts ?? 1) };
        try {
          let payload;
          try {
            payload = parsePayload(name, job.data);
          } catch (error) {
            throw new AppError('INVALID_INPUT', `job ${job.id} has a malformed ${name} payload (${(error as Error).message.slice(0, 200)}); it was written by another facetag version`);
          }
          await handler(payload as never, info);
        } catch (error) {
          if (error instanceof ReleaseJob) {
            await job.moveToDelayed(Date.now() + options.backoffMs, token);
            workOptions.onRelease?.(error);
            throw new DelayedError();
          }
          const e = toAppError(error);
          if (!retryable(e)) throw new UnrecoverableError(failureReason(e));
          throw new Error(failureReason(e));
        }
      }, {
        connection: conn, prefix: options.prefix, concurrency: workOptions.concurrency,
        lockDuration: options.lockMs, stalledInterval: options.lockMs, maxStalledCount: 2, drainDelay: 1,
      });
      worker.on('error', (error) => options.log.warn({ queue: name, err: error.message }, 'worker connection error'));
      workers.add(worker);
      return {
        async close({ force = false } = {}) {
          // Waits for the jobs in flight; jobs not started stay in Redis for the other workers.
          await worker.close(force);
          workers.delete(worker);
        },
      };
    },
    async status(name, id) {
      // The state first, then the data: a job read before it failed would show no reason.
      const raw = await queue(name).getJobState(bullId(id));
      const job = raw === 'unknown' ? null : await queue(name).getJob(bullId(id));
      if (!job) return { state: 'missing', failedReason: null, attemptsMade: 0 };
      const state: JobState = raw === 'unknown' ? 'missing'
        : raw === 'completed' || raw === 'failed' || raw === 'active' || raw === 'delayed' ? raw : 'waiting';
      return { state, failedReason: job.failedReason ?? null, attemptsMade: job.attemptsMade };
    },
    async queueCounts() {
      const counts = emptyCounts();
      for (const q of queues.values()) {
        const c = await q.getJobCounts('waiting', 'prioritized', 'paused', 'waiting-children', 'active', 'delayed', 'completed', 'failed');
        counts.waiting! += (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0) + (c['waiting-children'] ?? 0);
        for (const k of ['active', 'delayed', 'completed', 'failed'] as const) counts[k]! += c[k] ?? 0;
      }
      return counts;
    },
    async close() {
      await Promise.all([...workers].map((w) => w.close()));
      await closeAll();
    },
  };
}
