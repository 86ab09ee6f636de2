import type { Point } from './image.js';

/**
 * The 112x112 five-point template the embedders were trained on (ArcFace / InsightFace,
 * the 96x112 template of SphereFace shifted 8 px right).
 */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; Umeyama 1991)
 * taking `from` onto `to`. Returns the 2x3 matrix `[a, -b, tx, b, a, ty]`.
 */
export function similarityTransform(from: readonly Point[], to: readonly Point[]): number[] {
  const n = from.length;
  let mfx = 0, mfy = 0, mtx = 0, mty = 0;
  for (let i = 0; i < n; i++) {
    mfx += from[i]![0]; mfy += from[i]![1];
    mtx += to[i]![0]; mty += to[i]![1];
  }
  mfx /= n; mfy /= n; mtx /= n; mty /= n;
  let sxx = 0, sxy = 0, varF = 0;
  for (let i = 0; i < n; i++) {
    const fx = from[i]![0] - mfx, fy = from[i]![1] - mfy;
    const tx = to[i]![0] - mtx, ty = to[i]![1] - mty;
    sxx += fx * tx + fy * ty; // dot: cos part
    sxy += fx * ty - fy * tx; // cross: sin part
    varF += fx * fx + fy * fy;
  }
  const a = sxx / varF;
  const b = sxy / varF;
  return [a, -b, mtx - (a * mfx - b * mfy), b, a, mty - (b * mfx + a * mfy)];
}

/** Inverse of a 2x3 affine matrix. */
export function invertAffine(m: readonly number[]): number[] {
  const [a, b, c, d, e, f] = m as [number, number, number, number, number, number];
  const det = a * e - b * d;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/** The matrix that samples the source image for each pixel of the aligned 112x112 face. */
export function alignmentMatrix(landmarks: readonly Point[], template: readonly Point[] = ARCFACE_TEMPLATE_112): number[] {
  return invertAffine(similarityTransform(landmarks, template));
}
