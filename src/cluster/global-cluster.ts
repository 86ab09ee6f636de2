import type { FaceVector } from '../catalog/catalog.js';
import { AppError } from '../errors.js';
import type { ClusterParams } from './incremental-assign.js';
import { nearestEdges } from './nearest-edges.js';
import type { VectorIndex } from './vector-index.js';

export interface ClusterAllInput {
  /** Every face to cluster; `personId` with a human `source` is an anchor that never moves. */
  faces: readonly FaceVector[];
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

const HUMAN = new Set(['confirmed', 'manual', 'xmp']);

/** True when the face carries a human decision (confirmed, manual or xmp): the machine never moves it. */
export const isHumanDecision = (f: Pick<FaceVector, 'source'>): boolean => f.source !== null && HUMAN.has(f.source);

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
 * Memory is flat typed arrays per face (a few dozen bytes each) plus the edge list, so a
 * million faces cluster in a few hundred MB beside their embeddings.
 */
export function clusterAll(input: ClusterAllInput, index: VectorIndex, params: ClusterParams): ClusterAllResult {
  const faces = input.faces;
  const n = faces.length;
  const dims = index.dimensions;
  for (const f of faces) {
    if (f.embedding.length !== dims) {
      throw new AppError('INVALID_INPUT', `face ${f.id} has a ${f.embedding.length}-d embedding, the index ${dims}-d; faces of one embedder only (re-index the others)`);
    }
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
  const samePhoto = photoRings(faces);

  // Anchors: the person a human put the group's faces on.
  const anchor = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) if (isHumanDecision(faces[i]!) && faces[i]!.personId !== null) anchor[i] = faces[i]!.personId!;

  // Rejections: a face rejected from a person never joins a group holding that person's faces,
  // so the new group cannot carry it back to them. Only people someone rejected a face from
  // matter, so a group records which of those people its faces are on now.
  const slotOf = idLookup(faces);
  const rejected: Array<Set<number> | null> = new Array(n).fill(null);
  const rejectedPeople = new Set<number>();
  for (const r of input.rejections) {
    const i = slotOf(r.faceId);
    if (i < 0) continue;
    (rejected[i] ??= new Set()).add(r.personId);
    rejectedPeople.add(r.personId);
  }
  const current: Array<Set<number> | null> = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    const p = faces[i]!.personId;
    if (p !== null && rejectedPeople.has(p)) current[i] = new Set([p]);
  }

  // Centroids as running sums, with their squared norms.
  const sums: Array<Float32Array | null> = new Array(n).fill(null);
  const normSq = new Float64Array(n);
  for (let i = 0; i < n; i++) normSq[i] = dot(faces[i]!.embedding, faces[i]!.embedding, dims);
  const sumOf = (root: number) => sums[root] ?? faces[root]!.embedding;
  const centroidDistance = (a: number, b: number) => 1 - dot(sumOf(a), sumOf(b), dims) / Math.sqrt(normSq[a]! * normSq[b]!);

  const sharePhoto = (small: number, large: number) => {
    for (let m = small; m !== -1; m = next[m]!) {
      for (let o = samePhoto[m]!; o !== m; o = samePhoto[o]!) if (find(o) === large) return true;
    }
    return false;
  };
  const compatible = (a: number, b: number) => {
    const xa = anchor[a]!, xb = anchor[b]!;
    if (!Number.isNaN(xa) && !Number.isNaN(xb) && xa !== xb) return false;
    if (intersects(rejected[a] ?? null, current[b] ?? null) || intersects(rejected[b] ?? null, current[a] ?? null)) return false;
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
    const sum = sums[big] ?? Float32Array.from(faces[big]!.embedding);
    const add = sumOf(small);
    for (let j = 0; j < dims; j++) sum[j] = sum[j]! + add[j]!;
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
    if (a === b || !compatible(a, b)) continue;
    if (centroidDistance(a, b) > params.maxDistance) continue;
    union(a, b);
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
        for (let m = r; m !== -1 && !seed; m = next[m]!) seed = faces[m]!.quality >= params.minSeedQuality;
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
function photoRings(faces: readonly FaceVector[]): Int32Array {
  const n = faces.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => faces[a]!.photoId - faces[b]!.photoId || a - b);
  const ring = new Int32Array(n);
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && faces[order[e]!]!.photoId === faces[order[s]!]!.photoId) e++;
    for (let t = s; t < e; t++) ring[order[t]!] = order[t + 1 < e ? t + 1 : s]!;
    s = e;
  }
  return ring;
}

/** Face id to its place in `faces` (-1 when absent), by binary search over the sorted ids: 12 bytes a face. */
function idLookup(faces: readonly FaceVector[]): (id: number) => number {
  const n = faces.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = faces[i - 1]!.id < faces[i]!.id;
  if (!sorted) order.sort((a, b) => faces[a]!.id - faces[b]!.id);
  const ids = Float64Array.from(order, (i) => faces[i]!.id);
  return (id) => {
    let lo = 0, hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid]!;
      if (v === id) return order[mid]!;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
}
