import { describe, expect, it } from 'vitest';
import { ARCFACE_512, DLIB_128, syntheticFaces, type FaceScale, type SyntheticFaces } from '../../bench/synthetic-faces.js';
import { AppError } from '../errors.js';
import { createVectorIndex } from './create-vector-index.js';
import { createHnswIndex } from './hnsw-index.js';
import { unit, vectorIndexContract } from './vector-index-contract.js';
import { createExactIndex, type VectorIndex } from './vector-index.js';


/** Faces `from..to` of the library packed one after the other, with their ids. */
function batch(lib: SyntheticFaces, from: number, to: number): { ids: number[]; vectors: Float32Array } {
  const vectors = new Float32Array((to - from) * lib.dimensions);
  for (let i = from; i < to; i++) vectors.set(lib.vector(i), (i - from) * lib.dimensions);
  return { ids: Array.from({ length: to - from }, (_, i) => from + i), vectors };
}

/** Embedding shapes of both default-era models, and the distance within which clustering uses neighbours. */
const MODELS: Array<{ name: string; dims: number; scale: FaceScale; near: number }> = [
  { name: '128-d dlib-like', dims: 128, scale: DLIB_128, near: 0.08 },
  { name: '512-d ArcFace-like', dims: 512, scale: ARCFACE_512, near: 0.6 },
];

function fill(index: VectorIndex, lib: SyntheticFaces) {
  const { ids, vectors } = batch(lib, 0, lib.count);
  index.addMany(ids, vectors);
}

vectorIndexContract('hnsw (usearch)', (dims) => createHnswIndex(dims), 1e-3);
vectorIndexContract('adaptive, past its threshold', (dims) => createVectorIndex(dims, { exactBelow: 2 }), 1e-3);

describe('hnsw vector index (usearch)', () => {
  it.each(MODELS)('matches exact search on $name faces, distances within float16 rounding', ({ dims, scale, near }) => {
    const lib = syntheticFaces(3000, { seed: 5, dimensions: dims, scale });
    const index = createHnswIndex(dims);
    const exact = createExactIndex(dims);
    fill(index, lib);
    fill(exact, lib);
    expect(index.size).toBe(3000);
    let pairs = 0;
    let missed = 0;
    for (let q = 0; q < 100; q++) {
      const { vector } = lib.newFace();
      const hits = index.search(vector, 8);
      const got = new Map(hits.map((h) => [h.id, h.distance]));
      const kth = hits.at(-1)!.distance;
      for (const h of exact.search(vector, 8)) {
        if (h.distance > near) continue;
        pairs++;
        const d = got.get(h.id);
        // A miss that is not a tie for the last place (which float16 rounding may resolve the
        // other way) is the approximation's: rare.
        if (d === undefined) missed += h.distance < kth - 1e-3 ? 1 : 0;
        else expect(Math.abs(d - h.distance)).toBeLessThan(1e-3);
      }
    }
    expect(pairs).toBeGreaterThan(400);
    expect(missed / pairs).toBeLessThan(0.01);
  });

  it('answers a batch of one query, and of more neighbours than it holds', () => {
    const lib = syntheticFaces(200, { seed: 8, dimensions: 64 });
    const index = createHnswIndex(64);
    fill(index, lib);
    const single = index.searchMany(lib.vector(7), 3);
    expect(Array.from(single.ids)).toEqual(index.search(lib.vector(7), 3).map((h) => h.id));
    const small = createHnswIndex(64);
    small.addMany([1, 2], batch(lib, 0, 2).vectors);
    const few = small.searchMany(batch(lib, 0, 2).vectors, 5);
    expect(Array.from(few.counts)).toEqual([2, 2]);
    expect(Array.from(few.ids.subarray(0, 2)).sort()).toEqual([1, 2]);
  });

  it('forgets removed faces, takes them back, and replaces a re-added id', () => {
    const lib = syntheticFaces(2000, { seed: 9, dimensions: 64 });
    // As many threads as a big machine has: a small graph built side by side on them linked
    // its faces poorly (368 of 400 found themselves on a CI machine), so it is built on one.
    const index = createHnswIndex(64, { threads: 64 });
    fill(index, lib);
    for (let i = 0; i < lib.count; i += 3) index.remove(i);
    index.remove(123_456);
    expect(index.size).toBe(lib.count - Math.ceil(lib.count / 3));
    // Approximate: a face finds itself first nearly always (HNSW misses the odd one), a removed one never.
    let found = 0;
    for (let i = 0; i < 600; i++) {
      const hits = index.search(lib.vector(i), 5);
      if (i % 3 === 0) {
        expect(index.has(i)).toBe(false);
        expect(hits.map((h) => h.id)).not.toContain(i);
      } else {
        expect(index.has(i)).toBe(true);
        if (hits[0]!.id === i && hits[0]!.distance < 1e-3) found++;
      }
    }
    // A graph with a third of its nodes removed is thinner: still 400 of 400 here.
    expect(found).toBeGreaterThanOrEqual(396); // of 400
    for (let i = 0; i < lib.count; i += 3) index.add(i, lib.vector(i));
    expect(index.size).toBe(lib.count);
    found = 0;
    for (let i = 0; i < 600; i += 3) if (index.search(lib.vector(i), 1)[0]!.id === i) found++;
    expect(found).toBeGreaterThanOrEqual(194); // of 200 (97%)

    // Same id, new vector: one entry, found at the new place only; in a batch too.
    index.add(7, lib.vector(1500));
    expect(index.size).toBe(lib.count);
    expect(index.search(lib.vector(1500), 2).map((h) => h.id).sort((a, b) => a - b)).toEqual([7, 1500]);
    expect(index.search(lib.vector(7), 3).map((h) => h.id)).not.toContain(7);
    index.addMany([8, 5000], batch(lib, 1600, 1602).vectors);
    expect(index.size).toBe(lib.count + 1);
    expect(index.search(lib.vector(1600), 2).map((h) => h.id).sort((a, b) => a - b)).toEqual([8, 1600]);
  });

  it('takes a batch on several threads after faces added one at a time', () => {
    // The native index sizes per-thread scratch space when it grows; grown by single adds, it
    // once refused the next batch ("Reserve capacity ahead of insertions!").
    const v = (i: number) => unit(Math.sin(i), Math.cos(i), Math.sin(2 * i), 1);
    for (const [single, many] of [[20, 8], [100, 20], [3000, 500]] as const) {
      const index = createHnswIndex(4, { threads: 8 });
      for (let i = 0; i < single; i++) index.add(i, v(i));
      const vectors = new Float32Array(many * 4);
      for (let i = 0; i < many; i++) vectors.set(v(10_000 + i), i * 4);
      index.addMany(Array.from({ length: many }, (_, i) => 10_000 + i), vectors);
      expect(index.size).toBe(single + many);
      expect(index.search(v(10_003), 1)[0]!.id).toBe(10_003);
    }
  });

  it('empties and refills', () => {
    const index = createHnswIndex(8);
    const v = (i: number) => unit(...Array.from({ length: 8 }, (_, j) => Math.sin(i * 3.1 + j * 1.7)));
    for (let i = 0; i < 500; i++) index.add(i, v(i));
    for (let i = 0; i < 500; i++) index.remove(i);
    expect(index.size).toBe(0);
    expect(index.search(v(1), 3)).toEqual([]);
    for (let i = 0; i < 50; i++) index.add(i + 1000, v(i));
    expect(index.search(v(10), 1)[0]!.id).toBe(1010);
  });

  it('keeps ids up to 2^53', () => {
    const index = createHnswIndex(3);
    const big = Number.MAX_SAFE_INTEGER;
    index.add(big, unit(1, 0, 0));
    index.add(2 ** 32 + 5, unit(0, 1, 0));
    expect(index.search(unit(1, 0, 0), 1)[0]!.id).toBe(big);
    expect(index.searchMany(unit(0, 1, 0), 1).ids[0]).toBe(2 ** 32 + 5);
    expect(index.has(big)).toBe(true);
  });

  it('builds the same graph twice on one thread', () => {
    const lib = syntheticFaces(1500, { seed: 2, dimensions: 64 });
    const build = () => {
      const index = createHnswIndex(64, { threads: 1 });
      fill(index, lib);
      return index;
    };
    const a = build();
    const b = build();
    for (let q = 0; q < 20; q++) expect(a.search(lib.vector(q * 7), 10)).toEqual(b.search(lib.vector(q * 7), 10));
  });

  it('rejects bad ids and options by name', () => {
    expect(() => createHnswIndex(4).add(-1, unit(1, 0, 0, 0))).toThrow(AppError);
    expect(() => createHnswIndex(4).add(-1, unit(1, 0, 0, 0))).toThrow(/face id -1/);
    expect(() => createHnswIndex(2).addMany([1, 1], Float32Array.of(1, 0, 0, 1))).toThrow(/face id 1 appears twice/);
    expect(() => createHnswIndex(0)).toThrow(/dimensions 0/);
    expect(() => createHnswIndex(4, { connectivity: 1 })).toThrow(/connectivity 1/);
    expect(() => createHnswIndex(4, { expansionSearch: 2.5 })).toThrow(/expansionSearch 2.5/);
    expect(() => createHnswIndex(4, { threads: 0 })).toThrow(/threads 0/);
  });

  it.each(MODELS)('finds at least 98% of the neighbours clustering uses on 20k $name faces', ({ dims, scale, near }) => {
    const lib = syntheticFaces(20_000, { seed: 11, dimensions: dims, scale });
    const index = createHnswIndex(dims);
    const exact = createExactIndex(dims);
    fill(index, lib);
    fill(exact, lib);
    let nearCount = 0;
    let nearFound = 0;
    for (let q = 0; q < 100; q++) {
      const { vector } = lib.newFace();
      const got = new Set(index.search(vector, 16).map((h) => h.id));
      for (const h of exact.search(vector, 16)) {
        if (h.distance > near) continue;
        nearCount++;
        if (got.has(h.id)) nearFound++;
      }
    }
    expect(nearCount).toBeGreaterThan(500);
    expect(nearFound / nearCount).toBeGreaterThanOrEqual(0.98);
  }, 120_000);
});
