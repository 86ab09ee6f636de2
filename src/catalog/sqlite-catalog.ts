import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import type { Catalog } from './catalog.js';
import { oneBatchAtATime } from './one-batch-at-a-time.js';
import { sqliteAnnotations } from './sqlite-annotations.js';
import { sqliteDecisions } from './sqlite-decisions.js';
import { sqliteDump } from './sqlite-dump.js';
import { sqliteFaces } from './sqlite-faces.js';
import { sqliteGraphQueries } from './sqlite-graph-queries.js';
import { migrate } from './sqlite-migrations.js';
import { sqlitePeople } from './sqlite-people.js';
import { sqlitePhotos } from './sqlite-photos.js';
import { busyAsAppError, configureConnection } from './sqlite-write.js';
import { sqliteWrites } from './sqlite-writer-tx.js';

/**
 * The embedded catalog: one SQLite file in WAL mode. This file opens it and assembles the port
 * from one file per part of it (sqlite-photos.ts, sqlite-faces.ts, sqlite-people.ts,
 * sqlite-decisions.ts, sqlite-graph-queries.ts, sqlite-annotations.ts, sqlite-dump.ts,
 * sqlite-writer-tx.ts), as the Neo4j adapter is laid out.
 */
export function openSqliteCatalog(file: string): Catalog & { db: Database.Database } {
  mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    throw new AppError('STORE_FAILED', `cannot open the catalog ${file} (${(error as Error).message}); check the data folder's permissions`);
  }
  configureConnection(db);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw busyAsAppError(error, file);
  }

  const writes = sqliteWrites(db);
  const catalog: Catalog & { db: Database.Database } = {
    db,
    ...sqlitePhotos(db, writes),
    ...sqliteFaces(db, writes),
    ...sqlitePeople(db, writes),
    ...sqliteDecisions(db, writes),
    ...sqliteGraphQueries(db),
    ...sqliteAnnotations(db),
    ...sqliteDump(db),
    async counts() {
      const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      return {
        photos: one("SELECT count(*) AS n FROM photos WHERE status = 'done'"),
        photosFailed: one("SELECT count(*) AS n FROM photos WHERE status = 'failed'"),
        faces: one('SELECT count(*) AS n FROM faces'),
        people: one('SELECT count(*) AS n FROM people'),
        unassigned: one('SELECT count(*) AS n FROM faces WHERE person_id IS NULL'),
      };
    },
    async writeBatch(work) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(writes.tx);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
  return oneBatchAtATime(withBusyErrors(catalog, file));
}

/** Every method of the catalog, with a write that waited out the busy timeout failing as STORE_FAILED. */
function withBusyErrors<T extends object>(catalog: T, file: string): T {
  const out = { ...catalog } as Record<string, unknown>;
  for (const [key, value] of Object.entries(catalog)) {
    if (typeof value !== 'function') continue;
    out[key] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => unknown).apply(catalog, args);
      } catch (error) {
        throw busyAsAppError(error, file);
      }
    };
  }
  return out as T;
}
