import { join } from 'node:path';
import type { Catalog } from './catalog/catalog.js';
import type { AnalyserOptions } from './vision/face-analyser.js';
import { openSqliteCatalog } from './catalog/sqlite-catalog.js';
import type { ResolvedConfig } from './config/load-config.js';
import { createLogger, type Logger } from './log.js';
import type { BlobStore } from './storage/blob-store.js';
import { createFsBlobStore } from './storage/fs-blob-store.js';
import { createBullmqQueue } from './queue/bullmq-queue.js';
import { createMemoryQueue } from './queue/memory-queue.js';
import type { JobQueue } from './queue/queue.js';

/** What capability code may ask for. Functions take `Pick<Deps, ...>` of what they use. */
export interface Deps {
  config: ResolvedConfig;
  log: Logger;
  catalog: Catalog;
  blobs: BlobStore;
}

export interface Context extends Deps {
  close(): Promise<void>;
}

export const catalogFile = (config: ResolvedConfig) => join(config.data.dir, 'catalog.sqlite');
export const modelsDir = (config: ResolvedConfig) => config.vision.modelsDir ?? join(config.data.dir, 'models');

/** The composition root: the only place that picks adapters, from the resolved config. */
export async function createContext(config: ResolvedConfig, component: string): Promise<Context> {
  const log = createLogger({ dir: config.log.dir ?? join(config.data.dir, 'logs'), level: config.log.level, component });
  const catalog = openSqliteCatalog(catalogFile(config));
  const blobs = createFsBlobStore(join(config.data.dir, 'blobs'));
  return {
    config, log, catalog, blobs,
    async close() {
      await blobs.close();
      await catalog.close();
      log.flush();
    },
  };
}

/** The vision settings of the config, as the analyser takes them. */
export function analyserOptions(config: ResolvedConfig): AnalyserOptions {
  return {
    detector: config.vision.detector, embedder: config.vision.embedder, modelsDir: modelsDir(config),
    threads: config.vision.threads, minDetScore: config.vision.minDetScore, minFaceSizePx: config.vision.minFaceSizePx,
    padRetry: config.vision.padRetry, maxPixels: config.index.maxPixels, maxTileGrid: config.vision.maxTileGrid,
  };
}

/** The job queue `queue.driver` asks for: in-process, or BullMQ on `queue.redisUrl`. */
export async function createQueue(config: ResolvedConfig, log: Logger): Promise<JobQueue> {
  const { attempts, backoffMs } = config.queue;
  if (config.queue.driver === 'memory') return createMemoryQueue({ attempts, backoffMs });
  return createBullmqQueue({ redisUrl: config.queue.redisUrl, prefix: config.queue.prefix, attempts, backoffMs, lockMs: config.queue.lockMs, log });
}

/** A worker node's resources: it reads photos, stores thumbnails and talks to the queue, but never opens the catalog. */
export async function createWorkerContext(config: ResolvedConfig, component: string): Promise<Pick<Deps, 'config' | 'log' | 'blobs'> & { queue: JobQueue; close(): Promise<void> }> {
  const log = createLogger({ dir: config.log.dir ?? join(config.data.dir, 'logs'), level: config.log.level, component });
  const blobs = createFsBlobStore(join(config.data.dir, 'blobs'));
  const queue = await createQueue(config, log).catch(async (error: unknown) => {
    await blobs.close();
    throw error;
  });
  return {
    config, log, blobs, queue,
    async close() {
      await queue.close();
      await blobs.close();
      log.flush();
    },
  };
}
