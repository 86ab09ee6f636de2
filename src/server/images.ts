import { createHash } from 'node:crypto';
import type { FaceRecord, PhotoRecord } from '../catalog/catalog.js';
import { AppError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { orientedJpeg, resizeJpeg } from '../vision/image-codec.js';
import { THUMB_SIZE } from '../vision/thumbnail.js';
import { requirePhotoFormat } from '../vision/image-format.js';

/** Sizes the server makes; any other size is refused, so a request cannot make it resize at will. */
export const THUMB_SIZES = [64, 96, THUMB_SIZE] as const;
export const PREVIEW_SIZES = [320, 640, 1280, 2048] as const;

export interface Image {
  bytes: Buffer;
  etag: string;
}

/** Least-recently-used byte cache, bounded by total size. */
function byteCache(maxBytes: number) {
  const map = new Map<string, Buffer>();
  let size = 0;
  return {
    get(key: string) {
      const v = map.get(key);
      if (v) {
        map.delete(key);
        map.set(key, v);
      }
      return v;
    },
    set(key: string, value: Buffer) {
      if (value.length > maxBytes / 4) return;
      map.set(key, value);
      size += value.length;
      for (const [k, v] of map) {
        if (size <= maxBytes) break;
        map.delete(k);
        size -= v.length;
      }
    },
  };
}

const etagOf = (...parts: Array<string | number>) => `"${createHash('sha1').update(parts.join('|')).digest('base64url')}"`;

/**
 * Face thumbnails (from the blob store) and photo previews (from the photo's file, whose path
 * comes from the catalog, never from the request), resized on the server and cached in memory.
 */
export function createImageService(blobs: BlobStore, options: {
  cacheBytes?: number; maxPixels: number; presignTtlSeconds?: number;
  /** Reads a photo by its catalog path (sources/photo-opener.ts `createPhotoReader`). */
  readPhoto: (path: string, photoId: number) => Promise<Buffer>;
}) {
  const { readPhoto } = options;
  const cache = byteCache(options.cacheBytes ?? 64 * 1024 * 1024);
  const ttl = options.presignTtlSeconds ?? 300;
  return {
    /**
     * A short-lived URL the browser can fetch the stored thumbnail from (S3 presigned GET), or null
     * when the store has none or the size must be made here (only the stored 160 px is redirected).
     */
    async faceThumbUrl(face: FaceRecord, size: number): Promise<string | null> {
      if (!blobs.signedUrl || size !== THUMB_SIZE) return null;
      if (!face.thumbKey) throw new AppError('NOT_FOUND', `face ${face.id} has no thumbnail; re-index its photo`);
      return blobs.signedUrl(face.thumbKey, ttl);
    },
    async faceThumb(face: FaceRecord, size: number): Promise<Image> {
      if (!face.thumbKey) throw new AppError('NOT_FOUND', `face ${face.id} has no thumbnail; re-index its photo`);
      const etag = etagOf(face.thumbKey, size);
      const key = `t:${face.id}:${size}`;
      const hit = cache.get(key);
      if (hit) return { bytes: hit, etag };
      const stored = await blobs.get(face.thumbKey);
      if (!stored) throw new AppError('NOT_FOUND', `the thumbnail of face ${face.id} is missing; re-index its photo`);
      const bytes = size === THUMB_SIZE ? stored : await resizeJpeg(stored, size, { quality: 80 });
      cache.set(key, bytes);
      return { bytes, etag };
    },
    async photoPreview(photo: PhotoRecord, size: number): Promise<Image> {
      if (photo.status !== 'done' || !photo.sha256) throw new AppError('NOT_FOUND', `photo ${photo.id} was not indexed; see \`facetag photos list --failed\``);
      const etag = etagOf(photo.sha256, size);
      const key = `p:${photo.sha256}:${size}`;
      const hit = cache.get(key);
      if (hit) return { bytes: hit, etag };
      const input = await readPhoto(photo.path, photo.id);
      requirePhotoFormat(input); // the file may have changed since it was indexed: no SVG or PDF reaches a decoder
      const bytes = await orientedJpeg(input, { maxSide: size, maxPixels: options.maxPixels, quality: 82 }).catch((error: Error) => {
        if (error instanceof AppError) throw new AppError(error.code, `photo ${photo.id} cannot be decoded for a preview (${error.message})`);
        throw new AppError('PHOTO_CORRUPT', `photo ${photo.id} cannot be read for a preview (${error.message}); re-index it`);
      });
      cache.set(key, bytes);
      return { bytes, etag };
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;

/** The answer for an image: 304 when the client has it, else the JPEG with caching headers. */
export function imageResponse(image: Image, ifNoneMatch: string | undefined): Response {
  const headers = { ETag: image.etag, 'Cache-Control': 'private, max-age=86400', 'Content-Type': 'image/jpeg' };
  if (ifNoneMatch && ifNoneMatch.split(/\s*,\s*/).includes(image.etag)) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(image.bytes), { status: 200, headers: { ...headers, 'Content-Length': String(image.bytes.length) } });
}
