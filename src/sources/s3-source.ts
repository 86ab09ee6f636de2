import { extname } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AppError } from '../errors.js';
import { NO_SIDECARS } from '../interop/sidecar-names.js';
import { PHOTO_EXTENSIONS } from './walk.js';
import { createS3Client, parseS3Url, s3Error, type S3Settings } from '../storage/s3-client.js';
import type { PhotoSource, SourcePhoto } from './photo-source.js';

export interface S3SourceOptions {
  bucket: string;
  /** Only keys under this prefix (`2024/`); '' for the whole bucket. */
  prefix: string;
  /** Where `settle(photo, 'done')` moves or copies a photo; the key stays the same. */
  processedBucket: string;
  processedAction: 'move' | 'copy' | 'leave';
  /** Objects larger than this are not read (the indexer refuses them by their listed size). */
  maxFileBytes: number;
  /** Keys listed per request (S3 allows up to 1,000). @default 1000 */
  pageSize?: number;
  client?: S3Client;
}

/** The catalog key of an object: `s3://bucket/key`. */
export const s3PhotoKey = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/**
 * Photos in an S3 bucket (`storage.incomingBucket`), for `facetag index --source s3://incoming`.
 *
 * - list: ListObjectsV2 page by page, each page starting after the last key of the one before
 *   (StartAfter, so a listing cut by a server restart resumes where it was); photo extensions only.
 * - read: GetObject streamed into memory, refusing more than `maxFileBytes`.
 * - settle 'done': copy to `processedBucket` under the same key, then (move) delete it from the
 *   source, only after the catalog holds the result. A crash between the two leaves the photo in
 *   both buckets; the next run finds it unchanged and finishes the move. Nothing is deleted first.
 * - settle 'failed': the photo stays where it is (never moved, never deleted), recorded with its
 *   error in the catalog (`facetag photos list --failed`), and is tried again on the next run.
 */
export function createS3Source(settings: S3Settings, options: S3SourceOptions): PhotoSource {
  const client = options.client ?? createS3Client(settings);
  const { bucket, prefix } = options;
  const objectKey = (photo: SourcePhoto) => photo.key.slice(`s3://${bucket}/`.length);
  const fail = (error: unknown, b: string, doing: string) => s3Error(error, b, doing, settings);
  return {
    ref: { kind: 's3', bucket, prefix },
    async list() {
      const items: SourcePhoto[] = [];
      let startAfter: string | undefined;
      for (;;) {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, StartAfter: startAfter, MaxKeys: options.pageSize ?? 1000 }))
          .catch((error: unknown) => { throw fail(error, bucket, 'listing photos'); });
        const contents = page.Contents ?? [];
        for (const o of contents) {
          if (!o.Key || o.Key.endsWith('/') || !PHOTO_EXTENSIONS.has(extname(o.Key).toLowerCase())) continue;
          // Sidecars are files beside a photo on disk: an object's are not read (sidecars: none to open).
          items.push({ key: s3PhotoKey(bucket, o.Key), size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0, sidecars: NO_SIDECARS });
        }
        if (!page.IsTruncated || contents.length === 0) break;
        startAfter = contents[contents.length - 1]!.Key;
      }
      return items;
    },
    async read(photo) {
      const bytes = await readObject(client, settings, bucket, objectKey(photo), options.maxFileBytes);
      if (!bytes) throw new AppError('PHOTO_UNREADABLE', 'the object is gone from the bucket since it was listed; nothing to do unless it is uploaded again');
      return bytes;
    },
    async settle(photo, outcome) {
      if (outcome !== 'done' || options.processedAction === 'leave') return;
      const key = objectKey(photo);
      await client.send(new CopyObjectCommand({
        Bucket: options.processedBucket, Key: key, CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
      })).catch((error: unknown) => { throw fail(error, options.processedBucket, 'copying an indexed photo'); });
      if (options.processedAction === 'move') {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
          .catch((error: unknown) => { throw fail(error, bucket, 'removing an indexed photo after its copy'); });
      }
    },
    displayName: (photo) => objectKey(photo).slice(prefix.length).replace(/^\//, ''),
    async close() {
      if (!options.client) client.destroy();
    },
  };
}

/**
 * Checks that the bucket can be listed with these credentials (one small request), so a wrong
 * key, a missing bucket or a server that is down is reported before the models load.
 */
export async function checkS3Source(settings: S3Settings, bucket: string, prefix: string): Promise<void> {
  const client = createS3Client(settings);
  try {
    await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, MaxKeys: 1 }))
      .catch((error: unknown) => { throw s3Error(error, bucket, 'listing photos', settings); });
  } finally {
    client.destroy();
  }
}

/**
 * An object's bytes, streamed into memory, refusing more than `maxBytes`; null when the bucket
 * has no such key. Any other failure is an AppError naming the bucket (S3_BUCKET_MISSING, ...).
 */
async function readObject(client: S3Client, settings: S3Settings, bucket: string, key: string, maxBytes: number): Promise<Buffer | null> {
  let out;
  try {
    out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return null;
    throw s3Error(error, bucket, 'reading a photo', settings);
  }
  if ((out.ContentLength ?? 0) > maxBytes) {
    await out.Body?.transformToWebStream().cancel().catch(() => undefined);
    throw new AppError('PHOTO_TOO_LARGE', `the object is ${out.ContentLength} bytes, over index.maxFileBytes ${maxBytes}; raise FACETAG_INDEX_MAX_FILE_BYTES if it is a genuine photo`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new AppError('PHOTO_TOO_LARGE', `the object is over index.maxFileBytes ${maxBytes} bytes; raise FACETAG_INDEX_MAX_FILE_BYTES if it is a genuine photo`);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof AppError) {
      (out.Body as { destroy?: () => void }).destroy?.();
      throw error;
    }
    throw s3Error(error, bucket, 'reading a photo (the connection dropped)', settings);
  }
  if (out.ContentLength !== undefined && total !== out.ContentLength) {
    throw new AppError('S3_UNAVAILABLE', `the S3 server sent ${total} of ${out.ContentLength} bytes of a photo in bucket "${bucket}"; the photo stays in the bucket and is read again on the next run`);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads a photo the catalog knows as `s3://bucket/key` after its run (previews, hand-drawn faces,
 * captions, a change of models): from where it was listed, else from `storage.processedBucket`
 * under the same key, where the writer moved or copied it. Null when it is in neither (expired,
 * deleted, or its bucket is gone).
 */
export function createS3PhotoReader(settings: S3Settings) {
  const client = createS3Client(settings);
  const fetchObject = (bucket: string, key: string) => readObject(client, settings, bucket, key, Number.POSITIVE_INFINITY).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'S3_BUCKET_MISSING') return null;
    throw error;
  });
  return {
    async read(path: string): Promise<Buffer | null> {
      const url = parseS3Url(path);
      if (!url || !url.prefix) throw new AppError('INTERNAL', `photo path ${JSON.stringify(path)} is not an s3:// object URL`);
      return (await fetchObject(url.bucket, url.prefix)) ?? (url.bucket === settings.processedBucket ? null : await fetchObject(settings.processedBucket, url.prefix));
    },
    close: async () => client.destroy(),
  };
}
