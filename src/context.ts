import { join } from 'node:path';
import type { Catalog } from './catalog/catalog.js';
import type { AnalyserOptions } from './vision/face-analyser.js';
import { openSqliteCatalog } from './catalog/sqlite-catalog.js';
import type { ResolvedConfig } from './config/load-config.js';
import { AppError } from './errors.js';
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

/**
 * Reads a photo by the path the catalog holds: a file, or `s3://bucket/key` (also looked for in
 * storage.processedBucket; the S3 SDK is loaded on the first such path). For the dashboard.
 */
export function createPhotoReader(config: ResolvedConfig): { read: (path: string, photoId: number) => Promise<Buffer>; close(): Promise<void> } {
  let s3: Promise<{ read(path: string): Promise<Buffer | null>; close(): Promise<void> }> | null = null;
  return {
    async read(path, photoId) {
      if (!path.startsWith('s3://')) return (await import('./server/images.js')).readRegularFile(path, photoId);
      s3 ??= import('./ingest/s3-photo-reader.js').then((m) => m.createS3PhotoReader(config.storage));
      const bytes = await (await s3).read(path);
      if (!bytes) throw new AppError('NOT_FOUND', `the object of photo ${photoId} is gone from its bucket and from storage.processedBucket (expired or deleted); re-upload it to index it again`);
      return bytes;
    },
    async close() {
      if (s3) await (await s3).close();
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
