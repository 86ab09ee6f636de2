import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { VectorIndex } from './vector-index.js';

export const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

/**
 * The behaviour every VectorIndex must have; each index's test file runs it. `tolerance` is
 * how far its distances may stray from exact (stored precision).
 */
export function vectorIndexContract(name: string, make: (dimensions: number) => VectorIndex, tolerance: number) {
  describe(`VectorIndex contract: ${name}`, () => {
    it('returns the k nearest by cosine distance, nearest first', () => {
      const index = make(3);
      expect(index.search(unit(1, 0, 0), 3)).toEqual([]);
      index.add(1, unit(1, 0, 0));
      index.add(2, unit(0, 1, 0));
      index.add(3, unit(1, 1, 0));
      index.add(4, unit(-1, 0, 0));
      expect(index.dimensions).toBe(3);
      const hits = index.search(unit(1, 0.1, 0), 2);
      expect(hits.map((h) => h.id)).toEqual([1, 3]);
      expect(Math.abs(hits[0]!.distance - (1 - 1 / Math.hypot(1, 0.1)))).toBeLessThan(tolerance);
      expect(index.search(unit(1, 0, 0), 10).map((h) => h.id)).toEqual([1, 3, 2, 4]);
      expect(index.search(unit(1, 0, 0), 0)).toEqual([]);
    });

    it('grows, replaces and removes', () => {
      const index = make(2);
      for (let i = 0; i < 3000; i++) index.add(i, unit(Math.cos(i), Math.sin(i)));
      expect(index.size).toBe(3000);
      index.remove(5);
      index.remove(123_456);
      expect(index.has(5)).toBe(false);
      expect(index.has(6)).toBe(true);
      expect(index.search(unit(Math.cos(5), Math.sin(5)), 1)[0]!.id).not.toBe(5);
      index.add(7, unit(0, 1));
      expect(index.size).toBe(2999);
      expect(index.search(unit(0, 1), 1)[0]!.id).toBe(7);
    });

    it('adds and searches in batches as it does one at a time', () => {
      const index = make(4);
      const vectors = Float32Array.from({ length: 40 * 4 }, (_, i) => Math.sin(i * 1.7));
      for (let i = 0; i < 40; i++) vectors.set(unit(...vectors.subarray(i * 4, i * 4 + 4)), i * 4);
      index.addMany(Array.from({ length: 40 }, (_, i) => 100 + i), vectors);
      expect(index.size).toBe(40);
      const many = index.searchMany(vectors.subarray(0, 10 * 4), 3);
      expect(many.k).toBe(3);
      for (let q = 0; q < 10; q++) {
        const one = index.search(vectors.subarray(q * 4, q * 4 + 4), 3);
        expect(many.counts[q]).toBe(3);
        expect(Array.from(many.ids.subarray(q * 3, q * 3 + 3))).toEqual(one.map((h) => h.id));
        expect(one[0]!.id).toBe(100 + q);
      }
      // A face added again in a batch replaces its vector.
      index.addMany([100], unit(-1, -1, -1, -1));
      expect(index.size).toBe(40);
      expect(index.search(unit(-1, -1, -1, -1), 1)[0]!.id).toBe(100);
    });

    it('rejects vectors of another size by name', () => {
      const index = make(4);
      expect(() => index.add(1, unit(1, 0, 0))).toThrow(AppError);
      expect(() => index.add(1, unit(1, 0, 0))).toThrow(/3 dimensions, the index 4/);
      expect(() => index.search(unit(1, 0, 0), 1)).toThrow(/3 dimensions, the index 4/);
      expect(() => index.addMany([1, 2], unit(1, 0, 0, 0))).toThrow(/4 numbers are not 2 vectors of 4 dimensions/);
      expect(() => index.searchMany(Float32Array.of(1, 0, 0), 1)).toThrow(/3 numbers are not whole vectors of 4/);
    });
  });
}
