import { existsSync, rmSync } from 'node:fs';
import type { Catalog } from './catalog/catalog.js';
import type { AnalyserOptions } from './vision/face-analyser.js';
import { neo4jSettings } from './catalog/neo4j-settings.js';
import { openSqliteCatalog } from './catalog/sqlite-catalog.js';
import type { ResolvedConfig } from './config/load-config.js';
import { DATA_FOLDER, blobsDir, catalogFile, logsDir, modelsDir, sqliteFiles } from './data-folder.js';
import type { Deps } from './deps.js';
import { AppError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { logMallocArenaCap } from './malloc-arenas.mjs';
import type { BlobStore } from './storage/blob-store.js';
import { createFsBlobStore } from './storage/fs-blob-store.js';
import { createAnalysisPool, type AnalysisPool } from './vision/analysis-pool.js';
import { modelKeys } from './vision/model-key.js';
import { inferenceEndpoints, loadClusterFile } from './deploy/cluster-file.js';
import { createRemoteInference } from './services/remote-inference.js';
import { createRemoteAnalysisPool } from './services/remote-analysis-pool.js';
import { createMemoryQueue } from './queue/memory-queue.js';
import type { JobQueue } from './queue/queue.js';
import type { AnalysisTransport } from './ingest/analysis-transport.js';
import { poolTransport } from './ingest/pool-transport.js';
import { queueTransport } from './ingest/queue-transport.js';

export interface Context extends Deps {
  close(): Promise<void>;
}

/**
 * True when the data folder holds a facetag library: its SQLite catalog. A Neo4j catalog lives
 * on its server, so any data folder will do then.
 */
export const isLibrary = (config: ResolvedConfig) => config.catalog.driver === 'neo4j' || existsSync(catalogFile(config));

/**
 * Refuses a data folder that is not a facetag library (a mistyped --data), before anything is
 * written in it: only `facetag index` (and restore, graph import) create a library.
 */
export function requireLibrary(config: ResolvedConfig): void {
  if (isLibrary(config)) return;
  const where = existsSync(config.data.dir) ? `${config.data.dir} is not a facetag library (it holds no ${DATA_FOLDER.catalog})` : `${config.data.dir} does not exist`;
  throw new AppError('LIBRARY_NOT_FOUND', `${where}; give the data folder \`facetag index\` wrote with --data DIR (or FACETAG_DATA_DIR), or create a library there with \`facetag index <photo folder> --data ${config.data.dir}\``);
}

/**
 * For a command that may create the library (`index`): a library it made is removed again when
 * the command wrote nothing in it (a folder with no photo, a run that failed at once), so a
 * mistyped path leaves no data folder behind.
 */
export function newLibraryWatch(config: ResolvedConfig) {
  const existed = existsSync(config.data.dir);
  const fresh = !isLibrary(config);
  return {
    async wroteNothing(catalog: Pick<Catalog, 'counts'>): Promise<boolean> {
      if (!fresh) return false;
      const c = await catalog.counts().catch(() => null);
      return c !== null && c.photos + c.photosFailed + c.people === 0;
    },
    remove() {
      if (!existed) rmSync(config.data.dir, { recursive: true, force: true });
      else for (const file of sqliteFiles(catalogFile(config))) rmSync(file, { force: true });
    },
  };
}

/**
 * The composition root: the only place that picks adapters, from the resolved config. Opens an
 * existing library only, unless `create` (index, restore, graph import) says one may be made.
 */
export async function createContext(config: ResolvedConfig, component: string, options: { create?: boolean } = {}): Promise<Context> {
  if (!options.create) requireLibrary(config);
  const log = createLogger({ ...config.log, dir: logsDir(config), component });
  logMallocArenaCap(log);
  const catalog = await openCatalog(config);
  const blobs = await createBlobStore(config).catch(async (error: unknown) => {
    await catalog.close();
    throw error;
  });
  return {
    config, log, catalog, blobs,
    async close() {
      await blobs.close();
      await catalog.close();
      log.flush();
    },
  };
}

/** The catalog the config names: SQLite in the data folder, or a Neo4j server (loaded only then). */
export async function openCatalog(config: ResolvedConfig): Promise<Catalog> {
  if (config.catalog.driver === 'neo4j') {
    const settings = neo4jSettings(config);
    const { openNeo4jCatalog } = await import('./catalog/neo4j-catalog.js');
    return openNeo4jCatalog(settings);
  }
  return openSqliteCatalog(catalogFile(config));
}

/**
 * Face crops and thumbnails: folders under the data folder, or the S3 bucket `storage.cropsBucket`
 * (the S3 SDK is loaded only then).
 */
export async function createBlobStore(config: ResolvedConfig): Promise<BlobStore> {
  if (config.storage.driver !== 's3') return createFsBlobStore(blobsDir(config));
  const { createS3BlobStore } = await import('./storage/s3-blob-store.js');
  return createS3BlobStore(config.storage, config.storage.cropsBucket);
}

/** The vision settings of the config, as the analyser takes them. */
export function analyserOptions(config: ResolvedConfig): AnalyserOptions {
  return {
    detector: config.vision.detector, landmarker: config.vision.landmarker, embedder: config.vision.embedder, modelsDir: modelsDir(config),
    threads: config.vision.threads, minDetScore: config.vision.minDetScore, minFaceness: config.vision.minFaceness, minFacenessUnsure: config.vision.minFacenessUnsure, minFaceSizePx: config.vision.minFaceSizePx,
    padRetry: config.vision.padRetry, maxPixels: config.index.maxPixels, maxTileGrid: config.vision.maxTileGrid,
  };
}

/**
 * The photo analysis this process uses: threads on this machine, or with
 * `node.remoteInference` the workers' detection and embedding services of the cluster file.
 * `size`: threads on this machine (a command with one photo needs one). @default index.concurrency
 */
export async function startAnalysisPool(config: ResolvedConfig, size = config.index.concurrency): Promise<AnalysisPool> {
  const options = analyserOptions(config);
  if (!config.node.remoteInference) return createAnalysisPool(options, size);
  if (!config.node.clusterFile) {
    throw new AppError('CONFIG_INVALID', 'node.remoteInference is on but node.clusterFile is unset; set FACETAG_NODE_CLUSTER_FILE to the cluster file, or turn remote inference off');
  }
  const endpoints = inferenceEndpoints(loadClusterFile(config.node.clusterFile));
  const { detectorId, embedderId } = modelKeys(options);
  const remote = createRemoteInference({ ...endpoints, token: config.services.token, embedder: embedderId });
  await remote.probeNow();
  return createRemoteAnalysisPool(remote, {
    detectorId, embedderId,
    // Enough requests in flight to keep every worker's two services busy.
    size: Math.max(1, endpoints.detection.length) * 2,
    local: () => createAnalysisPool(options, 1),
  });
}

/**
 * What analyses this process's index runs, started before anything is written (a missing or
 * altered model fails first): this machine's threads, or with `node.remoteInference` the
 * workers' detection and embedding services (`pool`); in cluster mode (`queue.driver: bullmq`)
 * nothing, since `facetag worker` processes analyse: only the models' keys are checked.
 */
export interface StartedAnalysis {
  readonly pool: AnalysisPool | null;
  readonly modelKey: string;
  readonly embedderId: string;
  close(): Promise<void>;
}

export async function startAnalysis(config: ResolvedConfig): Promise<StartedAnalysis> {
  if (config.queue.driver === 'bullmq') return { pool: null, ...modelKeys(analyserOptions(config)), close: async () => undefined };
  const pool = await startAnalysisPool(config);
  return { pool, modelKey: pool.modelKey, embedderId: pool.embedderId, close: () => pool.close() };
}

/**
 * The index run's transport over `started`: the queue in cluster mode (closing the transport
 * closes it), else the pool (which stays `started`'s).
 */
export async function analysisTransport(deps: Pick<Deps, 'config' | 'blobs' | 'log'>, started: StartedAnalysis): Promise<AnalysisTransport> {
  if (!started.pool) {
    return queueTransport(deps, await createQueue(deps.config, deps.log), { modelKey: started.modelKey, embedderId: started.embedderId }, {
      localPool: () => startAnalysisPool(deps.config, 1),
    });
  }
  return poolTransport(deps, started.pool);
}

/** `startAnalysis` and `analysisTransport` at once: closing the transport closes both. */
export async function createAnalysisTransport(deps: Pick<Deps, 'config' | 'blobs' | 'log'>): Promise<AnalysisTransport> {
  const started = await startAnalysis(deps.config);
  const transport = await analysisTransport(deps, started).catch(async (error: unknown) => {
    await started.close();
    throw error;
  });
  return {
    ...transport,
    async close() {
      await transport.close();
      await started.close();
    },
  };
}

/** The job queue `queue.driver` asks for: in-process, or BullMQ on `queue.redisUrl`. */
export async function createQueue(config: ResolvedConfig, log: Logger): Promise<JobQueue> {
  const { attempts, backoffMs } = config.queue;
  if (config.queue.driver === 'memory') return createMemoryQueue({ attempts, backoffMs });
  // BullMQ (and its Redis client) load only in cluster mode, not for every command.
  const { createBullmqQueue } = await import('./queue/bullmq-queue.js');
  return createBullmqQueue({ redisUrl: config.queue.redisUrl, prefix: config.queue.prefix, attempts, backoffMs, lockMs: config.queue.lockMs, log });
}

/** A worker node's resources: it reads photos, stores thumbnails and talks to the queue, but never opens the catalog. */
export async function createWorkerContext(config: ResolvedConfig, component: string): Promise<Pick<Deps, 'config' | 'log' | 'blobs'> & { queue: JobQueue; close(): Promise<void> }> {
  const log = createLogger({ ...config.log, dir: logsDir(config), component });
  logMallocArenaCap(log);
  // The thumbnails go where the management's catalog expects them: storage.driver's blob store.
  const blobs = await createBlobStore(config);
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
