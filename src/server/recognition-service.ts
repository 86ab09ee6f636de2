import { uploadsDir } from '../data-folder.js';
import { oneAtATime } from '../ingest/one-at-a-time.js';
import { faceNeighbours, reloadOnCatalogChange } from '../recognition/face-neighbours.js';
import { recognizeFaces } from '../recognition/recognize-faces.js';
import { keepUpload, sha256Of, storeAnalysedPhoto, type StoredPhoto } from '../recognition/store-recognized.js';
import { createRequestRateLimit } from './request-rate-limit.js';
import type { Caller } from './server-env.js';
import type { ClusterParams } from '../clustering/incremental-assign.js';
import type { Deps } from '../deps.js';
import type { AnalysisPool, PoolAnalysis } from '../vision/analysis-pool.js';
import type { FaceIndexCache } from './face-index-cache.js';

type Face = PoolAnalysis['faces'][number];

/**
 * What the service uses of the server's services (`ServerServices`, services.ts, which holds the
 * service itself: named here so the two modules do not import each other).
 */
interface RecognitionDeps extends Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'> {
  analyser(): Promise<AnalysisPool>;
  faceIndex: FaceIndexCache;
  cluster: ClusterParams;
  embedderId: string;
}

/**
 * What the recognition routes share: the analysis (local threads, or with `node.remoteInference`
 * the cluster's detection and embedding services), the search of the library's named people,
 * the rate limit, and keeping a photo in the library when asked to.
 */
export function createRecognitionService(deps: RecognitionDeps) {
  const { config, catalog, faceIndex } = deps;
  const neighbours = faceNeighbours({ config, catalog }, deps.embedderId, reloadOnCatalogChange({ catalog }, faceIndex));
  const limit = createRequestRateLimit({ perMinute: config.recognition.ratePerMinute });
  // Photos kept from recognition requests are written one at a time, as an index run writes.
  const writer = oneAtATime();
  return {
    /** The library's match threshold (cosine distance), where similarity is 0.6. */
    threshold: deps.cluster.maxDistance,
    /** Counts a request that analyses images against its caller's rate; 429 past it. */
    admit(caller: Caller) {
      limit.take(caller, 'recognition');
    },
    async analyse(bytes: Buffer): Promise<PoolAnalysis & { models: { detector: string; embedder: string } }> {
      const pool = await deps.analyser();
      const analysis = await pool.analyse(bytes);
      // modelKey is `detector@v[+landmarker@v]+embedder@v`: what comes before the embedder finds the faces.
      const embedder = pool.embedderId;
      const detector = pool.modelKey.endsWith(`+${embedder}`) ? pool.modelKey.slice(0, -embedder.length - 1) : pool.modelKey;
      return { ...analysis, models: { detector, embedder } };
    },
    /** The nearest named people of each face (`peoplePerFace`: `Infinity` for all found). */
    identify<F extends Pick<Face, 'embedding'>>(faces: readonly F[], peoplePerFace: number) {
      // Faces gone from the catalog but still in the index: another process re-indexed; reload.
      return recognizeFaces({ catalog }, neighbours, faces, { peoplePerFace, threshold: deps.cluster.maxDistance, onStale: () => faceIndex.reset() });
    },
    /**
     * Keeps the photo in the library (under the data folder's uploads) and indexes it like any
     * other; `then` runs right after, in the same turn of the writer (naming a face, say).
     */
    store<T = void>(bytes: Buffer, analysis: PoolAnalysis, then?: (stored: StoredPhoto) => Promise<T>): Promise<StoredPhoto & { then: T | undefined }> {
      return writer.run(async () => {
        const pool = await deps.analyser();
        const sha256 = sha256Of(bytes);
        const path = await keepUpload(uploadsDir(config), bytes, sha256, analysis.meta.format);
        const stored = await storeAnalysedPhoto(deps, pool, await faceIndex.get(), deps.cluster, { key: path, bytes, sha256, mtimeMs: Date.now(), analysis });
        return { ...stored, then: then ? await then(stored) : undefined };
      });
    },
    /** Runs a change to uploaded photos as the writer (one at a time with `store`). */
    write<T>(fn: () => Promise<T>): Promise<T> {
      return writer.run(fn);
    },
    /** Forgets deleted faces in the in-process index (searches never return them again). */
    forget(faceIds: readonly number[]) {
      for (const id of faceIds) faceIndex.remove(id);
    },
    /** The folder photos kept from recognition requests live in. */
    uploads: uploadsDir(config),
  };
}

export type RecognitionService = ReturnType<typeof createRecognitionService>;
