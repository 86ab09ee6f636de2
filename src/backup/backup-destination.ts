/**
 * Where a backup goes and comes back from. A snapshot is written into a local folder first
 * (SQLite's backup API writes files); the destination then makes it durable and complete in
 * one step. The folder destination renames its staging folder into place; an object-store
 * destination (S3 / MinIO, `s3://bucket/prefix`) uploads every file and the manifest last.
 */
export interface BackupDestination {
  /** For messages to the user (never for logs: it may name a private folder). */
  readonly description: string;
  /** Fails with CONFLICT when a backup is already there: a backup never overwrites one. */
  openWriter(): Promise<BackupWriter>;
  /** Fails with NOT_FOUND when there is no backup there. */
  openReader(): Promise<BackupReader>;
}

export interface BackupWriter {
  /** A local, empty folder to write the snapshot into. */
  readonly dir: string;
  /** Makes the snapshot in `dir` the backup, all of it or nothing. */
  commit(): Promise<void>;
  /** Removes what was written; the destination is as it was. */
  abort(): Promise<void>;
}

export interface BackupReader {
  /** A local folder holding the snapshot's files. */
  readonly dir: string;
  close(): Promise<void>;
}

/** The file every backup holds, written last: what is in it, with a sha256 per file. */
export const MANIFEST = 'manifest.json';
