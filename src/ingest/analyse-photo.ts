import type { Deps } from '../deps.js';
import { findRegions } from '../interop/import-regions.js';
import type { SourcePhoto } from '../sources/photo-source.js';
import type { AnalysisPool, PoolAnalysis } from '../vision/analysis-pool.js';
import type { AnalysedFace, PhotoAnalysisResult } from './analysis-result.js';

/** The thumbnail key of a photo's n-th detected face: content-addressed, so a retry overwrites the same blob. */
export const faceThumbKey = (sha256: string, n: number) => `faces/${sha256.slice(0, 2)}/${sha256}-${n}.jpg`;
/** The thumbnail key of a face embedded from the photo's n-th named XMP region. */
export const regionThumbKey = (sha256: string, n: number) => `faces/${sha256.slice(0, 2)}/${sha256}-x${n}.jpg`;

/** A photo to analyse: its key, content hash and bytes, and the sidecars its listing showed (if one is known). */
export type AnalysedPhoto = Pick<SourcePhoto, 'key' | 'sidecars'> & { sha256: string; bytes: Buffer };

/**
 * One photo's analysis, wherever it runs (the in-process pool, or `facetag worker` for a queued
 * photo): detect and embed its faces, then `completeAnalysis`. The result is everything the
 * single writer needs: it never reads the photo.
 */
export async function analysePhoto(
  deps: Pick<Deps, 'blobs'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'analyse'>,
  photo: AnalysedPhoto,
): Promise<PhotoAnalysisResult> {
  return completeAnalysis(deps, analyser, photo, await analyser.analyse(photo.bytes));
}

/**
 * What the writer needs beyond the pool's analysis of a photo: its faces' thumbnails stored,
 * its XMP regions and keywords read, and the named regions no face matched embedded (a photo
 * sent for recognition is analysed once, then kept through this).
 */
export async function completeAnalysis(
  { blobs }: Pick<Deps, 'blobs'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'analyse'>,
  photo: AnalysedPhoto,
  analysis: PoolAnalysis,
): Promise<PhotoAnalysisResult> {
  const { sha256, bytes } = photo;
  const store = async (face: PoolAnalysis['faces'][number], key: string): Promise<AnalysedFace> => {
    await blobs.put(key, Buffer.from(face.thumbnail), 'image/jpeg');
    const { thumbnail: _bytes, ...rest } = face;
    return { ...rest, thumbKey: key };
  };
  const faces = await Promise.all(analysis.faces.map((f, i) => store(f, faceThumbKey(sha256, i))));
  const xmp = await findRegions({ path: photo.key, bytes, size: analysis.meta, sidecars: photo.sidecars }, faces.map((f) => f.box), async (box, n) => {
    const found = (await analyser.analyse(bytes, box)).faces[0];
    return found ? store(found, regionThumbKey(sha256, n)) : null;
  });
  return { modelKey: analyser.modelKey, meta: analysis.meta, faces, dropped: analysis.dropped, notFaces: analysis.notFaces, timings: analysis.timings, xmp };
}
