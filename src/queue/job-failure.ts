import { toAppError, type AppError } from '../errors.js';

/** What a queue stores as a failed job's reason: `CODE: message`, so the writer can record both. */
export const failureReason = (e: AppError) => `${e.code}: ${e.message}`;

export function parseFailureReason(reason: string | null | undefined): { code: string; message: string } {
  const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(reason ?? '');
  return m ? { code: m[1]!, message: m[2]! } : { code: 'INTERNAL', message: reason || 'the job failed with no reason' };
}

/** Whether a job that threw `error` may run again: the error table's retry flag decides. */
export function retryable(error: unknown): boolean {
  return toAppError(error).retryable;
}
