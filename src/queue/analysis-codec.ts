import type { PoolAnalysis } from '../vision/analysis-pool.js';
import type { EncodedAnalysis } from './jobs.js';

/** A float32 vector as base64 of its little-endian bytes: exact, and a third the size of JSON numbers. */
export function encodeEmbedding(v: Float32Array): string {
  const bytes = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) bytes.writeFloatLE(v[i]!, i * 4);
  return bytes.toString('base64');
}

export function decodeEmbedding(s: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** A worker's analysis for the `commit` job: thumbnails already stored under `thumbKeys`. */
export function encodeAnalysis(a: PoolAnalysis, thumbKeys: string[], modelKey: string): EncodedAnalysis {
  return {
    meta: a.meta, dropped: a.dropped, notFaces: a.notFaces, timings: a.timings, modelKey,
    faces: a.faces.map((f, i) => ({
      box: f.box, landmarks: f.landmarks, detScore: f.detScore, faceness: f.faceness, quality: f.quality,
      embedding: encodeEmbedding(f.embedding), thumbKey: thumbKeys[i]!,
    })),
  };
}

/** The analysis as the writer takes it: each face with its stored thumbnail's key and no bytes. */
export function decodeAnalysis(e: EncodedAnalysis): Omit<PoolAnalysis, 'faces'> & { faces: Array<PoolAnalysis['faces'][number] & { thumbKey: string }> } {
  return {
    meta: e.meta, dropped: e.dropped, notFaces: e.notFaces, timings: e.timings,
    faces: e.faces.map((f) => ({
      box: f.box, landmarks: f.landmarks, detScore: f.detScore, faceness: f.faceness, quality: f.quality,
      embedding: decodeEmbedding(f.embedding), thumbnail: new Uint8Array(0), thumbKey: f.thumbKey,
    })),
  };
}
