import { describe, expect, it } from 'vitest';
import { decodeAnalysis, decodeEmbedding, encodeAnalysis, encodeEmbedding } from './analysis-codec.js';
import { encodedAnalysisSchema } from './jobs.js';
import type { PhotoAnalysisResult } from '../ingest/analysis-result.js';

describe('analysis codec (worker → writer)', () => {
  it('carries embeddings bit for bit, including values JSON numbers would round', () => {
    const v = new Float32Array([0.1, -0.2, 1 / 3, Math.PI, -0, 1e-38, 3.4e38, Number.EPSILON]);
    const back = decodeEmbedding(encodeEmbedding(v));
    expect(Buffer.from(back.buffer).equals(Buffer.from(v.buffer))).toBe(true);
    expect(encodeEmbedding(new Float32Array(512))).toHaveLength(2732);
  });

  it('round-trips an analysis with its XMP findings through JSON and the payload schema', () => {
    const embedding = new Float32Array(512).map((_, i) => Math.sin(i));
    const face = {
      box: { x: 1, y: 2, w: 30, h: 40 }, landmarks: [[1, 2], [3, 4]] as Array<[number, number]>, detScore: 0.9, faceness: 0.97,
      quality: { quality: 0.5, size: 1, sharpness: 0.7, pose: 0.8, yaw: 0.1 }, embedding, thumbKey: 'faces/ab/x-0.jpg',
    };
    const analysis: PhotoAnalysisResult = {
      modelKey: 'det@1+emb@1',
      meta: { width: 640, height: 480, format: 'jpeg', orientation: 6, takenAt: '2024-05-01T10:00:00', gps: { lat: 1.5, lon: -2.25 } },
      faces: [face],
      dropped: 1, notFaces: 2, timings: { decodeMs: 1, detectMs: 2, embedMs: 3 },
      xmp: {
        regions: [{ name: 'Ada', box: face.box, face: null }, { name: 'Ben', box: { x: 300, y: 20, w: 40, h: 50 }, face: { ...face, thumbKey: 'faces/ab/x-x1.jpg' } }],
        personKeywords: ['Ada'], keywords: ['beach'], problems: ['sidecar .xmp: not XML'],
      },
    };
    const wire = JSON.parse(JSON.stringify(encodeAnalysis(analysis)));
    const decoded = decodeAnalysis(encodedAnalysisSchema.parse(wire));
    expect(Array.from(decoded.faces[0]!.embedding)).toEqual(Array.from(embedding));
    expect(Array.from(decoded.xmp.regions[1]!.face!.embedding)).toEqual(Array.from(embedding));
    expect(decoded).toEqual(analysis);
  });

  it('reads a result of an older worker, which sent no XMP, as one with none', () => {
    const { xmp: _xmp, ...old } = encodeAnalysis({
      modelKey: 'det@1+emb@1', meta: { width: 1, height: 1, format: 'png', orientation: 1, takenAt: null, gps: null }, faces: [], dropped: 0, notFaces: 0,
      timings: { decodeMs: 0, detectMs: 0, embedMs: 0 }, xmp: { regions: [], personKeywords: ['x'], keywords: [], problems: [] },
    });
    expect(decodeAnalysis(encodedAnalysisSchema.parse(old)).xmp).toEqual({ regions: [], personKeywords: [], keywords: [], problems: [] });
  });
});
