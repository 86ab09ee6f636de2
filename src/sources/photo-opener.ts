import { resolve } from 'node:path';
import type { ResolvedConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';
import type { PhotoSourceRef } from '../queue/jobs.js';
import { createFolderSource, readPhotoFile } from './folder-source.js';
import type { PhotoSource } from './photo-source.js';

/*
 * Where a photo is read from, decided here and nowhere else: the index run (`facetag index`,
 * --watch, the dashboard's Index now) opens its source with `openPhotoSource`, a `facetag worker`
 * reads the source a job names through `cachedSourceOpener`, and everything that reads a photo
 * after its run (dashboard previews, hand-drawn faces, captions, a change of models) asks
 * `createPhotoReader` by the key the catalog holds. Folder and S3 adapters: folder-source.ts and
 * s3-source.ts (the S3 SDK is loaded only when a bucket is named).
 */

/**
 * Where an index run's photos are, from what a person types: a folder, or `s3://bucket[/prefix]`.
 * A folder is taken as given here and checked when it is opened.
 */
export async function sourceRefOf(where: string, cwd = process.cwd()): Promise<PhotoSourceRef> {
  if (!where.startsWith('s3://')) return { kind: 'folder', root: resolve(cwd, where) };
  const { parseS3Url } = await import('../storage/s3-client.js');
  const url = parseS3Url(where);
  if (!url) throw new AppError('USAGE', `${where} is not an S3 source; write s3://bucket or s3://bucket/prefix/ (bucket names: 3-63 lowercase letters, digits, dots, dashes)`);
  return { kind: 's3', bucket: url.bucket, prefix: url.prefix };
}

/**
 * The one place an index run's photos are read from, for the process that admits them (`writer`:
 * it settles each photo once written, e.g. moves it to `storage.processedBucket`) and for a
 * `facetag worker` (`reader`: it only reads; the move is the writer's). A bucket is read with this
 * node's own `storage.*` settings; the S3 SDK is loaded only for a bucket. `check` lists the bucket
 * once first, so a wrong key or a missing bucket is reported before any work; a folder that
 * cannot be listed is reported to `onListError` by its error code (never its path).
 */
export async function openPhotoSource(
  { config }: { config: Pick<ResolvedConfig, 'index' | 'storage'> },
  ref: PhotoSourceRef,
  role: 'writer' | 'reader',
  options: { check?: boolean; onListError?: (code: string | undefined) => void } = {},
): Promise<PhotoSource> {
  if (ref.kind === 'folder') {
    return createFolderSource(ref.root, { followSymlinks: config.index.followSymlinks, ...(options.onListError ? { onListError: options.onListError } : {}) });
  }
  const { checkS3Source, createS3Source } = await import('./s3-source.js');
  const s = config.storage;
  if (options.check) await checkS3Source(s, ref.bucket, ref.prefix);
  return createS3Source(s, {
    bucket: ref.bucket, prefix: ref.prefix, processedBucket: s.processedBucket,
    processedAction: role === 'writer' ? s.processedAction : 'leave', maxFileBytes: config.index.maxFileBytes,
  });
}

/** Opens the source a job names, once per source (a worker's many jobs share it). */
export type SourceOpener = (ref: PhotoSourceRef) => Promise<Pick<PhotoSource, 'read'>>;

/** `openPhotoSource` as a reader, each source opened once; a failed open is tried again by the next job. */
export function cachedSourceOpener(config: Pick<ResolvedConfig, 'index' | 'storage'>): SourceOpener & { close(): Promise<void> } {
  const open = new Map<string, Promise<PhotoSource>>();
  return Object.assign((ref: PhotoSourceRef) => {
    const id = JSON.stringify(ref);
    if (!open.has(id)) {
      const opening = openPhotoSource({ config }, ref, 'reader');
      opening.catch(() => open.delete(id));
      open.set(id, opening);
    }
    return open.get(id)!;
  }, {
    async close() {
      const all = [...open.values()];
      open.clear();
      await Promise.all(all.map(async (s) => (await s.catch(() => null))?.close()));
    },
  });
}

/** Reads a photo by the key the catalog holds for it (`photo.path`). */
export interface PhotoReader {
  /** The photo's bytes; NOT_FOUND (naming `photoId`, never the path) when it is gone. */
  read(path: string, photoId: number): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Reads a photo after its run by the key the catalog holds: a file (a regular file only), or
 * `s3://bucket/key`, looked for where it was listed and then in `storage.processedBucket`, where
 * the writer moved or copied it (the S3 SDK is loaded on the first such key).
 */
export function createPhotoReader(config: Pick<ResolvedConfig, 'storage'>): PhotoReader {
  let s3: Promise<{ read(path: string): Promise<Buffer | null>; close(): Promise<void> }> | null = null;
  return {
    async read(path, photoId) {
      if (!path.startsWith('s3://')) return readPhotoFile(path, photoId);
      s3 ??= import('./s3-source.js').then((m) => m.createS3PhotoReader(config.storage));
      const bytes = await (await s3).read(path);
      if (!bytes) throw new AppError('NOT_FOUND', `the object of photo ${photoId} is gone from its bucket and from storage.processedBucket (expired or deleted); re-upload it to index it again`);
      return bytes;
    },
    async close() {
      if (s3) await (await s3).close();
    },
  };
}
