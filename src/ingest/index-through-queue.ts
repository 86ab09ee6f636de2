import { resolve } from 'node:path';
import { analyserOptions, type Deps } from '../context.js';
import type { PhotoSourceRef } from '../queue/jobs.js';
import type { JobQueue } from '../queue/queue.js';
import { lazyAnalysisPool } from '../vision/lazy-pool.js';
import { createFolderSource } from './folder-source.js';
import type { IndexOptions, IndexSummary } from './index-photos.js';
import type { PhotoSource } from './photo-source.js';
import { indexWithQueue } from './queued-index.js';
import { watchSource, type WatchOptions, type WatchTotals } from './watch-photos.js';
import { acquireWriterLock } from './writer-lock.js';

type QueueDeps = Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>;

/**
 * Cluster mode's index run of a folder, for `facetag index --queue bullmq` and the dashboard's
 * "Index now": this process schedules and is the catalog's one writer (a lock in the data
 * folder refuses a second); `facetag worker` processes analyse.
 */
export async function indexFolderThroughQueue(
  deps: QueueDeps,
  openQueue: () => Promise<JobQueue>,
  folder: string,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  const { config, log } = deps;
  const source = await createFolderSource(folder, { followSymlinks: config.index.followSymlinks, onListError: (code) => log.warn({ code }, 'a folder could not be listed') });
  try {
    return await indexSourceThroughQueue(deps, openQueue, source, { kind: 'folder', root: resolve(folder) }, options);
  } finally {
    await source.close();
  }
}

/**
 * One cluster-mode run of any source (`ref` tells the workers where to read each photo: the
 * shared folder, or the bucket with their own S3 settings). The source is settled here, by the
 * writer, after each commit: an S3 photo moves to `processed` only once the catalog holds it.
 */
export function indexSourceThroughQueue(
  deps: QueueDeps,
  openQueue: () => Promise<JobQueue>,
  source: PhotoSource,
  ref: PhotoSourceRef,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  return asWriter(deps, openQueue, (analyser, queue) => indexWithQueue(deps, analyser, queue, source, ref, options));
}

/** Cluster mode's `--watch`: each poll that finds new photos is one queued run; the writer lock is held throughout. */
export function watchSourceThroughQueue(
  deps: QueueDeps,
  openQueue: () => Promise<JobQueue>,
  source: PhotoSource,
  ref: PhotoSourceRef,
  options: WatchOptions,
): Promise<WatchTotals> {
  return asWriter(deps, openQueue, (analyser, queue) => watchSource(deps.log, source, (view) => indexWithQueue(deps, analyser, queue, view, ref, options), options));
}

async function asWriter<T>(
  { config }: QueueDeps,
  openQueue: () => Promise<JobQueue>,
  run: (analyser: ReturnType<typeof lazyAnalysisPool>, queue: JobQueue) => Promise<T>,
): Promise<T> {
  const lock = acquireWriterLock(config.data.dir);
  try {
    const analyser = lazyAnalysisPool(analyserOptions(config));
    try {
      const queue = await openQueue();
      try {
        return await run(analyser, queue);
      } finally {
        await queue.close();
      }
    } finally {
      await analyser.close();
    }
  } finally {
    lock.release();
  }
}
