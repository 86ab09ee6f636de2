import type { FaceTable } from './face-table.js';
import type { ClusterParams } from './incremental-assign.js';
import type { VectorIndex } from './vector-index.js';

/** Pairs of near faces (places in the face list), and the order that takes them nearest first. */
export interface NearEdges {
  count: number;
  from: Int32Array;
  to: Int32Array;
  distance: Float32Array;
  /** Edge numbers by distance, nearest first; equal distances in the order they were found. */
  order: Uint32Array;
}

/** Faces searched per `searchMany` call: the index spreads each batch over its threads. */
const QUERY_BATCH = 4_096;

/**
 * The symmetric k-nearest-neighbour graph of `faces` within `params.maxDistance`: a pair is an
 * edge when either face is among the other's `params.k` nearest and they sit in different
 * photos, once (from the earlier face to the later). Symmetric because a face in a crowded
 * neighbourhood has its own k nearest all taken by that crowd: a face only it is near to would
 * otherwise have no edge to it (on 100k 512-d faces, BCubed recall 0.934 with the one-sided
 * graph, 0.986 with this one, precision 1.0 both). Found in batches of queries, kept in typed
 * arrays (12 bytes an edge, plus 8 while sorting).
 */
export function nearestEdges(
  faces: Pick<FaceTable, 'count' | 'photoId' | 'vectorInto'>,
  slotOf: (id: number) => number,
  index: Pick<VectorIndex, 'dimensions' | 'searchMany'>,
  params: Pick<ClusterParams, 'k' | 'maxDistance'>,
): NearEdges {
  const n = faces.count;
  const dims = index.dimensions;
  // Each face gives at most k + 1 edges. Pages of a large typed array are only resident once
  // written, so reserving that bound costs memory only for the edges found.
  const capacity = n * (params.k + 1);
  const from = new Int32Array(capacity);
  const to = new Int32Array(capacity);
  const distance = new Float32Array(capacity);
  let count = 0;
  // Where each face's own query put its edges: a pair found from both sides is kept once.
  const firstEdge = new Int32Array(n + 1);

  const queries = new Float32Array(Math.min(QUERY_BATCH, n) * dims);
  const k = params.k + 1; // the face itself comes back too
  for (let start = 0; start < n; start += QUERY_BATCH) {
    const end = Math.min(n, start + QUERY_BATCH);
    for (let i = start; i < end; i++) faces.vectorInto(i, queries, (i - start) * dims);
    const hits = index.searchMany(queries.subarray(0, (end - start) * dims), k);
    for (let i = start; i < end; i++) {
      firstEdge[i] = count;
      const base = (i - start) * hits.k;
      const photo = faces.photoId[i]!;
      for (let h = 0; h < hits.counts[i - start]!; h++) {
        const d = hits.distances[base + h]!;
        if (d > params.maxDistance) break;
        const j = slotOf(hits.ids[base + h]!);
        if (j === i || j < 0 || faces.photoId[j] === photo || (j < i && hasEdge(to, firstEdge[j]!, firstEdge[j + 1]!, i))) continue;
        from[count] = Math.min(i, j);
        to[count] = Math.max(i, j);
        distance[count++] = d < 0 ? 0 : d;
      }
      firstEdge[i + 1] = count;
    }
  }
  const near = distance.subarray(0, count);
  return { count, from: from.subarray(0, count), to: to.subarray(0, count), distance: near, order: orderByDistance(near) };
}

/** Whether face `j`'s own edges (`to` from `begin` to `end`) reach the later face `i`. */
function hasEdge(to: Int32Array, begin: number, end: number, i: number): boolean {
  for (let e = begin; e < end; e++) if (to[e] === i) return true;
  return false;
}

/**
 * Edge numbers sorted by distance, stable: a two-pass radix sort on the float32 bits, which
 * order like the numbers themselves for distances of 0 and more. Linear, and no comparator
 * calls for millions of edges.
 */
export function orderByDistance(distance: Float32Array): Uint32Array {
  const bits = new Uint32Array(distance.buffer, distance.byteOffset, distance.length);
  const n = bits.length;
  let order = new Uint32Array(n);
  let spare = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(65_537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((bits[i]! >>> shift) & 0xffff) + 1]!++;
    for (let b = 1; b < counts.length; b++) counts[b]! += counts[b - 1]!;
    for (let i = 0; i < n; i++) {
      const e = order[i]!;
      spare[counts[(bits[e]! >>> shift) & 0xffff]!++] = e;
    }
    [order, spare] = [spare, order];
  }
  return order;
}
