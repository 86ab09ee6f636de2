import { join } from 'node:path';
import type { ResolvedConfig } from './config/load-config.js';

/**
 * The data folder's layout (`data.dir`, `--data DIR`): every file and folder facetag keeps there,
 * named once. A backup keeps the same names for what it copies (`auth.sqlite`, `blobs/`,
 * `uploads/`), so a restore puts each back where it was.
 */
export const DATA_FOLDER = {
  /** The embedded catalog (SQLite, with its `-wal` and `-shm` files beside it). */
  catalog: 'catalog.sqlite',
  /** The dashboard's credentials and sessions (SQLite). */
  auth: 'auth.sqlite',
  /** Face thumbnails, with the folder storage driver (`storage.driver: fs`). */
  blobs: 'blobs',
  /** Photos kept from recognition requests (`store=true`, CompreFace examples). */
  uploads: 'uploads',
  /** Log files, unless `log.dir` names another folder. */
  logs: 'logs',
  /** Model files, unless `vision.modelsDir` names another folder. */
  models: 'models',
  /** Held by the one index run writing the catalog (its pid inside). */
  writerLock: 'writer.lock',
  /** The config file a restore brings back from a backup (yours is never overwritten). */
  restoredConfig: 'restored-config',
} as const;

type DataConfig = Pick<ResolvedConfig, 'data'>;

export const catalogFile = (config: DataConfig) => join(config.data.dir, DATA_FOLDER.catalog);
export const authFile = (config: DataConfig) => join(config.data.dir, DATA_FOLDER.auth);
export const blobsDir = (config: DataConfig) => join(config.data.dir, DATA_FOLDER.blobs);
export const uploadsDir = (config: DataConfig) => join(config.data.dir, DATA_FOLDER.uploads);
export const logsDir = (config: Pick<ResolvedConfig, 'data' | 'log'>) => config.log.dir ?? join(config.data.dir, DATA_FOLDER.logs);
export const modelsDir = (config: Pick<ResolvedConfig, 'data' | 'vision'>) => config.vision.modelsDir ?? join(config.data.dir, DATA_FOLDER.models);
export const writerLockFile = (config: DataConfig) => join(config.data.dir, DATA_FOLDER.writerLock);
export const restoredConfigDir = (config: DataConfig) => join(config.data.dir, DATA_FOLDER.restoredConfig);

/** A SQLite database's files: the database and its write-ahead log and shared-memory index. */
export const sqliteFiles = (file: string) => ['', '-wal', '-shm'].map((suffix) => `${file}${suffix}`);
