import type { Deps } from '../context.js';
import { findRegions } from '../interop/import-regions.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import type { AnalysedFace, PhotoAnalysisResult } from './analysis-result.js';

/** The thumbnail key of a photo's n-th detected face: content-addressed, so a retry overwrites the same blob. */
export const faceThumbKey = (sha256: string, n: number) => `faces/${sha256.slice(0, 2)}/${sha256}-${n}.jpg`;
/** The thumbnail key of a face embedded from the photo's n-th named XMP region. */
export const regionThumbKey = (sha256: string, n: number) => `faces/${sha256.slice(0, 2)}/${sha256}-x${n}.jpg`;

/**
 * One photo's analysis, wherever it runs (the in-process pool, or `facetag worker` for a queued
 * photo): detect and embed its faces, store their thumbnails, read its XMP regions and keywords
 * and embed the named regions no face matched. The result is everything the single writer
 * needs: it never reads the photo.
 */
export async function analysePhoto(
  { blobs }: Pick<Deps, 'blobs'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'analyse'>,
  photo: { key: string; sha256: string; bytes: Buffer },
): Promise<PhotoAnalysisResult> {
  const { sha256, bytes } = photo;
  const analysis = await analyser.analyse(bytes);
  const store = async (face: (typeof analysis.faces)[number], key: string): Promise<AnalysedFace> => {
    await blobs.put(key, Buffer.from(face.thumbnail), 'image/jpeg');
    return { box: face.box, landmarks: face.landmarks, detScore: face.detScore, quality: face.quality, embedding: face.embedding, thumbKey: key };
  };
  const faces = await Promise.all(analysis.faces.map((f, i) => store(f, faceThumbKey(sha256, i))));
  const xmp = await findRegions({ path: photo.key, bytes, size: analysis.meta }, faces.map((f) => f.box), async (box, n) => {
    const found = (await analyser.analyse(bytes, box)).faces[0];
    return found ? store(found, regionThumbKey(sha256, n)) : null;
  });
  return { modelKey: analyser.modelKey, meta: analysis.meta, faces, dropped: analysis.dropped, timings: analysis.timings, xmp };
}
