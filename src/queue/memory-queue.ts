import { toAppError } from '../errors.js';
import { failureReason, retryable } from './job-failure.js';
import type { JobName } from './jobs.js';
import { emptyCounts, ReleaseJob, type JobQueue, type JobState, type JobStatus } from './queue.js';

export interface MemoryQueueOptions {
  attempts: number;
  backoffMs: number;
}

interface MemoryJob {
  id: string;
  payload: unknown;
  state: Exclude<JobState, 'missing'>;
  attemptsMade: number;
  failedReason: string | null;
  removeWhenDone: boolean;
}

/**
 * The in-process queue of the embedded mode: same contract as BullMQ (content-keyed ids,
 * bounded retries with exponential backoff, non-retryable errors fail at once, draining close),
 * for one process only. Nothing survives the process: the catalog is what resumes a run.
 */
export function createMemoryQueue(options: MemoryQueueOptions): JobQueue {
  const jobs = new Map<JobName, Map<string, MemoryJob>>();
  const waiting = new Map<JobName, string[]>();
  const wake = new Map<JobName, Set<() => void>>();
  const timers = new Set<NodeJS.Timeout>();
  const of = <T>(m: Map<JobName, T>, name: JobName, make: () => T) => m.get(name) ?? (m.set(name, make()), m.get(name)!);

  const enqueue = (name: JobName, job: MemoryJob) => {
    job.state = 'waiting';
    of(waiting, name, () => []).push(job.id);
    for (const w of of(wake, name, () => new Set())) w();
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  return {
    driver: 'memory',
    async add(name, id, payload, addOptions = {}) {
      const table = of(jobs, name, () => new Map());
      const existing = table.get(id);
      const replace = existing && ((addOptions.retryFailed && existing.state === 'failed') || (addOptions.replaceFinished && (existing.state === 'failed' || existing.state === 'completed')));
      if (existing && !replace) return;
      const job: MemoryJob = { id, payload: structuredClone(payload), state: 'waiting', attemptsMade: 0, failedReason: null, removeWhenDone: addOptions.removeWhenDone ?? false };
      table.set(id, job);
      enqueue(name, job);
    },
    work(name, handler, workOptions) {
      let closing = false;
      const inFlight = new Set<Promise<void>>();
      const table = of(jobs, name, () => new Map());
      const queue = of(waiting, name, () => []);
      const run = async (job: MemoryJob) => {
        job.attemptsMade++;
        const final = job.attemptsMade >= options.attempts;
        try {
          await handler(structuredClone(job.payload) as never, { id: job.id, attempt: job.attemptsMade, finalAttempt: final });
          job.state = 'completed';
          if (job.removeWhenDone && table.get(job.id) === job) table.delete(job.id);
        } catch (error) {
          if (error instanceof ReleaseJob) {
            job.attemptsMade--;
            job.state = 'delayed';
            later(options.backoffMs, () => enqueue(name, job));
            workOptions.onRelease?.(error);
            return;
          }
          const e = toAppError(error);
          job.failedReason = failureReason(e);
          if (final || !retryable(e)) {
            job.state = 'failed';
          } else {
            job.state = 'delayed';
            later(options.backoffMs * 2 ** (job.attemptsMade - 1), () => enqueue(name, job));
          }
        }
      };
      const pump = () => {
        while (!closing && inFlight.size < workOptions.concurrency && queue.length > 0) {
          const job = table.get(queue.shift()!)!;
          job.state = 'active';
          const p = run(job).finally(() => {
            inFlight.delete(p);
            // Let the caller see the outcome before the next job starts.
            setImmediate(pump);
          });
          inFlight.add(p);
        }
      };
      of(wake, name, () => new Set()).add(pump);
      setImmediate(pump);
      return {
        async close({ force = false } = {}) {
          closing = true;
          wake.get(name)?.delete(pump);
          while (!force && inFlight.size > 0) await Promise.allSettled([...inFlight]);
        },
      };
    },
    async status(name, id): Promise<JobStatus> {
      const job = jobs.get(name)?.get(id);
      return job ? { state: job.state, failedReason: job.failedReason, attemptsMade: job.attemptsMade } : { state: 'missing', failedReason: null, attemptsMade: 0 };
    },
    async queueCounts() {
      const counts = emptyCounts();
      for (const table of jobs.values()) for (const job of table.values()) counts[job.state] = (counts[job.state] ?? 0) + 1;
      return counts;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
