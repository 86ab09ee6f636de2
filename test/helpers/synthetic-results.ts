import { createHash } from 'node:crypto';
import { syntheticFaces } from '../../bench/synthetic-faces.js';
import type { PhotoAnalysisResult } from '../../src/ingest/analysis-result.js';
import type { SourcePhoto } from '../../src/sources/photo-source.js';

export const SYNTHETIC_MODELS = { modelKey: 'synthetic-det@1+synthetic-emb@1', embedderId: 'synthetic-emb@1' };

/**
 * `photos` analysed photos as a worker would send them to the writer (thumbnails named, not
 * stored), `facesPerPhoto` faces each from a synthetic library of people (bench/synthetic-faces.ts):
 * what the writer's benchmark and its kill test write. Faces of one person sit as far apart, in
 * proportion to `maxDistance` (the embedder's clustering distance), as ArcFace's do in proportion
 * to its 0.55, so that clustering does its real work whatever the embedder.
 */
export function syntheticResults(photos: number, options: { facesPerPhoto?: number; dimensions?: number; seed?: number; maxDistance?: number } = {}) {
  const per = options.facesPerPhoto ?? 2;
  // Median same-person distance m ≈ s / (1 + s) for noise energy s: 0.68 of the clustering distance.
  const m = 0.68 * (options.maxDistance ?? 0.55);
  const lib = syntheticFaces(photos * per, { dimensions: options.dimensions ?? 512, seed: options.seed ?? 7, medianNoise: m / (1 - m) });
  return Array.from({ length: photos }, (_, i): { photo: SourcePhoto; sha256: string; analysis: PhotoAnalysisResult } => {
    const sha256 = createHash('sha256').update(`synthetic photo ${i}`).digest('hex');
    return {
      photo: { key: `/synthetic/${String(i).padStart(7, '0')}.jpg`, size: 1000 + i, mtimeMs: 1 },
      sha256,
      analysis: {
        modelKey: SYNTHETIC_MODELS.modelKey,
        meta: { width: 1600, height: 1200, format: 'jpeg', orientation: 1, takenAt: null, gps: null },
        faces: Array.from({ length: per }, (_, k) => {
          const x = 100 + k * 300;
          return {
            box: { x, y: 200, w: 160, h: 160 }, landmarks: [[x + 50, 250], [x + 110, 250], [x + 80, 280], [x + 60, 310], [x + 100, 310]],
            detScore: 0.95, faceness: null, quality: { quality: 0.8, size: 1, sharpness: 0.9, pose: 0.9, yaw: 0 },
            embedding: Float32Array.from(lib.vector(i * per + k)), thumbKey: `faces/${sha256.slice(0, 2)}/${sha256}-${k}.jpg`,
          };
        }),
        dropped: 0, notFaces: 0, timings: { decodeMs: 0, detectMs: 0, embedMs: 0 },
        xmp: { regions: [], personKeywords: [], keywords: [], problems: [] },
      },
    };
  });
}
