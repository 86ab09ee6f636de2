import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogCounts } from '../catalog/catalog.js';
import { exportCatalog, importCatalog } from '../catalog/catalog-dump.js';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { DATA_FOLDER, catalogFile } from '../data-folder.js';
import type { Deps } from '../deps.js';
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

/** The catalog's copy in a backup: named as in the data folder. */
export const CATALOG_COPY = DATA_FOLDER.catalog;

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

export const CATALOG_DUMP = 'catalog.ndjson';

/**
 * A server catalog (Neo4j): an NDJSON dump through the catalog port (`exportCatalog`), loaded
 * back with `importCatalog` into an empty catalog, with new ids (the same people, faces,
 * embeddings and decisions). The dump reads in several transactions, so a library that changes
 * while it runs is detected (its counts before and after differ) and the backup refused.
 */
function catalogDumpPart(): CatalogBackupPart {
  return {
    kind: 'catalog-dump',
    requireCatalog() {},
    async snapshot({ catalog }, stageDir) {
      const before = await catalog.counts();
      const out = createWriteStream(join(stageDir, CATALOG_DUMP));
      await exportCatalog(catalog, out);
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      const after = await catalog.counts();
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        throw new AppError('STORE_FAILED', 'the library changed while it was being backed up (an index run or a person editing); run `facetag backup` again when it is quiet');
      }
      return after;
    },
    async place() {},
    async load({ catalog }, stageDir) {
      await importCatalog(catalog, createReadStream(join(stageDir, CATALOG_DUMP)), 'the backup');
    },
  };
}

/** The part for the configured catalog driver. */
export function catalogPartFor(config: ResolvedConfig): CatalogBackupPart {
  switch (config.catalog.driver) {
    case 'sqlite':
      return sqliteFilePart(config);
    case 'neo4j':
      return catalogDumpPart();
  }
}
