import type { IndexProgress } from '../ingest/index-summary.js';
import type { Metrics } from './metrics.js';
import { setQueueDepth, setQueueLag } from './record.js';

/**
 * The in-process queue of one index run, from its progress callback: every photo listed at the
 * start waits until a slot takes it. (Photos, faces, stages and failures are recorded by
 * the index run itself (ingest/index-run.ts) through `IndexOptions.metrics`.)
 */
export function createIndexRunMetrics(metrics: Metrics, options: { queue?: string; concurrency: number }) {
  const queue = options.queue ?? 'index';
  const started = Date.now();
  const finishedQueue = () => {
    setQueueDepth(metrics, queue, { waiting: 0, active: 0 });
    setQueueLag(metrics, queue, 0);
  };
  return {
    onProgress(p: IndexProgress) {
      const left = Math.max(0, p.total - p.done);
      const active = Math.min(options.concurrency, left);
      setQueueDepth(metrics, queue, { waiting: left - active, active });
      setQueueLag(metrics, queue, left - active > 0 ? (Date.now() - started) / 1000 : 0);
    },
    /** The run ended, with or without a summary. */
    finish: finishedQueue,
  };
}
