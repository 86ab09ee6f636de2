import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { AppError } from '../errors.js';

/**
 * A consistent copy of a live SQLite database with SQLite's online backup API: other
 * processes go on reading and writing while it runs, and the copy is the database as of one
 * transaction (WAL content included). Returns false when there is no such database.
 */
export async function backupSqliteFile(source: string, target: string): Promise<boolean> {
  if (!existsSync(source)) return false;
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(target);
  } catch (error) {
    throw new AppError('STORE_FAILED', `SQLite backup of ${source} failed (${(error as Error).message}); check the disk space at the destination and run it again`);
  } finally {
    db.close();
  }
  return true;
}

/** `PRAGMA integrity_check` of a copy: "ok" or SQLite's first complaint. */
export function checkSqliteFile(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/** Puts a verified copy in place of `target`, dropping the old database's WAL and shared-memory files. */
export async function placeSqliteFile(copy: string, target: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${target}${suffix}`, { force: true });
  await copyFile(copy, target);
}
