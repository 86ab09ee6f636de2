import type { ResolvedConfig } from './config/load-config.js';
import { AppError } from './errors.js';

/**
 * Reads a photo by the path the catalog holds: a file, or `s3://bucket/key` (also looked for in
 * storage.processedBucket; the S3 SDK is loaded on the first such path). For the dashboard, and
 * for a change of models (the faces no detector proposes are embedded again from their photos).
 */
export function createPhotoReader(config: ResolvedConfig): { read: (path: string, photoId: number) => Promise<Buffer>; close(): Promise<void> } {
  let s3: Promise<{ read(path: string): Promise<Buffer | null>; close(): Promise<void> }> | null = null;
  return {
    async read(path, photoId) {
      if (!path.startsWith('s3://')) return (await import('./server/images.js')).readRegularFile(path, photoId);
      s3 ??= import('./ingest/s3-photo-reader.js').then((m) => m.createS3PhotoReader(config.storage));
      const bytes = await (await s3).read(path);
      if (!bytes) throw new AppError('NOT_FOUND', `the object of photo ${photoId} is gone from its bucket and from storage.processedBucket (expired or deleted); re-upload it to index it again`);
      return bytes;
    },
    async close() {
      if (s3) await (await s3).close();
    },
  };
}
