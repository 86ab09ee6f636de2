import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogCounts } from '../catalog/catalog.js';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { catalogFile, type Deps } from '../context.js';
import { AppError } from '../errors.js';
import { backupSqliteFile, checkSqliteFile, placeSqliteFile } from './sqlite-file-backup.js';

/**
 * The catalog's part of a backup, by catalog driver. This is the seam where a catalog plugs
 * in: the embedded SQLite catalog is a file copied with SQLite's online backup
 * (`sqlite-file`); a server catalog (Neo4j) is a dump written through its own export
 * (`catalog-dump`, NDJSON from `exportCatalog`, loaded back with `importCatalog`).
 */
export interface CatalogBackupPart {
  readonly kind: 'sqlite-file' | 'catalog-dump';
  /** Throws NOT_FOUND when there is no catalog to back up (before anything opens, and so creates, one). */
  requireCatalog(): void;
  /** Writes the catalog's snapshot into `stageDir`; returns the counts of what it holds. */
  snapshot(deps: Pick<Deps, 'catalog'>, stageDir: string): Promise<CatalogCounts>;
  /** Before the catalog is opened: puts files in place (a file-based catalog). */
  place(stageDir: string): Promise<void>;
  /** With the catalog open and empty: loads a dump (a server catalog). */
  load(deps: Pick<Deps, 'catalog'>, stageDir: string): Promise<void>;
}

export const CATALOG_COPY = 'catalog.sqlite';

function sqliteFilePart(config: ResolvedConfig): CatalogBackupPart {
  return {
    kind: 'sqlite-file',
    requireCatalog() {
      if (!existsSync(catalogFile(config))) {
        throw new AppError('NOT_FOUND', `there is no catalog in ${config.data.dir} to back up; check --data (env FACETAG_DATA_DIR)`);
      }
    },
    async snapshot(_deps, stageDir) {
      const copy = join(stageDir, CATALOG_COPY);
      if (!(await backupSqliteFile(catalogFile(config), copy))) {
        throw new AppError('NOT_FOUND', `there is no catalog in ${config.data.dir} to back up; check --data (env FACETAG_DATA_DIR)`);
      }
      const check = checkSqliteFile(copy);
      if (check !== 'ok') throw new AppError('STORE_FAILED', `the catalog copy fails SQLite's integrity check (${check}); the live catalog may be damaged: keep your last good backup`);
      return countsOf(copy);
    },
    async place(stageDir) {
      await placeSqliteFile(join(stageDir, CATALOG_COPY), catalogFile(config));
    },
    async load() {},
  };
}

/** Counts through the catalog port, on the copy itself (the live catalog may have moved on). */
async function countsOf(file: string): Promise<CatalogCounts> {
  const copy = openSqliteCatalog(file);
  try {
    return await copy.counts();
  } finally {
    await copy.close();
  }
}

/**
 * The part for the configured catalog driver. Only the embedded SQLite catalog exists on
 * this branch. The Neo4j catalog plugs in here as `case 'neo4j'`, a `catalog-dump` part:
 *   requireCatalog()  nothing to check before opening (the server holds the catalog);
 *   snapshot(deps, stageDir)  `exportCatalog(deps.catalog, createWriteStream(join(stageDir, 'catalog.ndjson')))`,
 *                     returning `deps.catalog.counts()` (the dump is one read transaction);
 *   place()           nothing (no file to put in place);
 *   load(deps, stageDir)  `importCatalog(deps.catalog, createReadStream(join(stageDir, 'catalog.ndjson')))`,
 *                     which refuses a catalog that is not empty (so `restore --force` must
 *                     empty it first) and gives new ids (compare restored libraries by
 *                     content, not by id).
 */
export function catalogPartFor(config: ResolvedConfig): CatalogBackupPart {
  const driver = (config as { catalog?: { driver?: string } }).catalog?.driver ?? 'sqlite';
  switch (driver) {
    case 'sqlite':
      return sqliteFilePart(config);
    default:
      throw new AppError('CONFIG_INVALID', `catalog.driver "${driver}" has no backup part yet; back it up with the server's own tools, or use the sqlite catalog`);
  }
}
