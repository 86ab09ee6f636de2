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

  it('is the symmetric k-nearest-neighbour graph within the distance, each pair once, nearest first, across query batches', () => {
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
    const k = 4;
    const edges = nearestEdges(packFaces(faces), (id) => slot.get(id) ?? -1, index, { k, maxDistance });
    expect(edges.count).toBeGreaterThan(1000);
    let last = -1;
    const got = new Set<string>();
    for (let e = 0; e < edges.count; e++) {
      const at = edges.order[e]!;
      const i = edges.from[at]!, j = edges.to[at]!, d = edges.distance[at]!;
      expect(j).toBeGreaterThan(i);
      expect(faces[i]!.photoId).not.toBe(faces[j]!.photoId);
      expect(d).toBeLessThanOrEqual(maxDistance);
      expect(d).toBeGreaterThanOrEqual(last);
      last = d;
      got.add(`${i}:${j}`);
    }
    expect(got.size).toBe(edges.count);
    // Every pair in which either face has the other among its k nearest (by exact search), within the distance, in two photos.
    const want = new Set<string>();
    faces.forEach((f, i) => {
      for (const h of index.search(f.embedding, k + 1)) {
        const j = slot.get(h.id)!;
        if (j !== i && h.distance <= maxDistance && faces[j]!.photoId !== f.photoId) want.add(`${Math.min(i, j)}:${Math.max(i, j)}`);
      }
    });
    expect([...got].sort()).toEqual([...want].sort());
  });

  it('keeps a pair that only the later face sees, when the earlier one\'s k nearest are a crowd', () => {
    // Face 0 has k faces nearer than face k + 1, so its own query never reaches face k + 1;
    // face k + 1's query finds face 0, and that is the pair's edge (its only way into a group).
    const k = 3;
    const faces = [
      face(1, 1, [1, 0, 0]),
      ...Array.from({ length: k }, (_, c) => face(2 + c, 2 + c, [1, 0.01 * (c + 1), 0])),
      face(9, 9, [1, 0, -0.2]),
    ];
    const slot = new Map(faces.map((f, i) => [f.id, i]));
    const index = createExactIndex(3);
    faces.forEach((f) => index.add(f.id, f.embedding));
    const edges = nearestEdges(packFaces(faces), (id) => slot.get(id) ?? -1, index, { k, maxDistance: 0.1 });
    const pairs = Array.from({ length: edges.count }, (_, e) => `${edges.from[e]}:${edges.to[e]}`);
    expect(index.search(faces[0]!.embedding, k + 1).map((h) => h.id)).not.toContain(9);
    expect(pairs).toContain(`0:${k + 1}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });
});
