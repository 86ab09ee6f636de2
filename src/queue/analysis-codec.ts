import type { AnalysedFace, AnalysisOutcome, PhotoAnalysisResult } from '../ingest/analysis-result.js';
import { noXmpFindings } from '../ingest/analysis-result.js';
import type { EncodedAnalysis, JobPayload } from './jobs.js';

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

type EncodedFace = EncodedAnalysis['faces'][number];
const encodeFace = (f: AnalysedFace): EncodedFace => ({
  box: f.box, landmarks: f.landmarks, detScore: f.detScore, faceness: f.faceness, quality: f.quality, embedding: encodeEmbedding(f.embedding), thumbKey: f.thumbKey,
});
const decodeFace = (f: EncodedFace): AnalysedFace => ({
  box: f.box, landmarks: f.landmarks, detScore: f.detScore, faceness: f.faceness, quality: f.quality, embedding: decodeEmbedding(f.embedding), thumbKey: f.thumbKey,
});

/** A worker's analysis as the `commit` job carries it (thumbnails are stored already). */
export function encodeAnalysis(a: PhotoAnalysisResult): EncodedAnalysis {
  return {
    meta: a.meta, dropped: a.dropped, notFaces: a.notFaces, timings: a.timings, modelKey: a.modelKey, faces: a.faces.map(encodeFace),
    xmp: { ...a.xmp, regions: a.xmp.regions.map((r) => ({ name: r.name, box: r.box, face: r.face && encodeFace(r.face) })) },
  };
}

/** The analysis as the writer takes it. */
export function decodeAnalysis(e: EncodedAnalysis): PhotoAnalysisResult {
  return {
    meta: e.meta, dropped: e.dropped, notFaces: e.notFaces, timings: e.timings, modelKey: e.modelKey, faces: e.faces.map(decodeFace),
    xmp: e.xmp ? { ...e.xmp, regions: e.xmp.regions.map((r) => ({ name: r.name, box: r.box, face: r.face && decodeFace(r.face) })) } : noXmpFindings(),
  };
}

/** A commit job's result, decoded. */
export function decodeOutcome(result: JobPayload<'commit'>['result']): AnalysisOutcome {
  return result.outcome === 'done' ? { outcome: 'done', analysis: decodeAnalysis(result.analysis) } : result;
}
