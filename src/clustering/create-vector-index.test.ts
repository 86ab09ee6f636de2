import { describe, expect, it } from 'vitest';
import { syntheticFaces } from '../../bench/synthetic-faces.js';
import { buildVectorIndex, createVectorIndex } from './create-vector-index.js';
import { faceVectorSource } from './face-table.js';
import { createExactIndex } from './vector-index.js';

describe('createVectorIndex', () => {
  it('searches exactly up to the threshold, then switches to the approximate index with every face', () => {
    const lib = syntheticFaces(1200, { seed: 3, dimensions: 64 });
    const index = createVectorIndex(64, { exactBelow: 1000 });
    const exact = createExactIndex(64);
    for (let i = 0; i < 1000; i++) {
      index.add(i, lib.vector(i));
      exact.add(i, lib.vector(i));
    }
    // Removed and replaced before the switch: the rebuild must not bring back the old state.
    index.remove(5);
    exact.remove(5);
    index.add(6, lib.vector(1100));
    exact.add(6, lib.vector(1100));
    expect(index.approximate).toBe(false);
    expect(index.size).toBe(999);
    for (let q = 0; q < 20; q++) {
      const v = lib.newFace().vector;
      expect(index.search(v, 10)).toEqual(exact.search(v, 10));
    }

    index.add(5, lib.vector(5));
    expect(index.approximate).toBe(false);
    index.add(1000, lib.vector(1000));
    expect(index.approximate).toBe(true);
    expect(index.size).toBe(1001);
    for (let i = 0; i <= 1000; i++) expect(index.has(i)).toBe(true);
    for (let i = 0; i <= 1000; i += 37) {
      const want = i === 6 ? lib.vector(1100) : lib.vector(i);
      const hit = index.search(want, 1)[0]!;
      expect(hit.id).toBe(i);
      expect(hit.distance).toBeLessThan(2e-3);
    }
    // Search results now carry float16 rounding, which the exact index never has.
    const v = lib.newFace().vector;
    expect(index.search(v, 5).map((h) => h.distance)).not.toEqual(exact.search(v, 5).map((h) => h.distance));

    // One-way: shrinking below the threshold keeps the approximate index.
    for (let i = 0; i < 600; i++) index.remove(i);
    expect(index.size).toBe(401);
    expect(index.approximate).toBe(true);
    expect(index.search(lib.vector(700), 1)[0]!.id).toBe(700);
  });

  it('takes batches: exact while they fit under the threshold, straight to approximate past it', () => {
    const lib = syntheticFaces(3000, { seed: 6, dimensions: 32 });
    const packed = (from: number, to: number) => {
      const out = new Float32Array((to - from) * 32);
      for (let i = from; i < to; i++) out.set(lib.vector(i), (i - from) * 32);
      return out;
    };
    const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const index = createVectorIndex(32, { exactBelow: 1000 });
    index.addMany(ids(0, 800), packed(0, 800));
    expect(index.approximate).toBe(false);
    expect(index.size).toBe(800);
    // Ids 700-799 again, with new vectors, and 800 new faces: past the threshold in one batch.
    index.addMany(ids(700, 1600), packed(1700, 2600));
    expect(index.approximate).toBe(true);
    expect(index.size).toBe(1600);
    expect(index.search(lib.vector(1750), 1)[0]!.id).toBe(750);
    expect(index.search(lib.vector(10), 1)[0]!.id).toBe(10);
    expect(index.search(lib.vector(750), 3).map((h) => h.id)).not.toContain(750);

    const faces = (n: number) => faceVectorSource(ids(0, n).map((id) => ({ id, photoId: id, personId: null, source: null, quality: 1, embedding: lib.vector(id) })), 32);
    const built = buildVectorIndex(faces(3000), { exactBelow: 1000 });
    expect(built.approximate).toBe(true);
    expect(built.size).toBe(3000);
    for (let i = 0; i < 3000; i += 97) expect(built.search(lib.vector(i), 1)[0]!.id).toBe(i);
    expect(buildVectorIndex(faces(900), { exactBelow: 1000 }).approximate).toBe(false);
    expect(() => buildVectorIndex(faceVectorSource([{ id: 1, photoId: 1, personId: null, source: null, quality: 1, embedding: lib.vector(0) }], 16))).toThrow(/face 1 has a 32-d embedding, the index 16-d/);
  });

  it('defaults to exact search for 5,000 faces', () => {
    const index = createVectorIndex(2);
    for (let i = 0; i < 5_000; i++) index.add(i, Float32Array.of(Math.cos(i), Math.sin(i)));
    expect(index.approximate).toBe(false);
    index.add(5_000, Float32Array.of(1, 0));
    expect(index.approximate).toBe(true);
  });

  it('rejects a bad threshold by name', () => {
    expect(() => createVectorIndex(4, { exactBelow: -1 })).toThrow(/exactBelow -1/);
    expect(() => createVectorIndex(4, { exactBelow: 1.5 })).toThrow(/exactBelow 1.5/);
  });
});
