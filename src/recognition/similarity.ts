/**
 * The similarity facetag answers for two faces, 0 to 1, calibrated on the library's match
 * threshold (the embedder's tuned `cluster.maxDistance`, or the configured one): whatever the
 * embedder and however compressed its distances, a similarity of exactly
 * {@link MATCH_SIMILARITY} means "at the distance where facetag would put the face on the
 * person by itself"; above it is a match, below it is not.
 *
 * With `r = distance / threshold`:
 *
 * - `r <= 1`: similarity = 1 - (1 - MATCH_SIMILARITY) * r (1 for identical faces, 0.6 at the threshold)
 * - `1 < r < 2`: similarity = MATCH_SIMILARITY * (2 - r) (falling to 0 at twice the threshold)
 * - `r >= 2`: similarity = 0
 *
 * 0.6 is Double Take's default `detect.match.confidence` (60 %): pointed at facetag with its
 * defaults, Double Take calls a match exactly what the library calls one.
 */
export const MATCH_SIMILARITY = 0.6;

/** Similarity of a cosine distance, rounded to 5 decimals as CompreFace rounds its own. */
export function similarityOf(distance: number, threshold: number): number {
  if (!(threshold > 0)) throw new RangeError(`the match threshold must be a positive distance, got ${threshold}`);
  const r = Math.max(0, distance) / threshold;
  const s = r <= 1 ? 1 - (1 - MATCH_SIMILARITY) * r : r < 2 ? MATCH_SIMILARITY * (2 - r) : 0;
  return Math.round(s * 100_000) / 100_000;
}

/** The cosine distance a similarity stands for (the inverse of `similarityOf` above 0). */
export function distanceOf(similarity: number, threshold: number): number {
  const s = Math.min(1, Math.max(0, similarity));
  return s >= MATCH_SIMILARITY ? ((1 - s) / (1 - MATCH_SIMILARITY)) * threshold : (2 - s / MATCH_SIMILARITY) * threshold;
}

/** A match: at or within the library's threshold, decided on the distance (never on a rounded similarity). */
export const isMatch = (distance: number, threshold: number) => distance <= threshold;
