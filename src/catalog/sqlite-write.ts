import type Database from 'better-sqlite3';
import { AppError } from '../errors.js';

/**
 * How long a write waits for another process's write to finish (`facetag index`, `serve` and
 * CLI edits share one catalog file). Writes last milliseconds; this is the bound of a queue of
 * them on a loaded machine, after which the write fails with STORE_FAILED instead of hanging.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 30_000;

/** Settings every connection to a facetag SQLite file uses: WAL, and waiting on a busy writer. */
export function configureConnection(db: Database.Database) {
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
}

/**
 * A write transaction that takes SQLite's write lock when it begins (`BEGIN IMMEDIATE`).
 *
 * A deferred transaction (better-sqlite3's default) reads first and asks for the write lock
 * only at its first write; if another process wrote meanwhile, SQLite cannot wait for it (the
 * snapshot already read is stale) and fails at once with "database is locked", whatever the
 * busy timeout. Taking the lock at BEGIN makes every writer queue on the busy timeout instead.
 * Nested inside another transaction, it is a savepoint of that one.
 */
export function writeTransaction<A extends unknown[], R>(db: Database.Database, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A) => tx.immediate(...args);
}

/**
 * A SQLite "busy" or "locked" error as the AppError it is for a user: the catalog stayed locked
 * longer than the busy timeout. Anything else is returned as it is.
 */
export function busyAsAppError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^SQLITE_(BUSY|LOCKED)/.test(code)) return error;
  return new AppError('STORE_FAILED', `the catalog ${file} stayed locked by another process for over ${SQLITE_BUSY_TIMEOUT_MS / 1000} s (${code}); try again, and look for a stuck facetag process`, { cause: error });
}
