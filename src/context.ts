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
export const logsDir = (config: ResolvedConfig) => config.log.dir ?? join(config.data.dir, 'logs');
export const modelsDir = (config: ResolvedConfig) => config.vision.modelsDir ?? join(config.data.dir, 'models');

/** The composition root: the only place that picks adapters, from the resolved config. */
export async function createContext(config: ResolvedConfig, component: string): Promise<Context> {
  const log = createLogger({ ...config.log, dir: logsDir(config), component });
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
