import { join } from 'node:path';
import type { Catalog } from './catalog/catalog.js';
import type { AnalyserOptions } from './vision/face-analyser.js';
import { openSqliteCatalog } from './catalog/sqlite-catalog.js';
import type { ResolvedConfig } from './config/load-config.js';
import { createLogger, type Logger } from './log.js';
import type { BlobStore } from './storage/blob-store.js';
import { createFsBlobStore } from './storage/fs-blob-store.js';

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
  const blobs = await createBlobStore(config);
  return {
    config, log, catalog, blobs,
    async close() {
      await blobs.close();
      await catalog.close();
      log.flush();
    },
  };
}

/**
 * Face crops and thumbnails: folders under the data folder, or the S3 bucket `storage.cropsBucket`
 * (the S3 SDK is loaded only then).
 */
export async function createBlobStore(config: ResolvedConfig): Promise<BlobStore> {
  if (config.storage.driver !== 's3') return createFsBlobStore(join(config.data.dir, 'blobs'));
  const { createS3BlobStore } = await import('./storage/s3-blob-store.js');
  return createS3BlobStore(config.storage, config.storage.cropsBucket);
}

/** The vision settings of the config, as the analyser takes them. */
export function analyserOptions(config: ResolvedConfig): AnalyserOptions {
  return {
    detector: config.vision.detector, embedder: config.vision.embedder, modelsDir: modelsDir(config),
    threads: config.vision.threads, minDetScore: config.vision.minDetScore, minFaceSizePx: config.vision.minFaceSizePx,
    padRetry: config.vision.padRetry, maxPixels: config.index.maxPixels, maxTileGrid: config.vision.maxTileGrid,
  };
}
