import { describe, expect, it } from 'vitest';
import { createExactIndex } from './vector-index.js';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

describe('exact vector index', () => {
  it('returns the k nearest by cosine distance, nearest first', () => {
    const index = createExactIndex(3);
    index.add(1, unit(1, 0, 0));
    index.add(2, unit(0, 1, 0));
    index.add(3, unit(1, 1, 0));
    index.add(4, unit(-1, 0, 0));
    const hits = index.search(unit(1, 0.1, 0), 2);
    expect(hits.map((h) => h.id)).toEqual([1, 3]);
    expect(hits[0]!.distance).toBeCloseTo(1 - 1 / Math.hypot(1, 0.1), 5);
  });

  it('grows, replaces and removes', () => {
    const index = createExactIndex(2);
    for (let i = 0; i < 3000; i++) index.add(i, unit(Math.cos(i), Math.sin(i)));
    expect(index.size).toBe(3000);
    index.remove(5);
    expect(index.has(5)).toBe(false);
    expect(index.search(unit(Math.cos(5), Math.sin(5)), 1)[0]!.id).not.toBe(5);
    index.add(7, unit(0, 1));
    expect(index.size).toBe(2999);
    expect(() => index.add(1, Float32Array.of(1, 0, 0))).toThrow(/dimensions/);
  });
});
