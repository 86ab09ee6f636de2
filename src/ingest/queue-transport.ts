import type { Deps } from '../deps.js';
import { AppError, toAppError } from '../errors.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { decodeOutcome } from '../queue/analysis-codec.js';
import { parseFailureReason } from '../queue/job-failure.js';
import { jobId, type PhotoSourceRef } from '../queue/jobs.js';
import type { JobQueue, JobState } from '../queue/queue.js';
import { cropsLocation } from './analyse-job.js';
import { analyseBoxWith, type AnalysisTransport } from './analysis-transport.js';
import type { SourcePhoto } from '../sources/photo-source.js';

export interface QueueTransportOptions {
  /** With no result for this long, the run asks the queue about the photos it waits for. @default 5000 */
  sweepMs?: number;
  /** Results taken from the queue at once: enough to fill the writer's batches. @default 256 */
  resultsAtOnce?: number;
  /**
   * A pool on this machine, started on first use for `analyseBox` (a change of models embeds the
   * few faces no detector proposes here); without it, `analyseBox` says it cannot.
   */
  localPool?: () => Promise<AnalysisPool>;
}

const inFlight = (state: JobState) => state === 'waiting' || state === 'active' || state === 'delayed';

/**
 * Analysis by `facetag worker` processes on any machine, through the job queue (BullMQ on
 * Redis): each admitted photo becomes an `analyse:<sha256>` job (content-keyed: queued twice, or
 * by two schedulers, it is one job); workers read the photo where `source` says, analyse it and
 * send the result back as a `commit:<sha256>` job, which is acknowledged only once the writer
 * has it in the catalog. Results outlive this process: a run stopped early leaves them queued
 * for the next. A sweep finds photos whose jobs ended with no result on its way (a worker that
 * died on it every time, a Redis that lost it) and records the failure or queues the photo again.
 */
export function queueTransport(
  { config, log }: Pick<Deps, 'config' | 'log'>,
  queue: JobQueue,
  models: { modelKey: string; embedderId: string },
  options: QueueTransportOptions = {},
): AnalysisTransport {
  const crops = cropsLocation(config);
  let local: Promise<AnalysisPool> | null = null;
  return {
    ...models,
    analysedBy: 'workers',
    durable: true,
    // Reading and hashing are cheap beside analysis: a few at once keep the queue full.
    lanes: 4,
    open(hooks) {
      let lastActivity = Date.now();
      const commits = queue.work('commit', async (p) => {
        lastActivity = Date.now();
        await hooks.deliver(p.sha256, p.photo, decodeOutcome(p.result));
        lastActivity = Date.now();
      }, { concurrency: options.resultsAtOnce ?? 256 });

      const analyseJob = (sha256: string, photo: SourcePhoto, source: PhotoSourceRef) => ({ sha256, photo, source, modelKey: models.modelKey, crops });
      const sources = new Map<string, PhotoSourceRef>();

      /** Photos whose jobs ended without a result reaching us (a worker crash, a lost Redis). */
      async function sweep() {
        // While any job is queued or running (a dead worker's job stays active until its lock expires), wait.
        const counts = await queue.queueCounts();
        if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) > 0) return;
        for (const [sha256, photos] of [...hooks.pending()]) {
          const analyse = await queue.status('analyse', jobId('analyse', sha256));
          if (inFlight(analyse.state)) continue;
          const commit = await queue.status('commit', jobId('commit', sha256));
          if (inFlight(commit.state) || !hooks.pending().has(sha256)) continue;
          if (analyse.state === 'failed' || commit.state === 'failed') {
            const reason = parseFailureReason(commit.state === 'failed' ? commit.failedReason : analyse.failedReason);
            log.warn({ photo: sha256.slice(0, 12), code: reason.code }, 'a job failed with no result sent (a worker crashed on it?)');
            await hooks.deliver(sha256, photos[0]!, { outcome: 'failed', ...reason });
            continue;
          }
          if (await hooks.writtenElsewhere(sha256)) continue;
          log.warn({ photo: sha256.slice(0, 12), analyse: analyse.state }, 'a job was lost; queueing the photo again');
          await queue.add('analyse', jobId('analyse', sha256), analyseJob(sha256, photos[0]!, sources.get(sha256)!), { replaceFinished: true });
        }
      }
      const sweepMs = options.sweepMs ?? 5000;
      const sweeper = setInterval(() => {
        if (hooks.admitting() || hooks.pending().size === 0 || Date.now() - lastActivity < sweepMs) return;
        lastActivity = Date.now();
        sweep().catch((error: unknown) => log.warn({ code: toAppError(error).code }, 'sweep failed; trying again later'));
      }, Math.max(100, Math.min(sweepMs, 1000)));

      return {
        async submit({ photo, sha256, source }) {
          sources.set(sha256, source);
          // The catalog wants this photo: an earlier job for it that failed, or completed with no
          // result on its way (a fresh catalog, one restored from a backup, a lost result), runs again.
          const id = jobId('analyse', sha256);
          const prior = await queue.status('analyse', id);
          const rerun = prior.state === 'failed' || (prior.state === 'completed' && !inFlight((await queue.status('commit', jobId('commit', sha256))).state));
          await queue.add('analyse', id, analyseJob(sha256, photo, source), { replaceFinished: rerun });
          lastActivity = Date.now();
        },
        async close() {
          clearInterval(sweeper);
          // Results being written finish; the rest wait in the queue for the next writer.
          await commits.close();
        },
      };
    },
    async analyseBox(bytes, box) {
      if (!options.localPool) throw new AppError('CONFIG_INVALID', 'this index run has no analysis pool of its own to embed a face drawn by hand; run it with the same config as `facetag index`');
      local ??= options.localPool();
      return analyseBoxWith(await local, bytes, box);
    },
    async close() {
      await queue.close();
      if (local) await (await local).close();
    },
  };
}
