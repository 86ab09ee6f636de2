import type { ClusterParams } from '../clustering/incremental-assign.js';
import type { Deps } from '../deps.js';
import type { Metrics } from '../metrics/metrics.js';
import type { QueueDepthReader } from '../metrics/queue-depth.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import type { FaceCheck } from '../vision/face-check.js';
import type { AuthStore } from './auth-store.js';
import type { FaceIndexCache } from './face-index-cache.js';
import type { ImageService } from './images.js';
import type { IngestRunner } from './ingest-runner.js';
import type { LoginLimiter } from './rate-limit.js';
import type { RecognitionService } from './recognition-service.js';

/** What the routes may use; each route module asks for the `Pick` it needs. */
export interface ServerServices extends Pick<Deps, 'config' | 'log' | 'catalog' | 'blobs'> {
  auth: AuthStore;
  limiter: LoginLimiter;
  images: ImageService;
  faceIndex: FaceIndexCache;
  ingest: IngestRunner;
  metrics: Metrics;
  /** The facetag version, for `facetag_model_info`. */
  version: string;
  /** The analysis pool, started on first use (a hand-drawn box, an index run). */
  analyser(): Promise<AnalysisPool>;
  /** `id@version` of the embedder every stored embedding records. */
  embedderId: string;
  cluster: ClusterParams;
  /** How a box drawn by hand is judged a face or doubtful. */
  faceCheck: FaceCheck;
  /** Reads a photo by its catalog path (a file, or an s3:// object). */
  readPhoto(path: string, photoId: number): Promise<Buffer>;
  /** Cluster mode: the queue's counts for /metrics. */
  queueDepth?: QueueDepthReader;
  /** Recognising faces in photos sent by other programs (native and CompreFace-compatible routes). */
  recognition: RecognitionService;
}

export const SESSION_COOKIE = 'facetag_session';
