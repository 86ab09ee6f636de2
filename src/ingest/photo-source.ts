import type { PhotoSourceRef } from '../queue/jobs.js';

/**
 * The photo source port: where photos to index come from. The folder adapter is the embedded
 * default; an S3 adapter reads a bucket (`incoming`) in cluster mode. An item's `key` is what
 * the catalog stores as the photo's path: the file path for a folder, `s3://bucket/key` for S3.
 */
export interface SourcePhoto {
  key: string;
  /** Bytes, as listed (a photo over `index.maxFileBytes` is refused before it is read). */
  size: number;
  /** Modification time (ms since the epoch) as listed. */
  mtimeMs: number;
}

export interface PhotoSource {
  /** Where the source is, as a job names it: a worker on another machine reads the photos from there. */
  readonly ref: PhotoSourceRef;
  /** Every photo to consider, in a stable order. Unlistable parts are reported through `onError` and skipped. */
  list(): Promise<SourcePhoto[]>;
  /** The photo's bytes; throws `AppError('PHOTO_UNREADABLE', …)` when they cannot be read. */
  read(photo: SourcePhoto): Promise<Buffer>;
  /** Called once the photo is stored in the catalog (e.g. S3 moves it to `processed`). */
  settle(photo: SourcePhoto, outcome: 'done' | 'failed'): Promise<void>;
  /** The name to show for a photo in a run's summary (relative to the source; never logged). */
  displayName(photo: SourcePhoto): string;
  close(): Promise<void>;
}
