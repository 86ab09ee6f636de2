import type { JobQueue } from '../queue/queue.js';
import type { Metrics, QueueState } from './metrics.js';
import { probeService, setQueueDepth } from './record.js';

/**
 * The cluster queue's job counts for `/metrics` of `facetag serve` (queue.driver bullmq): the
 * queue is opened at the first scrape, not at start (a Redis that is down must not stop the
 * dashboard), and again after a failure. `facetag_queue_depth{queue="index"}` sums the analyse
 * and commit jobs; `facetag_service_up{service="queue"}` says whether Redis answered.
 */
export function createQueueDepthReader(open: () => Promise<Pick<JobQueue, 'queueCounts' | 'close'>>, queue = 'index') {
  let opened: Promise<Pick<JobQueue, 'queueCounts' | 'close'>> | null = null;
  const counts = async () => {
    opened ??= open().catch((error: unknown) => {
      opened = null;
      throw error;
    });
    return (await opened).queueCounts();
  };
  return {
    /** Reads the counts into `metrics`; never throws (a failure shows as the queue service down). */
    async update(metrics: Metrics): Promise<void> {
      await probeService(metrics, 'queue', async () => {
        const c = await counts();
        const states: Partial<Record<QueueState, number>> = { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
        setQueueDepth(metrics, queue, states);
      });
    },
    async close() {
      const q = await opened?.catch(() => null);
      opened = null;
      await q?.close();
    },
  };
}

export type QueueDepthReader = ReturnType<typeof createQueueDepthReader>;
