import { AppError } from '../errors.js';
import type { AnalysisPool, PoolAnalysis } from '../vision/analysis-pool.js';
import type { RemoteInference } from './remote-inference.js';

/**
 * The pipeline's `AnalysisPool` served by the workers' detection and embedding services: what
 * the management node uses instead of analysing on its own cores. Detection (with the aligned
 * faces and thumbnails) runs on one worker, embedding on another (or the same), each chosen by
 * the health-aware client. A face drawn by hand (`box`) is rare and interactive: it is
 * analysed by the local pool, started on first need.
 */
export function createRemoteAnalysisPool(remote: RemoteInference, options: {
  /** `detector@version+landmarker@version`, as the local manifest has them: a worker with others is refused. */
  detectorId: string;
  /** `embedder@version`: a worker with another embedder is refused (the client sends it). */
  embedderId: string;
  /** Requests in flight at once (the worker services' total capacity). */
  size: number;
  /** The local pool, for hand-drawn boxes. */
  local: () => Promise<AnalysisPool>;
}): AnalysisPool {
  let local: Promise<AnalysisPool> | null = null;
  return {
    modelKey: `${options.detectorId}+${options.embedderId}`,
    embedderId: options.embedderId,
    size: options.size,
    async analyse(input, box): Promise<PoolAnalysis> {
      if (box) {
        local ??= options.local();
        return (await local).analyse(input, box);
      }
      const d = await remote.detect(input, { aligned: true, thumbnails: true, model: options.detectorId });
      const t0 = performance.now();
      const e = d.faces.length > 0 ? await remote.embed(d.faces.map((f) => f.aligned!)) : null;
      const embedMs = performance.now() - t0;
      if (e && e.model !== options.embedderId) {
        throw new AppError('MODEL_MISMATCH', `a worker embedded with ${e.model}, the catalog stores ${options.embedderId}; run the same models on every worker (vision.embedder), or re-embed`);
      }
      return {
        meta: { width: d.image.width, height: d.image.height, format: d.image.format, orientation: d.image.orientation, takenAt: d.image.takenAt, gps: d.image.gps, ...(d.image.exifDropped ? { exifDropped: d.image.exifDropped } : {}) },
        faces: d.faces.map((f, i) => ({
          box: f.box, landmarks: f.landmarks.map(([x, y]) => [x, y] as [number, number]), detScore: f.score, faceness: f.faceness, quality: f.quality,
          embedding: Float32Array.from(e!.embeddings[i]!),
          thumbnail: Buffer.from(f.thumbnail!, 'base64'),
        })),
        dropped: d.dropped,
        notFaces: d.notFaces,
        timings: { decodeMs: d.timings.decodeMs, detectMs: d.timings.detectMs, embedMs },
      };
    },
    async close() {
      remote.close();
      if (local) await (await local.catch(() => null))?.close();
    },
  };
}
