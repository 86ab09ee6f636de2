import type { Point } from './image.js';

/**
 * Drops detections that landed on a face already kept: a tiled detector can box one face twice
 * (a tight box and a looser one, from two overlapping views) with too little overlap for
 * non-maximum suppression, but refined landmarks put both on the same eyes. Two faces are the
 * same when their eye midpoints are closer than half the eye distance and their eye distances
 * differ by less than half. Faces come in order of preference (best first); order is kept.
 */
export function dropSameFaces<T extends { landmarks: readonly Point[] }>(faces: readonly T[]): T[] {
  const kept: T[] = [];
  const eyes = (f: T) => {
    const [le, re] = f.landmarks as [Point, Point];
    return { x: (le[0] + re[0]) / 2, y: (le[1] + re[1]) / 2, d: Math.hypot(re[0] - le[0], re[1] - le[1]) || 1 };
  };
  for (const face of faces) {
    const a = eyes(face);
    const same = kept.some((k) => {
      const b = eyes(k);
      const ratio = a.d / b.d;
      return Math.hypot(a.x - b.x, a.y - b.y) < 0.5 * Math.min(a.d, b.d) && ratio > 2 / 3 && ratio < 1.5;
    });
    if (!same) kept.push(face);
  }
  return kept;
}
