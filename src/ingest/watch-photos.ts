import type { Logger } from '../log.js';
import { toAppError, type AppError } from '../errors.js';
import type { IndexOptions, IndexSummary } from './index-summary.js';
import type { PhotoSource, SourcePhoto } from '../sources/photo-source.js';

export interface WatchOptions extends IndexOptions {
  /** Milliseconds between two listings of the source. */
  intervalMs: number;
  /** Stops the watch: the photos in flight finish, then it returns. */
  signal: AbortSignal;
  /** A failed photo is tried again after this many polls (a restart tries it at once). @default 10 */
  retryFailedAfterPolls?: number;
  /** After each poll that found new photos. */
  onRun?: (summary: IndexSummary) => void;
  /** A poll that failed as a whole (the source unreachable): the watch goes on and tries again. */
  onPollError?: (error: AppError) => void;
}

export interface WatchTotals { polls: number; runs: number; processed: number; failed: number }

/**
 * Indexes a source again and again (`run` indexes the view of one poll): each poll lists it and
 * indexes only what this watch has not handled yet (a new key, or one whose size or time
 * changed). With the S3 default (`move`) the bucket holds only photos not yet indexed, so a poll
 * of an idle bucket is one cheap listing. A failed photo stays in the source and is retried every
 * `retryFailedAfterPolls` polls; a poll that cannot list (S3 down) is reported and retried, and
 * the watch resumes when the server is back.
 */
export async function watchSource(
  log: Pick<Logger, 'warn'>,
  source: PhotoSource,
  run: (view: PhotoSource) => Promise<IndexSummary>,
  options: WatchOptions,
): Promise<WatchTotals> {
  const handled = new Map<string, { signature: string; failedAtPoll: number | null }>();
  const signature = (p: SourcePhoto) => `${p.size}:${p.mtimeMs}`;
  const retryAfter = options.retryFailedAfterPolls ?? 10;
  const totals = { polls: 0, runs: 0, processed: 0, failed: 0 };
  while (!options.signal.aborted) {
    totals.polls++;
    const poll = totals.polls;
    try {
      const pending = (await source.list()).filter((p) => {
        const h = handled.get(p.key);
        if (!h || h.signature !== signature(p)) return true;
        return h.failedAtPoll !== null && poll - h.failedAtPoll >= retryAfter;
      });
      if (pending.length > 0) {
        const view: PhotoSource = {
          ...source,
          scope: undefined, // only what is pending: not a complete listing
          list: async () => pending,
          async settle(photo, outcome) {
            await source.settle(photo, outcome);
            handled.set(photo.key, { signature: signature(photo), failedAtPoll: outcome === 'failed' ? poll : null });
          },
        };
        const summary = await run(view);
        totals.runs++;
        totals.processed += summary.photos.processed;
        totals.failed += summary.photos.failed;
        options.onRun?.(summary);
      }
    } catch (error) {
      const e = toAppError(error);
      log.warn({ code: e.code }, 'a watch poll failed; trying again');
      options.onPollError?.(e);
    }
    await sleep(options.intervalMs, options.signal);
  }
  return totals;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
