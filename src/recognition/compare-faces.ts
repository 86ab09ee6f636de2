import { cosineDistance } from '../catalog/cosine-distance.js';
import { isMatch, similarityOf } from './similarity.js';

export interface FaceComparison {
  distance: number;
  /** Calibrated 0-1 (see similarity.ts). */
  similarity: number;
  /** At or within the library's match threshold. */
  match: boolean;
}

/** How alike two faces are, on the same scale as recognition answers. */
export function compareFaces(a: Float32Array, b: Float32Array, threshold: number): FaceComparison {
  const distance = cosineDistance(a, b);
  return { distance, similarity: similarityOf(distance, threshold), match: isMatch(distance, threshold) };
}
