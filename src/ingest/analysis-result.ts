import type { RegionFindings } from '../interop/import-regions.js';
import type { AnalysedFaceWithThumb } from '../vision/analysis-pool.js';
import type { PhotoMeta } from '../vision/decode.js';

/** A face as the analysis hands it to the writer: its thumbnail is stored already, under `thumbKey`. */
export type AnalysedFace = Omit<AnalysedFaceWithThumb, 'thumbnail'> & { thumbKey: string };

/**
 * What other tools left on the photo (XMP sidecar or embedded XMP: interop/), read where the
 * photo was analysed. A named region that no detected face matched comes with a face embedded
 * from its box, in case the catalog has no hand-drawn face there either.
 */
export type XmpFindings = RegionFindings<AnalysedFace>;

/**
 * Everything the single writer needs of one analysed photo, so it never reads the photo:
 * faces with stored thumbnails, the photo's metadata and its XMP findings.
 */
export interface PhotoAnalysisResult {
  /** The models that analysed it (`detector@v+embedder@v`). */
  modelKey: string;
  meta: PhotoMeta;
  faces: AnalysedFace[];
  /** Faces the detector found but the thresholds dropped. */
  dropped: number;
  /** Detections the face-presence check turned down. */
  notFaces: number;
  timings: { decodeMs: number; detectMs: number; embedMs: number };
  xmp: XmpFindings;
}

/** A photo's analysis, or why there is none. */
export type AnalysisOutcome =
  | { outcome: 'done'; analysis: PhotoAnalysisResult }
  | { outcome: 'failed'; code: string; message: string };

export const noXmpFindings = (): XmpFindings => ({ regions: [], personKeywords: [], keywords: [], problems: [] });
