import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ClusterParams } from '../clustering/incremental-assign.js';
import type { VectorIndex } from '../clustering/vector-index.js';
import type { Deps } from '../deps.js';
import { AppError, type ErrorCode } from '../errors.js';
import { completeAnalysis } from '../ingest/analyse-photo.js';
import { isUnchanged } from '../ingest/photo-unchanged.js';
import { createSingleWriter } from '../ingest/single-writer.js';
import type { AnalysisPool, PoolAnalysis } from '../vision/analysis-pool.js';
import { iou } from '../vision/image.js';

/** File extension of an uploaded photo, from the format its content was decoded as. */
const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', tiff: 'tif', heif: 'heic', avif: 'avif', gif: 'gif', jp2: 'jp2' };

export const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Keeps the bytes of a photo sent over HTTP, content-addressed under the data folder
 * (`folder` is `uploadsDir(config)`: `uploads/ab/<sha256>.jpg`), so the same photo sent twice is one file and one catalog photo.
 * Returns its path, which becomes the photo's path in the catalog.
 */
export async function keepUpload(folder: string, bytes: Buffer, sha256: string, format: string): Promise<string> {
  const path = join(folder, sha256.slice(0, 2), `${sha256}.${EXTENSIONS[format] ?? 'img'}`);
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.part`;
  await writeFile(partial, bytes, { mode: 0o600 });
  await rename(partial, path);
  return path;
}

export interface StoredPhoto {
  photoId: number;
  /** The catalog id of each face of the analysis, in its order; null for a face not stored (a box a person dismissed). */
  faceIds: Array<number | null>;
  /** False when the catalog already held this photo, unchanged and analysed by these models. */
  added: boolean;
}

/**
 * Indexes an analysed photo like any other (`facetag index`'s single writer: thumbnails, XMP
 * regions, one catalog transaction, then clustering), without analysing it again. A photo the
 * catalog holds already, unchanged and analysed by the same models, is not stored twice: its
 * faces are matched to the analysis by their boxes. Call it from one writer at a time.
 */
export async function storeAnalysedPhoto(
  deps: Pick<Deps, 'catalog' | 'blobs' | 'log'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse'>,
  index: VectorIndex,
  params: ClusterParams,
  photo: { key: string; bytes: Buffer; sha256: string; mtimeMs: number; analysis: PoolAnalysis },
): Promise<StoredPhoto> {
  const { catalog } = deps;
  const existing = await catalog.getPhotoByPath(photo.key);
  if (isUnchanged(existing, photo.sha256, analyser.modelKey)) {
    const stored = await catalog.listFaces({ photoId: existing!.id });
    const faceIds = photo.analysis.faces.map((f) => {
      let best: { id: number; overlap: number } | null = null;
      for (const s of stored) {
        const overlap = iou(s.box, f.box);
        if (overlap >= 0.5 && (!best || overlap > best.overlap)) best = { id: s.id, overlap };
      }
      return best?.id ?? null;
    });
    return { photoId: existing!.id, faceIds, added: false };
  }
  const result = await completeAnalysis(deps, analyser, { key: photo.key, sha256: photo.sha256, bytes: photo.bytes }, photo.analysis);
  const writer = createSingleWriter(deps, index, params, analyser, { maxPhotos: 1, maxWaitMs: 0 });
  const written = await writer.write({ key: photo.key, size: photo.bytes.length, mtimeMs: photo.mtimeMs }, photo.sha256, result);
  if (written.kind === 'failed') throw new AppError(written.code as ErrorCode, written.message);
  if (written.kind === 'unchanged') return storeAnalysedPhoto(deps, analyser, index, params, photo);
  return { photoId: written.photoId, faceIds: written.faceIds, added: true };
}
