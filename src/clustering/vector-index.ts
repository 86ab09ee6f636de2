import { AppError } from '../errors.js';

/**
 * The neighbours of many queries at once, in flat arrays: query `q`'s hits are at
 * `[q * k, q * k + counts[q])`, nearest first.
 */
export interface NeighbourLists {
  readonly k: number;
  readonly ids: Float64Array;
  readonly distances: Float32Array;
  readonly counts: Uint32Array;
}

/** Nearest-neighbour search over unit vectors by cosine distance. */
export interface VectorIndex {
  readonly size: number;
  readonly dimensions: number;
  add(id: number, vector: Float32Array): void;
  /** Adds `ids.length` faces at once; `vectors` holds their vectors one after the other. */
  addMany(ids: ArrayLike<number>, vectors: Float32Array): void;
  remove(id: number): void;
  has(id: number): boolean;
  /** The `k` nearest ids with their cosine distance, nearest first. */
  search(vector: Float32Array, k: number): Array<{ id: number; distance: number }>;
  /** `search` for each of the vectors packed one after the other in `queries`. */
  searchMany(queries: Float32Array, k: number): NeighbourLists;
}

/** Throws unless `vectors` holds exactly `count` vectors of the index's size. */
export function checkVectors(dimensions: number, vectors: Float32Array, count: number): void {
  if (vectors.length !== count * dimensions) {
    throw new AppError('INVALID_INPUT', `${vectors.length} numbers are not ${count} vectors of ${dimensions} dimensions, the index's size`);
  }
}

/** `searchMany` for an index that searches one vector at a time. */
export function searchEach(index: Pick<VectorIndex, 'dimensions' | 'search'>, queries: Float32Array, k: number): NeighbourLists {
  const d = index.dimensions;
  if (queries.length % d !== 0) throw new AppError('INVALID_INPUT', `${queries.length} numbers are not whole vectors of ${d} dimensions, the index's size`);
  const n = queries.length / d;
  const out = { k, ids: new Float64Array(n * k), distances: new Float32Array(n * k), counts: new Uint32Array(n) };
  for (let q = 0; q < n; q++) {
    const hits = index.search(queries.subarray(q * d, (q + 1) * d), k);
    hits.forEach((h, i) => {
      out.ids[q * k + i] = h.id;
      out.distances[q * k + i] = h.distance;
    });
    out.counts[q] = hits.length;
  }
  return out;
}

/**
 * Exact search over a packed matrix: one pass of dot products. Right for small libraries
 * and as the reference the approximate index's recall is measured against.
 */
export function createExactIndex(dimensions: number): VectorIndex {
  let capacity = 1024;
  let data = new Float32Array(capacity * dimensions);
  let ids = new Float64Array(capacity);
  let count = 0;
  const slot = new Map<number, number>();

  const index: VectorIndex = {
    get size() {
      return count;
    },
    dimensions,
    add(id, vector) {
      if (vector.length !== dimensions) throw new AppError('INVALID_INPUT', `vector has ${vector.length} dimensions, the index ${dimensions}`);
      const existing = slot.get(id);
      if (existing !== undefined) {
        data.set(vector, existing * dimensions);
        return;
      }
      if (count === capacity) {
        capacity *= 2;
        const next = new Float32Array(capacity * dimensions);
        next.set(data);
        data = next;
        const nextIds = new Float64Array(capacity);
        nextIds.set(ids);
        ids = nextIds;
      }
      data.set(vector, count * dimensions);
      ids[count] = id;
      slot.set(id, count++);
    },
    addMany(many, vectors) {
      checkVectors(dimensions, vectors, many.length);
      for (let i = 0; i < many.length; i++) index.add(many[i]!, vectors.subarray(i * dimensions, (i + 1) * dimensions));
    },
    remove(id) {
      const s = slot.get(id);
      if (s === undefined) return;
      const last = --count;
      if (s !== last) {
        data.copyWithin(s * dimensions, last * dimensions, (last + 1) * dimensions);
        ids[s] = ids[last]!;
        slot.set(ids[s]!, s);
      }
      slot.delete(id);
    },
    has: (id) => slot.has(id),
    search(vector, k) {
      if (vector.length !== dimensions) throw new AppError('INVALID_INPUT', `vector has ${vector.length} dimensions, the index ${dimensions}`);
      // Keep the k best in a small sorted array: k is tiny next to the library.
      const bestD: number[] = [];
      const bestI: number[] = [];
      const m = data;
      const q = vector;
      const n = count;
      const tail = dimensions & ~3;
      for (let s = 0; s < n; s++) {
        const o = s * dimensions;
        // Four running sums: independent additions the CPU can overlap.
        let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        for (let j = 0; j < tail; j += 4) {
          d0 += m[o + j]! * q[j]!;
          d1 += m[o + j + 1]! * q[j + 1]!;
          d2 += m[o + j + 2]! * q[j + 2]!;
          d3 += m[o + j + 3]! * q[j + 3]!;
        }
        for (let j = tail; j < dimensions; j++) d0 += m[o + j]! * q[j]!;
        const d = 1 - (d0 + d1 + d2 + d3);
        if (bestD.length === k && d >= bestD[k - 1]!) continue;
        let pos = bestD.length;
        while (pos > 0 && bestD[pos - 1]! > d) pos--;
        bestD.splice(pos, 0, d);
        bestI.splice(pos, 0, ids[s]!);
        if (bestD.length > k) {
          bestD.pop();
          bestI.pop();
        }
      }
      return bestD.map((distance, i) => ({ id: bestI[i]!, distance }));
    },
    searchMany: (queries, k) => searchEach(index, queries, k),
  };
  return index;
}
