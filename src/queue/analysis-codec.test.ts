import { describe, expect, it } from 'vitest';
import { decodeAnalysis, decodeEmbedding, encodeAnalysis, encodeEmbedding } from './analysis-codec.js';
import { encodedAnalysisSchema } from './jobs.js';

describe('analysis codec (worker → writer)', () => {
  it('carries embeddings bit for bit, including values JSON numbers would round', () => {
    const v = new Float32Array([0.1, -0.2, 1 / 3, Math.PI, -0, 1e-38, 3.4e38, Number.EPSILON]);
    const back = decodeEmbedding(encodeEmbedding(v));
    expect(Buffer.from(back.buffer).equals(Buffer.from(v.buffer))).toBe(true);
    expect(encodeEmbedding(new Float32Array(512))).toHaveLength(2732);
  });

  it('round-trips an analysis through JSON and the payload schema, thumbnails replaced by their keys', () => {
    const embedding = new Float32Array(512).map((_, i) => Math.sin(i));
    const analysis = {
      meta: { width: 640, height: 480, format: 'jpeg', orientation: 6, takenAt: '2024-05-01T10:00:00', gps: { lat: 1.5, lon: -2.25 } },
      faces: [{
        box: { x: 1, y: 2, w: 30, h: 40 }, landmarks: [[1, 2], [3, 4]] as Array<[number, number]>, detScore: 0.9, faceness: 0.97,
        quality: { quality: 0.5, size: 1, sharpness: 0.7, pose: 0.8, yaw: 0.1 }, embedding, thumbnail: new Uint8Array([1, 2, 3]),
      }],
      dropped: 1, notFaces: 2, timings: { decodeMs: 1, detectMs: 2, embedMs: 3 },
    };
    const wire = JSON.parse(JSON.stringify(encodeAnalysis(analysis, ['faces/ab/x-0.jpg'], 'det@1+emb@1')));
    const decoded = decodeAnalysis(encodedAnalysisSchema.parse(wire));
    expect(decoded.faces[0]!.thumbKey).toBe('faces/ab/x-0.jpg');
    expect(decoded.faces[0]!.thumbnail).toHaveLength(0);
    expect(Array.from(decoded.faces[0]!.embedding)).toEqual(Array.from(embedding));
    expect({ ...decoded, faces: decoded.faces.map(({ embedding: _e, thumbnail: _t, thumbKey: _k, ...f }) => f) })
      .toEqual({ ...analysis, faces: analysis.faces.map(({ embedding: _e, thumbnail: _t, ...f }) => f) });
  });
});
