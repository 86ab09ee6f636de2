import { toAppError, type AppError } from '../errors.js';

/** What a queue stores as a failed job's reason: `CODE: message`, so the writer can record both. */
export const failureReason = (e: AppError) => `${e.code}: ${e.message}`;

export function parseFailureReason(reason: string | null | undefined): { code: string; message: string } {
  // BullMQ's own reason when the job's worker died (lock lost) more than maxStalledCount times.
  if (/stalled more than allowable limit/.test(reason ?? '')) {
    return {
      code: 'WORKER_CRASHED',
      message: 'the worker process analysing this photo stopped (crashed, killed, or out of memory) on every attempt; check the workers\' logs and memory, e.g. for a huge image; the photo is tried again on the next run',
    };
  }
  const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(reason ?? '');
  return m ? { code: m[1]!, message: m[2]! } : { code: 'INTERNAL', message: reason || 'the job failed with no reason' };
}

/** Whether a job that threw `error` may run again: the error table's retry flag decides. */
export function retryable(error: unknown): boolean {
  return toAppError(error).retryable;
}
