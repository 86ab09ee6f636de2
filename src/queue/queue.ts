/**
 * The job queue port. The in-process adapter (`memory-queue.ts`) is the embedded default; the
 * BullMQ adapter (`bullmq-queue.ts`) spreads jobs over worker processes and machines through
 * Redis. Both pass `queue-contract.ts`. Jobs are typed by the registry in `jobs.ts`: one name,
 * one payload type, one handler.
 */
import type { JobName, JobPayload } from './jobs.js';

/** Where a job is. `missing` means the queue holds no job with that id (never added, or removed). */
export type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'missing';

export interface JobStatus {
  state: JobState;
  /** `CODE: message` of the last failure, when the job failed. */
  failedReason: string | null;
  attemptsMade: number;
}

export interface JobInfo {
  id: string;
  /** 1 on the first run, 2 on the first retry… */
  attempt: number;
  /** True when a failure now is final: no attempt is left, or the error is not retryable. */
  finalAttempt: boolean;
}

/** A job handler. Throwing an `AppError` whose code is not retryable fails the job at once. */
export type JobHandler<N extends JobName> = (payload: JobPayload<N>, info: JobInfo) => Promise<void>;

export interface AddOptions {
  /** A job with this id that failed is replaced by this one (a new run retries it). @default false */
  retryFailed?: boolean;
  /** A job with this id that completed or failed is replaced by this one. @default false */
  replaceFinished?: boolean;
  /**
   * The job is deleted once it has completed, so its id dedupes only while it is pending (results
   * a later run may send again). @default false
   */
  removeWhenDone?: boolean;
}

export interface JobWorker {
  /**
   * Stops taking jobs and waits for the ones in flight to finish (SIGTERM drains). With `force`,
   * returns at once: a job in flight is given up and runs again (after its lock expires, on BullMQ).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

export interface WorkOptions {
  concurrency: number;
  /** Called when a handler releases a job (see `ReleaseJob`), e.g. to stop this worker. */
  onRelease?: (error: ReleaseJob) => void;
}

export interface JobQueue {
  readonly driver: 'memory' | 'bullmq';
  /**
   * Adds a job. Ids are content keys (`analyse:<sha256>`): adding an id that is already waiting,
   * running or done adds nothing, so two schedulers process a photo once.
   */
  add<N extends JobName>(name: N, id: string, payload: JobPayload<N>, options?: AddOptions): Promise<void>;
  /** Runs `handler` on the jobs of `name`, `concurrency` at a time. */
  work<N extends JobName>(name: N, handler: JobHandler<N>, options: WorkOptions): JobWorker;
  status(name: JobName, id: string): Promise<JobStatus>;
  /** Jobs per state, summed over every job name, for metrics and the dashboard. */
  queueCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * Thrown by a handler that must not run this job at all (e.g. a worker with other models): the
 * job goes back to the queue for another worker, with no attempt used, and is not a success.
 */
export class ReleaseJob extends Error {
  override readonly name = 'ReleaseJob';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The counts every adapter reports, zero when empty. */
export const emptyCounts = (): Record<string, number> => ({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
