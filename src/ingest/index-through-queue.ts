import { resolve } from 'node:path';
import { analyserOptions, type Deps } from '../context.js';
import type { JobQueue } from '../queue/queue.js';
import { lazyAnalysisPool } from '../vision/lazy-pool.js';
import { createFolderSource } from './folder-source.js';
import type { IndexOptions, IndexSummary } from './index-photos.js';
import { indexWithQueue } from './queued-index.js';
import { acquireWriterLock } from './writer-lock.js';

/**
 * Cluster mode's index run of a folder, for `facetag index --queue bullmq` and the dashboard's
 * "Index now": this process schedules and is the catalog's one writer (a lock in the data
 * folder refuses a second); `facetag worker` processes analyse.
 */
export async function indexFolderThroughQueue(
  deps: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  openQueue: () => Promise<JobQueue>,
  folder: string,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  const { config, log } = deps;
  const lock = acquireWriterLock(config.data.dir);
  try {
    const source = await createFolderSource(folder, { followSymlinks: config.index.followSymlinks, onListError: (code) => log.warn({ code }, 'a folder could not be listed') });
    const analyser = lazyAnalysisPool(analyserOptions(config));
    try {
      const queue = await openQueue();
      try {
        return await indexWithQueue(deps, analyser, queue, source, { kind: 'folder', root: resolve(folder) }, options);
      } finally {
        await queue.close();
      }
    } finally {
      await analyser.close();
      await source.close();
    }
  } finally {
    lock.release();
  }
}
