import { AppError } from '../errors.js';
import type { FaceTable } from './face-table.js';
import type { ClusterParams } from './incremental-assign.js';
import { nearestEdges } from './nearest-edges.js';
import type { VectorIndex } from './vector-index.js';

export interface ClusterAllInput {
  /** Every face to cluster; a face on a person by a human decision is an anchor that never moves. */
  faces: FaceTable;
  rejections: ReadonlyArray<{ faceId: number; personId: number }>;
}

export interface ClusterAllResult {
  /** Per face, in input order: the anchored person its cluster holds, or NaN. */
  person: Float64Array;
  /** Per face, in input order: its new group (0 to `groups - 1`), or -1 (with a person, or unassigned). */
  group: Int32Array;
  groups: number;
  /** Nearest-neighbour pairs within `maxDistance` that were considered. */
  edges: number;
}

/**
 * Clusters a whole library from scratch while keeping every human decision: a constrained
 * agglomeration over the k-nearest-neighbour graph, one k-NN query per face.
 *
 * Edges are taken nearest first; two groups join only when
 * - their centroids are within `maxDistance` (average linkage: a chain of near pairs cannot
 *   drag two different people together, as single linkage would),
 * - they share no photo (two faces of one photo are two people),
 * - they are not anchored to two different people, and no face of one was rejected from a
 *   person that a face of the other is on.
 * Groups without an anchor become people when they have `minFaces` faces and one of them is of
 * seed quality; smaller groups stay unassigned.
 *
 * Memory is flat typed arrays per face (under 100 bytes each) plus the edge list, so a
 * million faces cluster in a few hundred MB beside their embeddings.
 */
export function clusterAll(input: ClusterAllInput, index: VectorIndex, params: ClusterParams): ClusterAllResult {
  const faces = input.faces;
  const n = faces.count;
  const dims = index.dimensions;
  if (faces.dimensions !== dims && n > 0) {
    throw new AppError('INVALID_INPUT', `the faces have ${faces.dimensions}-d embeddings, the index ${dims}-d; cluster faces of one embedder with an index of theirs`);
  }

  // Union-find over faces; each root also heads a linked list of its group's faces.
  const parent = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  const next = new Int32Array(n).fill(-1);
  const tail = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = tail[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };

  // The other faces of a face's photo, as a ring: samePhoto[i] is the next face of i's photo.
  const samePhoto = photoRings(faces.photoId);

  // Anchors: the person a human put the group's faces on.
  const anchor = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) if (faces.human[i]) anchor[i] = faces.personId[i]!;

  // Rejections: a face rejected from a person never joins a group holding that person's faces,
  // so the new group cannot carry it back to them. Only people someone rejected a face from
  // matter, so a group records which of those people its faces are on now.
  const slotOf = idLookup(faces.id);
  const rejected: Array<Set<number> | null> = new Array(n).fill(null);
  const rejectedPeople = new Set<number>();
  for (const r of input.rejections) {
    const i = slotOf(r.faceId);
    // A face on someone it was rejected from (a merge back recorded before merges cleared the split's rejection): the later decision holds.
    if (i < 0 || anchor[i] === r.personId) continue;
    (rejected[i] ??= new Set()).add(r.personId);
    rejectedPeople.add(r.personId);
  }
  const current: Array<Set<number> | null> = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    const p = faces.personId[i]!;
    if (rejectedPeople.has(p)) current[i] = new Set([p]);
  }

  // Centroids as running sums, with their squared norms; a face alone is its own embedding.
  const sums: Array<Float32Array | null> = new Array(n).fill(null);
  const normSq = new Float64Array(n);
  const scratch = [new Float32Array(dims), new Float32Array(dims)] as const;
  for (let i = 0; i < n; i++) normSq[i] = faces.vectorInto(i, scratch[0], 0);
  const sumOf = (root: number, into: 0 | 1) => {
    const sum = sums[root];
    if (sum) return sum;
    faces.vectorInto(root, scratch[into], 0);
    return scratch[into];
  };
  const centroidDistance = (a: number, b: number) => 1 - dot(sumOf(a, 0), sumOf(b, 1), dims) / Math.sqrt(normSq[a]! * normSq[b]!);

  const sharePhoto = (small: number, large: number) => {
    for (let m = small; m !== -1; m = next[m]!) {
      for (let o = samePhoto[m]!; o !== m; o = samePhoto[o]!) if (find(o) === large) return true;
    }
    return false;
  };
  /** Whether two groups may join: the cheap tests first, the photo walk (as long as the smaller group) last. */
  const mayJoin = (a: number, b: number) => {
    const xa = anchor[a]!, xb = anchor[b]!;
    if (!Number.isNaN(xa) && !Number.isNaN(xb) && xa !== xb) return false;
    if (intersects(rejected[a] ?? null, current[b] ?? null) || intersects(rejected[b] ?? null, current[a] ?? null)) return false;
    if (centroidDistance(a, b) > params.maxDistance) return false;
    const [small, large] = size[a]! <= size[b]! ? [a, b] : [b, a];
    return !sharePhoto(small, large);
  };
  const union = (a: number, b: number) => {
    const big = size[a]! >= size[b]! ? a : b;
    const small = big === a ? b : a;
    parent[small] = big;
    size[big] = size[big]! + size[small]!;
    next[tail[big]!] = small;
    tail[big] = tail[small]!;
    if (Number.isNaN(anchor[big]!)) anchor[big] = anchor[small]!;
    rejected[big] = mergeSets(rejected[big] ?? null, rejected[small] ?? null);
    rejected[small] = null;
    current[big] = mergeSets(current[big] ?? null, current[small] ?? null);
    current[small] = null;
    let sum = sums[big];
    if (!sum) {
      sum = new Float32Array(dims);
      faces.addVectorTo(big, sum);
    }
    const add = sums[small];
    if (add) for (let j = 0; j < dims; j++) sum[j] = sum[j]! + add[j]!;
    else faces.addVectorTo(small, sum);
    sums[big] = sum;
    sums[small] = null;
    normSq[big] = dot(sum, sum, dims);
  };

  // Faces anchored to the same person start as one group.
  const firstOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const a = anchor[i]!;
    if (Number.isNaN(a)) continue;
    const first = firstOf.get(a);
    if (first === undefined) firstOf.set(a, i);
    else {
      const ra = find(first), rb = find(i);
      if (ra !== rb) union(ra, rb);
    }
  }

  const edges = nearestEdges(faces, slotOf, index, params);
  for (let e = 0; e < edges.count; e++) {
    const at = edges.order[e]!;
    const a = find(edges.from[at]!), b = find(edges.to[at]!);
    if (a !== b && mayJoin(a, b)) union(a, b);
  }

  // Groups are numbered in the order of their first face.
  const person = new Float64Array(n).fill(NaN);
  const group = new Int32Array(n).fill(-1);
  const label = new Int32Array(n).fill(-2); // per root: -2 not seen yet, -1 no group
  let groups = 0;
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (label[r] === -2) {
      if (!Number.isNaN(anchor[r]!)) label[r] = -1;
      else if (size[r]! < params.minFaces) label[r] = -1;
      else {
        let seed = false;
        for (let m = r; m !== -1 && !seed; m = next[m]!) seed = faces.quality[m]! >= params.minSeedQuality;
        label[r] = seed ? groups++ : -1;
      }
    }
    person[i] = anchor[r]!;
    group[i] = label[r]!;
  }
  return { person, group, groups, edges: edges.count };
}

function dot(a: Float32Array, b: Float32Array, dims: number): number {
  let s = 0;
  for (let j = 0; j < dims; j++) s += a[j]! * b[j]!;
  return s;
}

function intersects(a: Set<number> | null, b: Set<number> | null): boolean {
  if (!a || !b) return false;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) return true;
  return false;
}

function mergeSets(into: Set<number> | null, from: Set<number> | null): Set<number> | null {
  if (!from) return into;
  if (!into) return from;
  for (const x of from) into.add(x);
  return into;
}

/** For each face, the next face of the same photo (itself when alone in it): a ring per photo. */
function photoRings(photoId: Float64Array): Int32Array {
  const n = photoId.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (!ascending(photoId)) order.sort((a, b) => photoId[a]! - photoId[b]! || a - b);
  const ring = new Int32Array(n);
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && photoId[order[e]!] === photoId[order[s]!]) e++;
    for (let t = s; t < e; t++) ring[order[t]!] = order[t + 1 < e ? t + 1 : s]!;
    s = e;
  }
  return ring;
}

/** Face id to its place (-1 when absent), by binary search: over the ids themselves when they ascend (the catalog's order), else over a sorted copy. */
function idLookup(id: Float64Array): (face: number) => number {
  const n = id.length;
  let order: Int32Array | null = null;
  let ids = id;
  if (!ascending(id)) {
    order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => id[a]! - id[b]!);
    ids = Float64Array.from(order, (i) => id[i]!);
  }
  return (face) => {
    let lo = 0, hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid]!;
      if (v === face) return order ? order[mid]! : mid;
      if (v < face) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
}

function ascending(values: Float64Array): boolean {
  for (let i = 1; i < values.length; i++) if (!(values[i - 1]! <= values[i]!)) return false;
  return true;
}
