import type { IndexProgress, IndexSummary } from '../ingest/index-folder.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import type { Metrics } from './metrics.js';
import { recordClusterChange, recordPhotoFailed, recordStages, setQueueDepth, setQueueLag } from './record.js';

type Counts = { faces: number; people: number; unassigned: number };

/**
 * Metrics of one in-process index run, fed from outside `indexFolder` (its port, its progress
 * callback and its summary), so the pipeline needs no change:
 * - per photo, live: decode/detect/embed times and faces found, from the analyser;
 * - live: the in-process queue's depth and lag, from the progress callback;
 * - at the end of the run: photos processed, skipped and failed by code, from the summary, and
 *   the clustering changes, from the catalog counts before and after.
 * When `indexFolder` calls `recordPhotoIndexed` / `recordPhotoFailed` itself, this goes.
 */
export function createIndexRunMetrics(metrics: Metrics, options: { queue?: string; concurrency: number; before: Counts }) {
  const queue = options.queue ?? 'index';
  const started = Date.now();
  const finishedQueue = () => {
    setQueueDepth(metrics, queue, { waiting: 0, active: 0 });
    setQueueLag(metrics, queue, 0);
  };
  return {
    /** The analyser with each successful analysis timed per stage. */
    analyser<A extends Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse'>>(pool: A): A {
      return Object.assign(Object.create(pool) as A, {
        async analyse(...args: Parameters<AnalysisPool['analyse']>) {
          const result = await pool.analyse(...args);
          recordStages(metrics, { decode: result.timings.decodeMs, detect: result.timings.detectMs, embed: result.timings.embedMs });
          metrics.facesDetected.inc(result.faces.length);
          return result;
        },
      });
    },
    /** The in-process queue: every photo listed at the start waits until a slot takes it. */
    onProgress(p: IndexProgress) {
      const left = Math.max(0, p.total - p.done);
      const active = Math.min(options.concurrency, left);
      setQueueDepth(metrics, queue, { waiting: left - active, active });
      setQueueLag(metrics, queue, left - active > 0 ? (Date.now() - started) / 1000 : 0);
    },
    finish(summary: IndexSummary, after: Counts) {
      metrics.photosProcessed.inc(summary.photos.processed);
      metrics.photosSkipped.inc(summary.photos.skippedUnchanged);
      for (const f of summary.failures) recordPhotoFailed(metrics, f.code);
      recordClusterChange(metrics, 'face_assigned', (after.faces - after.unassigned) - (options.before.faces - options.before.unassigned));
      recordClusterChange(metrics, 'person_created', after.people - options.before.people);
      finishedQueue();
    },
    /** The run stopped without a summary (the folder is gone, the models failed to load). */
    abort: finishedQueue,
  };
}
