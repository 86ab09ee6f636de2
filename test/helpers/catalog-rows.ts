import Database from 'better-sqlite3';

/** Photos stored so far in a SQLite catalog, read while an indexer runs (WAL lets a reader in beside the writer). */
export function processedSoFar(file: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM photos WHERE status = 'done'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}
