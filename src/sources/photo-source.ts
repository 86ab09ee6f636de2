import type { ErrorCode } from '../errors.js';
import type { SidecarNaming } from '../interop/sidecar-names.js';
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
  /**
   * Listed, but nothing to read: a folder that could not be listed (`problem`: recorded as a
   * failure under the folder's key, so the photos in it are not silently lost), or an entry
   * with a photo's name that is no file (`skip`: a dangling symlink, a FIFO; counted by reason).
   */
  problem?: { code: ErrorCode; message: string };
  skip?: string;
  /**
   * The XMP sidecars the listing saw beside the photo (interop/sidecar-names.ts), in reading
   * order; `[]`: none, so none is opened. Absent when the source cannot tell: each naming is
   * then tried when the photo is analysed.
   */
  sidecars?: readonly SidecarNaming[];
}

/** A listing's photos to read, and its skipped entries counted by reason. */
export function splitListing(listed: SourcePhoto[]): { photos: SourcePhoto[]; skipped: SourcePhoto[]; skippedByReason: Record<string, number> } {
  const skipped = listed.filter((p) => p.skip);
  const skippedByReason: Record<string, number> = {};
  for (const p of skipped) skippedByReason[p.skip!] = (skippedByReason[p.skip!] ?? 0) + 1;
  return { photos: listed.filter((p) => !p.skip), skipped, skippedByReason };
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
  /**
   * The key prefix a listing covers completely (a folder source: its folder), if it does: a
   * folder on record as unlistable under it that the listing no longer reports was fixed (or is
   * gone), and its failure is cleared. A filtered view of a source (a watch's poll) has none.
   */
  scope?: string;
  /** The name to show for a photo in a run's summary (relative to the source; never logged). */
  displayName(photo: SourcePhoto): string;
  close(): Promise<void>;
}
