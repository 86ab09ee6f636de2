import { describe, expect, it } from 'vitest';
import type { FaceVector } from '../catalog/catalog.js';
import { packFaces } from './face-table.js';
import { nearestEdges, orderByDistance } from './nearest-edges.js';
import { seededRandom } from './seeded-random.js';
import { createExactIndex } from './vector-index.js';

describe('orderByDistance', () => {
  it('sorts like a stable sort by distance, ties in the order found', () => {
    const random = seededRandom(3);
    // Zeros, ties, tiny and large distances, over both radix halves.
    const distances = Float32Array.from({ length: 50_000 }, (_, i) => (i % 7 === 0 ? 0 : i % 5 === 0 ? 0.25 : random() * (i % 2 ? 2 : 1e-3)));
    const order = orderByDistance(distances);
    const want = Array.from(distances.keys()).sort((a, b) => distances[a]! - distances[b]! || a - b);
    expect(Array.from(order)).toEqual(want);
    expect(orderByDistance(new Float32Array(0))).toHaveLength(0);
  });
});

describe('nearestEdges', () => {
  const face = (id: number, photoId: number, v: number[]): FaceVector => {
    const n = Math.hypot(...v);
    return { id, photoId, personId: null, source: null, quality: 0.8, embedding: Float32Array.from(v, (x) => x / n) };
  };

  it('pairs each face with its near later faces in other photos, nearest first, across query batches', () => {
    const random = seededRandom(5);
    // 5,000 faces (more than one batch of queries) around 50 directions in 8-d; ids out of order.
    const faces = Array.from({ length: 5_000 }, (_, i) => {
      const c = i % 50;
      const v = Array.from({ length: 8 }, (_, j) => Math.sin(c * 1.3 + j * 2.1) + 0.05 * (random() - 0.5));
      return face(10_000 - i, Math.floor(i / 3), v);
    });
    const slot = new Map(faces.map((f, i) => [f.id, i]));
    // The index holds the vectors as the table gives them back (float16), so distances match.
    const table = packFaces(faces);
    const index = createExactIndex(8);
    faces.forEach((f, i) => {
      table.vectorInto(i, f.embedding, 0);
      index.add(f.id, f.embedding);
    });
    const maxDistance = 0.01;
    const edges = nearestEdges(packFaces(faces), (id) => slot.get(id) ?? -1, index, { k: 4, maxDistance });
    expect(edges.count).toBeGreaterThan(1000);
    let last = -1;
    for (let e = 0; e < edges.count; e++) {
      const at = edges.order[e]!;
      const i = edges.from[at]!, j = edges.to[at]!, d = edges.distance[at]!;
      expect(j).toBeGreaterThan(i);
      expect(faces[i]!.photoId).not.toBe(faces[j]!.photoId);
      expect(d).toBeLessThanOrEqual(maxDistance);
      expect(d).toBeGreaterThanOrEqual(last);
      last = d;
    }
    // Face 0's edges are its nearest later faces outside its photo, as an exact search finds them.
    const mine = Array.from({ length: edges.count }, (_, e) => e).filter((e) => edges.from[e] === 0).map((e) => faces[edges.to[e]!]!.id);
    const want = index.search(faces[0]!.embedding, 5)
      .filter((h) => h.distance <= maxDistance && slot.get(h.id)! > 0 && faces[slot.get(h.id)!]!.photoId !== faces[0]!.photoId)
      .map((h) => h.id);
    expect(mine).toEqual(want);
  });
});
