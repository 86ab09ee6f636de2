import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '../errors.js';
import { createFaceAnalyser, type AnalyserOptions } from './face-analyser.js';
import { decodeHeic } from './heic-decode.js';
import { faceThumbnail } from './thumbnail.js';
import type { WorkerRequest, WorkerResponse } from './analysis-pool.js';

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
    const input = Buffer.from(request.input);
    const analysis = request.box ? await analyser!.analyseBox(input, request.box) : await analyser!.analyse(input);
    const faces = await Promise.all(analysis.faces.map(async (f) => ({
      box: f.box, landmarks: f.landmarks, detScore: f.detScore, faceness: f.faceness, quality: f.quality, embedding: f.embedding,
      thumbnail: await faceThumbnail(analysis.image, analysis.scale, f.box),
    })));
    const response: WorkerResponse = { kind: 'result', id: request.id, result: { meta: analysis.meta, faces, dropped: analysis.dropped, notFaces: analysis.notFaces, timings: analysis.timings } };
    port.postMessage(response, faces.map((f) => f.embedding.buffer as ArrayBuffer));
  } catch (error) {
    const e = toAppError(error);
    port.postMessage({ kind: 'error', id: request.id, code: e.code, message: e.message } satisfies WorkerResponse);
  }
});
