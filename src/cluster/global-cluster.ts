import type { FaceVector } from '../catalog/catalog.js';
import type { ClusterParams } from './incremental-assign.js';
import type { VectorIndex } from './vector-index.js';

export interface ClusterAllInput {
  /** Every face to cluster; `personId` with a human `source` is an anchor that never moves. */
  faces: FaceVector[];
  rejections: Array<{ faceId: number; personId: number }>;
}

export interface ClusterAllResult {
  /** Face id to cluster: an anchored person (`person`) or a new group (`group`), absent when unassigned. */
  clusterOf: Map<number, { person: number } | { group: number }>;
  groups: number;
  edges: number;
}

const HUMAN = new Set(['confirmed', 'manual', 'xmp']);

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
 */
export function clusterAll(input: ClusterAllInput, index: VectorIndex, params: ClusterParams): ClusterAllResult {
  const n = input.faces.length;
  const slot = new Map<number, number>();
  input.faces.forEach((f, i) => slot.set(f.id, i));
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const size = new Int32Array(n).fill(1);
  const photos: Array<Set<number> | null> = input.faces.map((f) => new Set([f.photoId]));
  const anchor: Array<number | null> = input.faces.map((f) => (f.personId !== null && f.source !== null && HUMAN.has(f.source) ? f.personId : null));
  const rejected: Array<Set<number> | null> = new Array(n).fill(null);
  // The people the group's faces are on now: a face rejected from a person never joins a
  // group holding that person's faces, so the new group cannot carry it back to them.
  const current: Array<Set<number> | null> = input.faces.map((f) => (f.personId !== null ? new Set([f.personId]) : null));
  for (const r of input.rejections) {
    const i = slot.get(r.faceId);
    // A face a person put back on someone it was rejected from (split off, then merged back): the later decision holds.
    if (i !== undefined && anchor[i] !== r.personId) (rejected[i] ??= new Set()).add(r.personId);
  }
  const dims = index.dimensions;
  const sums: Array<Float32Array | null> = new Array(n).fill(null);
  const sumOf = (root: number) => sums[root] ?? input.faces[root]!.embedding;

  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const centroidDistance = (a: number, b: number) => {
    const sa = sumOf(a), sb = sumOf(b);
    let dot = 0, na = 0, nb = 0;
    for (let j = 0; j < dims; j++) {
      dot += sa[j]! * sb[j]!;
      na += sa[j]! * sa[j]!;
      nb += sb[j]! * sb[j]!;
    }
    return 1 - dot / Math.sqrt(na * nb);
  };
  const compatible = (a: number, b: number) => {
    const pa = photos[a]!, pb = photos[b]!;
    const [small, large] = pa.size < pb.size ? [pa, pb] : [pb, pa];
    for (const p of small) if (large.has(p)) return false;
    const xa = anchor[a] ?? null, xb = anchor[b] ?? null;
    if (xa !== null && xb !== null && xa !== xb) return false;
    if (intersects(rejected[a] ?? null, current[b] ?? null) || intersects(rejected[b] ?? null, current[a] ?? null)) return false;
    return true;
  };
  const union = (a: number, b: number) => {
    const big = size[a]! >= size[b]! ? a : b;
    const small = big === a ? b : a;
    parent[small] = big;
    size[big] = size[big]! + size[small]!;
    for (const p of photos[small]!) photos[big]!.add(p);
    photos[small] = null;
    anchor[big] ??= anchor[small]!;
    if (rejected[small]) {
      const into = (rejected[big] ??= new Set());
      for (const r of rejected[small]!) into.add(r);
      rejected[small] = null;
    }
    if (current[small]) {
      const into = (current[big] ??= new Set());
      for (const c of current[small]!) into.add(c);
      current[small] = null;
    }
    const sum = sums[big] ?? Float32Array.from(input.faces[big]!.embedding);
    const add = sumOf(small);
    for (let j = 0; j < dims; j++) sum[j] = sum[j]! + add[j]!;
    sums[big] = sum;
    sums[small] = null;
  };

  // Faces anchored to the same person start as one group.
  const firstOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const a = anchor[i];
    if (a === null || a === undefined) continue;
    const first = firstOf.get(a);
    if (first === undefined) firstOf.set(a, i);
    else {
      const ra = find(first), rb = find(i);
      if (ra !== rb) union(ra, rb);
    }
  }

  const edges: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) {
    const f = input.faces[i]!;
    for (const hit of index.search(f.embedding, params.k + 1)) {
      if (hit.distance > params.maxDistance) break;
      const j = slot.get(hit.id);
      if (j === undefined || j <= i || input.faces[j]!.photoId === f.photoId) continue;
      edges.push([hit.distance, i, j]);
    }
  }
  edges.sort((a, b) => a[0] - b[0]);
  for (const [, i, j] of edges) {
    const a = find(i), b = find(j);
    if (a === b || !compatible(a, b)) continue;
    if (centroidDistance(a, b) > params.maxDistance) continue;
    union(a, b);
  }

  const clusterOf: ClusterAllResult['clusterOf'] = new Map();
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    const list = members.get(r);
    if (list) list.push(i);
    else members.set(r, [i]);
  }
  let groups = 0;
  for (const [root, list] of members) {
    const person = anchor[root];
    if (person !== null && person !== undefined) {
      for (const i of list) clusterOf.set(input.faces[i]!.id, { person });
      continue;
    }
    if (list.length < params.minFaces) continue;
    if (!list.some((i) => input.faces[i]!.quality >= params.minSeedQuality)) continue;
    const group = groups++;
    for (const i of list) clusterOf.set(input.faces[i]!.id, { group });
  }
  return { clusterOf, groups, edges: edges.length };
}

function intersects(a: Set<number> | null, b: Set<number> | null): boolean {
  if (!a || !b) return false;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) return true;
  return false;
}
