/** Cosine distance (1 - cosine similarity) in double precision; 1 when either vector is zero. */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 1 : 1 - dot / Math.sqrt(na * nb);
}

/** Nearest first; equal distances by face id, so every adapter answers alike. */
export const byDistance = (a: { faceId: number; distance: number }, b: { faceId: number; distance: number }) =>
  a.distance - b.distance || a.faceId - b.faceId;
