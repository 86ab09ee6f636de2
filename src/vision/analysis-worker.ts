import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '../errors.js';
import { createFaceAnalyser, type AnalyserOptions } from './face-analyser.js';
import { decodeHeic } from './heic-decode.js';
import { faceThumbnail } from './thumbnail.js';
import type { PoolAnalysis, PoolDetection, WorkerRequest, WorkerResponse, WorkerResults } from './analysis-pool.js';

const port = parentPort!;
const analyser = await createFaceAnalyser(workerData as AnalyserOptions, decodeHeic).catch((error) => {
  port.postMessage({ kind: 'fatal', code: toAppError(error).code, message: toAppError(error).message } satisfies WorkerResponse);
  return null;
});
if (analyser) port.postMessage({ kind: 'ready' } satisfies WorkerResponse);

port.on('message', async (request: WorkerRequest) => {
  if (request.kind === 'close') {
    await analyser?.close();
    port.close();
    return;
  }
  try {
    const { result, transfer } = await answer(request);
    port.postMessage({ kind: 'result', id: request.id, result } satisfies WorkerResponse, transfer);
  } catch (error) {
    const e = toAppError(error);
    port.postMessage({ kind: 'error', id: request.id, code: e.code, message: e.message } satisfies WorkerResponse);
  }
});

/** A request's result, and the buffers handed back with it (not copied). */
async function answer(request: Exclude<WorkerRequest, { kind: 'close' }>): Promise<{ result: WorkerResults[keyof WorkerResults]; transfer: ArrayBuffer[] }> {
  if (request.kind === 'embed') {
    const vectors = await analyser!.embedAllAligned(request.faces);
    return { result: vectors, transfer: vectors.map((v) => v.buffer as ArrayBuffer) };
  }
  const input = Buffer.from(request.input);
  if (request.kind === 'detect') {
    const detection = await analyser!.detect(input);
    const faces = await Promise.all(detection.faces.map(async (f) => ({
      box: f.box, landmarks: f.landmarks, detScore: f.detScore, faceness: f.faceness, quality: f.quality, aligned: f.aligned,
      ...(request.thumbnails ? { thumbnail: await faceThumbnail(detection.pixels, f.box) } : {}),
    })));
    const result: PoolDetection = { meta: detection.meta, faces, dropped: detection.dropped, notFaces: detection.notFaces, timings: detection.timings };
    return { result, transfer: faces.map((f) => f.aligned.data.buffer as ArrayBuffer) };
  }
  const analysis = request.box ? await analyser!.analyseBox(input, request.box) : await analyser!.analyse(input);
  const faces = await Promise.all(analysis.faces.map(async (f) => ({
    box: f.box, landmarks: f.landmarks, detScore: f.detScore, faceness: f.faceness, quality: f.quality, embedding: f.embedding,
    thumbnail: await faceThumbnail(analysis.pixels, f.box),
  })));
  const result: PoolAnalysis = { meta: analysis.meta, faces, dropped: analysis.dropped, notFaces: analysis.notFaces, timings: analysis.timings };
  return { result, transfer: faces.map((f) => f.embedding.buffer as ArrayBuffer) };
}
