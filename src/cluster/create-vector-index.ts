import { AppError } from '../errors.js';
import { createIvfIndex, type IvfIndex, type IvfIndexOptions } from './ivf-index.js';
import { createExactIndex, type VectorIndex } from './vector-index.js';

export interface VectorIndexOptions {
  /**
   * Faces up to which search is exact. Past it the index rebuilds itself as an approximate
   * one. Exact search costs one 512-d dot product per face per query (about 3 ms at 5k faces
   * on a 2-core machine, 6-13 ms at 10k, against about 1 ms approximate at 1M), so past a few
   * thousand faces the approximate index is both faster and, within the clustering distance,
   * nearly as complete (recall 0.98-0.99, see bench/scale-bench.ts). @default 5000
   */
  exactBelow?: number;
  /** Tuning of the approximate index (defaults suit 512-d face embeddings). */
  approximate?: IvfIndexOptions;
}

/** A vector index that tells which kind of search it is doing now. */
export interface AdaptiveVectorIndex extends VectorIndex {
  readonly approximate: boolean;
  /** Bytes of vector storage: the approximate index's own count, or float32 matrix plus copies while exact. */
  readonly bytes: number;
}

/**
 * The index callers should use: exact while the library is small, approximate once `size`
 * passes `exactBelow`, so no caller chooses. The switch happens inside the `add` that crosses
 * the threshold (a one-off rebuild from the vectors held so far) and is one-way: a library
 * that shrinks again keeps the approximate index rather than flapping between the two.
 */
export function createVectorIndex(dimensions: number, options: VectorIndexOptions = {}): AdaptiveVectorIndex {
  const exactBelow = options.exactBelow ?? 5_000;
  if (!Number.isInteger(exactBelow) || exactBelow < 0) {
    throw new AppError('INVALID_INPUT', `vector index exactBelow ${exactBelow} must be a whole number of faces, 0 or more (default 5000)`);
  }
  let index: VectorIndex = createExactIndex(dimensions);
  let ivf: IvfIndex | null = null;
  // The exact index cannot hand its vectors back, so keep copies to rebuild from.
  let vectors: Map<number, Float32Array> | null = new Map();

  const switchOver = (held: Map<number, Float32Array>) => {
    const next = createIvfIndex(dimensions, options.approximate);
    for (const [id, vector] of held) next.add(id, vector);
    index = ivf = next;
    vectors = null;
  };

  return {
    get size() {
      return index.size;
    },
    dimensions,
    get approximate() {
      return ivf !== null;
    },
    get bytes() {
      return ivf ? ivf.bytes : index.size * dimensions * 4 * 2;
    },
    add(id, vector) {
      index.add(id, vector);
      if (vectors === null) return;
      vectors.set(id, Float32Array.from(vector));
      if (vectors.size > exactBelow) switchOver(vectors);
    },
    remove(id) {
      index.remove(id);
      vectors?.delete(id);
    },
    has: (id) => index.has(id),
    search: (vector, k) => index.search(vector, k),
  };
}
