import type { Box, Point } from './image.js';

/**
 * Drops detections that are a second look at a face already kept. A tiled detector proposes
 * one face several times, as boxes shifted onto the hair, the chin, or between two neighbours,
 * with too little overlap for non-maximum suppression; the landmarker, asked about such a box,
 * readily finds a face in it (the real one, off centre), so the face check cannot tell. Faces
 * come best first; a later one is the same face as a kept one when
 * - their refined eye midpoints are closer than half the eye distance (the landmarks landed on
 *   the same eyes), or
 * - its box overlaps the kept face's: by `sureOverlap` of its area for a confident detection, by
 *   `unsureOverlap` for an unsure one (an unsure box that overlaps a face is that face again far
 *   more often than a face half hidden behind it).
 */
export function dropSameFaces<T extends { box: Box; landmarks: readonly Point[]; detScore: number }>(
  faces: readonly T[],
  options: { sureDetScore: number; sureOverlap?: number; unsureOverlap?: number },
): T[] {
  const sureOverlap = options.sureOverlap ?? 0.5;
  const unsureOverlap = options.unsureOverlap ?? 0.15;
  const kept: T[] = [];
  const eyes = (f: T) => {
    const [le, re] = f.landmarks as [Point, Point];
    return { x: (le[0] + re[0]) / 2, y: (le[1] + re[1]) / 2, d: Math.hypot(re[0] - le[0], re[1] - le[1]) || 1 };
  };
  for (const face of [...faces].sort((a, b) => b.detScore - a.detScore)) {
    const a = eyes(face);
    const limit = face.detScore >= options.sureDetScore ? sureOverlap : unsureOverlap;
    const same = kept.some((k) => {
      const b = eyes(k);
      const ratio = a.d / b.d;
      if (Math.hypot(a.x - b.x, a.y - b.y) < 0.5 * Math.min(a.d, b.d) && ratio > 2 / 3 && ratio < 1.5) return true;
      return overlapShare(face.box, k.box) >= limit;
    });
    if (!same) kept.push(face);
  }
  return kept;
}

/** Share of `a`'s area that `b` covers. */
function overlapShare(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return a.w * a.h > 0 ? (ix * iy) / (a.w * a.h) : 0;
}
