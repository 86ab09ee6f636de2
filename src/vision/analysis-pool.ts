import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../errors.js';
import type { AnalyserOptions } from './face-analyser.js';
import { modelKeys } from './model-key.js';
import type { Box, Point } from './image.js';
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

export type WorkerRequest = { kind: 'analyse'; id: number; input: ArrayBuffer; box?: Box } | { kind: 'close' };
export type WorkerResponse =
  | { kind: 'ready' }
  | { kind: 'fatal'; code: ErrorCode; message: string }
  | { kind: 'result'; id: number; result: PoolAnalysis }
  | { kind: 'error'; id: number; code: ErrorCode; message: string };

export interface AnalysisPool {
  readonly modelKey: string;
  readonly embedderId: string;
  readonly size: number;
  /** Analyses a photo on the least busy worker; with `box`, embeds that hand-drawn face only. */
  analyse(input: Buffer, box?: Box): Promise<PoolAnalysis>;
  close(): Promise<void>;
}

/**
 * Photo analysis on `size` worker threads, each with its own model sessions: decoding,
 * detection and alignment are CPU work in JavaScript and native code alike, and one thread
 * cannot keep two cores busy (measured: 1.3 cores used with one thread, see bench/).
 */
export async function createAnalysisPool(options: AnalyserOptions, size: number): Promise<AnalysisPool> {
  // Resolve in the main thread first: a missing or altered model is one clear error, not N.
  const { modelKey, embedderId } = modelKeys(options);
  const workers: Array<{ worker: Worker; busy: number }> = [];
  const pending = new Map<number, { resolve: (r: PoolAnalysis) => void; reject: (e: Error) => void; slot: { busy: number } }>();
  let nextId = 1;

  const started = Array.from({ length: size }, () => new Promise<void>((resolve, reject) => {
    const worker = new Worker(new URL('./analysis-worker-boot.mjs', import.meta.url), { workerData: options });
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
        if (message.kind === 'result') p.resolve(message.result);
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

  return {
    modelKey,
    embedderId,
    size,
    analyse(input, box) {
      const slot = workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      slot.busy++;
      const id = nextId++;
      const copy = input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength) as ArrayBuffer;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, slot });
        slot.worker.postMessage({ kind: 'analyse', id, input: copy, ...(box ? { box } : {}) } satisfies WorkerRequest, [copy]);
      });
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
