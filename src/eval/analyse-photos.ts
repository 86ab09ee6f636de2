import { readFile } from 'node:fs/promises';
import { toAppError } from '../errors.js';
import type { IndexProgress } from '../ingest/index-summary.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import type { Box } from '../vision/image.js';

export interface PhotoFaces {
  path: string;
  /** Oriented size of the photo; null when it could not be analysed. */
  width: number | null;
  height: number | null;
  faces: Array<{ box: Box; embedding: Float32Array; detScore: number; quality: number }>;
  /** Faces detected but dropped as smaller than vision.minFaceSizePx. */
  dropped: number;
  /** Decode + detect + embed time in the worker, not counting the wait for a free worker. */
  ms: number;
  detectMs: number;
  error: { code: string; message: string } | null;
}

/** Analyses photos on the pool, keeping every worker busy; a photo that fails is returned with its error. */
export async function analysePhotos(
  pool: Pick<AnalysisPool, 'analyse' | 'size'>,
  paths: readonly string[],
  onProgress?: (p: IndexProgress) => void,
): Promise<PhotoFaces[]> {
  const results: PhotoFaces[] = new Array(paths.length);
  const progress = { total: paths.length, done: 0, failed: 0, faces: 0 };
  let next = 0;
  const lane = async () => {
    while (next < paths.length) {
      const i = next++;
      const path = paths[i]!;
      try {
        const r = await pool.analyse(await readFile(path));
        const t = r.timings;
        results[i] = {
          path, width: r.meta.width, height: r.meta.height,
          faces: r.faces.map((f) => ({ box: f.box, embedding: f.embedding, detScore: f.detScore, quality: f.quality.quality })), dropped: r.dropped,
          ms: t.decodeMs + t.detectMs + t.embedMs, detectMs: t.detectMs, error: null,
        };
        progress.faces += r.faces.length;
      } catch (error) {
        const e = toAppError(error);
        results[i] = { path, width: null, height: null, faces: [], dropped: 0, ms: Number.NaN, detectMs: Number.NaN, error: { code: e.code, message: e.message } };
        progress.failed++;
      }
      progress.done++;
      onProgress?.({ ...progress });
    }
  };
  // Two photos in flight per worker: one being analysed, one being read and sent.
  await Promise.all(Array.from({ length: Math.max(1, pool.size * 2) }, lane));
  return results;
}

/** The largest face by box area: the labelled person of a labelled photo. */
export function largestFace<T extends { box: Box }>(faces: readonly T[]): T | null {
  let best: T | null = null;
  for (const f of faces) if (!best || f.box.w * f.box.h > best.box.w * best.box.h) best = f;
  return best;
}
