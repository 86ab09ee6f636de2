import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../errors.js';
import { embedderAlignment, type AnalyserOptions } from './face-analyser.js';
import { modelKeys } from './model-key.js';
import { resolveModel } from './model-registry.js';
import type { Box, Point, RgbImage } from './image.js';
import type { PhotoMeta } from './decode.js';
import type { FaceQuality } from './quality.js';

export interface AnalysedFaceWithThumb {
  box: Box;
  landmarks: Point[];
  detScore: number;
  /** The landmarker's face-presence probability; null when it gives none. */
  faceness: number | null;
  quality: FaceQuality;
  embedding: Float32Array;
  /** JPEG face thumbnail. */
  thumbnail: Uint8Array;
}

export interface PoolAnalysis {
  meta: PhotoMeta;
  faces: AnalysedFaceWithThumb[];
  dropped: number;
  /** Detections the face-presence check turned down. */
  notFaces: number;
  timings: { decodeMs: number; detectMs: number; embedMs: number };
}

/** A face as the detection service hands it out: no embedding, its aligned crop, and a thumbnail when asked for. */
export interface DetectedFaceOut extends Omit<AnalysedFaceWithThumb, 'embedding' | 'thumbnail'> {
  /** The face aligned to the embedder's template (`alignedSize` square). */
  aligned: RgbImage;
  thumbnail?: Uint8Array;
}

export interface PoolDetection extends Omit<PoolAnalysis, 'faces'> {
  faces: DetectedFaceOut[];
}

export type WorkerRequest =
  | { kind: 'analyse'; id: number; input: ArrayBuffer; box?: Box }
  | { kind: 'detect'; id: number; input: ArrayBuffer; thumbnails: boolean }
  | { kind: 'embed'; id: number; faces: RgbImage[] }
  | { kind: 'close' };
/** What each request kind answers. */
export interface WorkerResults {
  analyse: PoolAnalysis;
  detect: PoolDetection;
  embed: Float32Array[];
}
export type WorkerResponse =
  | { kind: 'ready' }
  | { kind: 'fatal'; code: ErrorCode; message: string }
  | { kind: 'result'; id: number; result: WorkerResults[keyof WorkerResults] }
  | { kind: 'error'; id: number; code: ErrorCode; message: string };

export interface AnalysisPool {
  readonly modelKey: string;
  readonly embedderId: string;
  /**
   * Photos to give it at once to keep it busy: two per thread, so that one photo decodes (in
   * sharp's threads) while the other's models run.
   */
  readonly size: number;
  /** Analyses a photo on the least busy worker; with `box`, embeds that hand-drawn face only. */
  analyse(input: Buffer, box?: Box): Promise<PoolAnalysis>;
  close(): Promise<void>;
}

/** This machine's pool of analysis threads, which also serves the detection and embedding services. */
export interface LocalAnalysisPool extends AnalysisPool {
  /** `detector@version+landmarker@version` (the detection service's models). */
  readonly detectorId: string;
  /** Side of the square aligned face the embedder takes. */
  readonly alignedSize: number;
  /** Finds the faces of a photo without embedding them (the detection service), with their aligned crops. */
  detect(input: Buffer, options: { thumbnails: boolean }): Promise<PoolDetection>;
  /** Embeds faces already aligned to the `alignedSize` template (the embedding service). */
  embedAligned(faces: RgbImage[]): Promise<Float32Array[]>;
}

/**
 * V8's young generation of an analysis thread: its garbage is pixel buffers that die within a
 * photo, so a small nursery collected often holds less memory at no measurable cost.
 */
const YOUNG_GENERATION_MB = 8;

/** Photos in flight per analysis thread: one decoding while another is in the models. */
const PHOTOS_PER_THREAD = 2;

/**
 * Photo analysis on `threads` worker threads, each with its own model sessions: decoding,
 * detection and alignment are CPU work in JavaScript and native code alike, and one thread
 * cannot keep two cores busy (measured: 1.3 cores used with one thread, see bench/).
 */
export async function createAnalysisPool(options: AnalyserOptions, threads: number): Promise<LocalAnalysisPool> {
  // Resolve in the main thread first: a missing or altered model is one clear error, not N.
  const { modelKey, embedderId, detectorId } = modelKeys(options);
  const alignedSize = embedderAlignment(resolveModel(options.embedder, options.modelsDir, 'embedder')).size;
  const workers: Array<{ worker: Worker; busy: number }> = [];
  const pending = new Map<number, { resolve: (r: never) => void; reject: (e: Error) => void; slot: { busy: number } }>();
  let nextId = 1;

  const started = Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => {
    const worker = new Worker(new URL('./analysis-worker-boot.mjs', import.meta.url), { workerData: options, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const slot = { worker, busy: 0 };
    workers.push(slot);
    worker.on('message', (message: WorkerResponse) => {
      if (message.kind === 'ready') resolve();
      else if (message.kind === 'fatal') reject(new AppError(message.code, message.message));
      else {
        const p = pending.get(message.id);
        if (!p) return;
        pending.delete(message.id);
        p.slot.busy--;
        if (message.kind === 'result') p.resolve(message.result as never);
        else p.reject(new AppError(message.code, message.message));
      }
    });
    worker.on('error', (error) => {
      reject(error);
      for (const [id, p] of pending) {
        if (p.slot === slot) {
          pending.delete(id);
          p.reject(new AppError('INTERNAL', `an analysis worker stopped: ${error.message}`));
        }
      }
    });
  }));
  try {
    await Promise.all(started);
  } catch (error) {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    throw error;
  }

  /** Sends a request to the least busy worker; `transfer`: buffers it hands over. */
  function send<K extends keyof WorkerResults>(request: Exclude<WorkerRequest, { kind: 'close' }> & { kind: K }, transfer: ArrayBuffer[]): Promise<WorkerResults[K]> {
    const slot = workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    return new Promise((resolve, reject) => {
      pending.set(request.id, { resolve: resolve as (r: never) => void, reject, slot });
      slot.worker.postMessage(request, transfer);
    });
  }
  const copyOf = (input: Buffer) => input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength) as ArrayBuffer;

  return {
    modelKey,
    embedderId,
    detectorId,
    alignedSize,
    size: threads * PHOTOS_PER_THREAD,
    analyse(input, box) {
      const copy = copyOf(input);
      return send({ kind: 'analyse', id: nextId++, input: copy, ...(box ? { box } : {}) }, [copy]);
    },
    detect(input, { thumbnails }) {
      const copy = copyOf(input);
      return send({ kind: 'detect', id: nextId++, input: copy, thumbnails }, [copy]);
    },
    embedAligned(faces) {
      return send({ kind: 'embed', id: nextId++, faces }, []);
    },
    async close() {
      await Promise.all(workers.map(async ({ worker }) => {
        worker.postMessage({ kind: 'close' } satisfies WorkerRequest);
        await new Promise((r) => setTimeout(r, 50));
        await worker.terminate();
      }));
    },
  };
}
