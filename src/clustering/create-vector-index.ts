import { AppError } from '../errors.js';
import type { FaceSource } from './face-table.js';
import { createHnswIndex, type HnswIndexOptions } from './hnsw-index.js';
import { checkVectors, createExactIndex, type VectorIndex } from './vector-index.js';

export interface VectorIndexOptions {
  /**
   * Faces up to which search is exact. Past it the index rebuilds itself as an approximate
   * one. Exact search costs one dot product per face per query (a few ms at 5k faces on a
   * 2-core machine, growing with the library), the approximate index well under a
   * millisecond at any size, with nearly every neighbour within the clustering distance
   * found (see bench/scale-bench.ts); below a few thousand faces exact search is cheap and
   * gives exact distances. @default 5000
   */
  exactBelow?: number;
  /** Tuning of the approximate index. */
  approximate?: HnswIndexOptions;
}

/** A vector index that tells which kind of search it is doing now. */
export interface AdaptiveVectorIndex extends VectorIndex {
  readonly approximate: boolean;
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
  // The exact index cannot hand its vectors back, so keep copies to rebuild from.
  let vectors: Map<number, Float32Array> | null = new Map();

  /** Replaces the exact index with an approximate one holding `held` and then `ids`/`more`. */
  const switchOver = (held: Map<number, Float32Array>, ids: ArrayLike<number> = [], more: Float32Array = new Float32Array(0)) => {
    const next = createHnswIndex(dimensions, options.approximate);
    const oldIds = [...held.keys()];
    const packed = new Float32Array(oldIds.length * dimensions);
    oldIds.forEach((id, i) => packed.set(held.get(id)!, i * dimensions));
    next.addMany(oldIds, packed);
    next.addMany(ids, more);
    index = next;
    vectors = null;
  };

  const adaptive: AdaptiveVectorIndex = {
    get size() {
      return index.size;
    },
    dimensions,
    get approximate() {
      return vectors === null;
    },
    add(id, vector) {
      index.add(id, vector);
      if (vectors === null) return;
      vectors.set(id, Float32Array.from(vector));
      if (vectors.size > exactBelow) switchOver(vectors);
    },
    addMany(ids, many) {
      checkVectors(dimensions, many, ids.length);
      if (vectors === null) return index.addMany(ids, many);
      const grown = new Set(vectors.keys());
      for (let i = 0; i < ids.length; i++) grown.add(ids[i]!);
      if (grown.size <= exactBelow) {
        index.addMany(ids, many);
        for (let i = 0; i < ids.length; i++) vectors.set(ids[i]!, Float32Array.from(many.subarray(i * dimensions, (i + 1) * dimensions)));
        return;
      }
      // Straight to the approximate index: the batch's own faces replace held ones with their ids.
      const batch = new Set<number>();
      for (let i = 0; i < ids.length; i++) batch.add(ids[i]!);
      for (const id of batch) vectors.delete(id);
      switchOver(vectors, ids, many);
    },
    remove(id) {
      index.remove(id);
      vectors?.delete(id);
    },
    has: (id) => index.has(id),
    search: (vector, k) => index.search(vector, k),
    searchMany: (queries, k) => index.searchMany(queries, k),
  };
  return adaptive;
}

/** Faces packed per `addMany` call when loading: 16k x 512-d is 32 MB of float32 at a time. */
const LOAD_BATCH = 16_384;

/**
 * An index holding `faces`, built in batches (several threads once it is approximate): how a
 * re-cluster or a suggestion index loads the catalog's faces. Far faster than adding them one by one.
 */
export function buildVectorIndex(faces: FaceSource, options: VectorIndexOptions = {}): AdaptiveVectorIndex {
  const index = createVectorIndex(faces.dimensions, options);
  addFaces(index, faces);
  return index;
}

/** Adds `faces` to `index` in batches of `LOAD_BATCH` (`addMany`: several threads once approximate). */
export function addFaces(index: VectorIndex, faces: FaceSource): void {
  const dims = faces.dimensions;
  const packed = new Float32Array(Math.min(LOAD_BATCH, faces.count) * dims);
  const ids = new Float64Array(Math.min(LOAD_BATCH, faces.count));
  for (let start = 0; start < faces.count; start += LOAD_BATCH) {
    const end = Math.min(faces.count, start + LOAD_BATCH);
    for (let i = start; i < end; i++) {
      ids[i - start] = faces.idAt(i);
      faces.vectorInto(i, packed, (i - start) * dims);
    }
    index.addMany(ids.subarray(0, end - start), packed.subarray(0, (end - start) * dims));
  }
}
