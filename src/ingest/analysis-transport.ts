import type { AnalysisPool } from '../vision/analysis-pool.js';
import type { Box, Point } from '../vision/image.js';
import type { PhotoSourceRef } from '../queue/jobs.js';
import type { AnalysisOutcome } from './analysis-result.js';
import type { SourcePhoto } from '../sources/photo-source.js';

/** A photo the run admitted: listed, read, hashed, and not in the catalog as it is. */
export interface AdmittedPhoto {
  photo: SourcePhoto;
  sha256: string;
  /** Its bytes, as admission read them (a transport that analyses elsewhere lets them go). */
  bytes: Buffer;
  /** Where a worker on another machine reads it. */
  source: PhotoSourceRef;
}

/** What the run gives a transport for one run. */
export interface TransportHooks {
  /**
   * A photo's result: one this run submitted, or one an earlier run left in a durable queue.
   * Resolves once the writer has dealt with it; a durable transport acknowledges it only then.
   */
  deliver(sha256: string, photo: SourcePhoto, result: AnalysisOutcome): Promise<void>;
  /** The photos submitted and still without a result, by content hash. */
  pending(): ReadonlyMap<string, readonly SourcePhoto[]>;
  /** True while the run may still submit photos. */
  admitting(): boolean;
  /**
   * For a pending photo whose result went elsewhere: when the catalog holds these bytes at each
   * of its paths already (another writer wrote them), the run counts them done and it is true.
   */
  writtenElsewhere(sha256: string): Promise<boolean>;
}

/** One run's use of a transport. */
export interface TransportSession {
  /** Hands over an admitted photo; resolves once it is taken (in-process: when an analysis slot is free). */
  submit(photo: AdmittedPhoto): Promise<void>;
  /** Ends the session: results in flight are delivered first (in-process) or stay queued for the next run (durable). */
  close(): Promise<void>;
}

/**
 * How photos get analysed in an index run: on this machine's pool of threads, by the workers'
 * detection and embedding services (5001/5002), or by `facetag worker` processes through the
 * queue. Whatever the transport, the result (analysis-result.ts) goes to the run's one writer.
 */
export interface AnalysisTransport {
  /** The models that analyse (`detector@v+embedder@v`) and the embedder's id. */
  readonly modelKey: string;
  readonly embedderId: string;
  /** `here`: this process analyses (and counts the analysis in its metrics); `workers`: other processes do and count it. */
  readonly analysedBy: 'here' | 'workers';
  /** Results outlive this process (a queue in Redis): an interrupted run stops waiting for them, the next run writes them. */
  readonly durable: boolean;
  /** Photos admission reads ahead at once, to keep the analysis busy. */
  readonly lanes: number;
  open(hooks: TransportHooks): TransportSession;
  /**
   * Embeds the face in `box` of a photo (a face drawn by hand, or one a person decided about that
   * new models no longer detect): what a change of models needs (model-change.ts). Null when no
   * face could be embedded there. In cluster mode this process embeds the few such faces itself.
   */
  analyseBox(bytes: Buffer, box: Box): Promise<BoxEmbedding | null>;
  close(): Promise<void>;
}

/** A face embedded in a given box. */
export interface BoxEmbedding {
  embedding: Float32Array;
  landmarks: Point[];
  quality: number;
}

/** What `analyseBox` is, on an analysis pool: the pool's embedding of the box. */
export async function analyseBoxWith(pool: Pick<AnalysisPool, 'analyse'>, bytes: Buffer, box: Box): Promise<BoxEmbedding | null> {
  const face = (await pool.analyse(bytes, box)).faces[0];
  return face ? { embedding: face.embedding, landmarks: face.landmarks, quality: face.quality.quality } : null;
}
