/**
 * Pure evaluation metrics, no I/O. Verification scores are cosine distances: lower means
 * "more likely the same person"; a pair is accepted as the same person when its distance is
 * at or under a threshold.
 */

export interface ScoredPair {
  distance: number;
  same: boolean;
}

/** Ascending, and safe for infinite distances (Infinity - Infinity is NaN). */
const ascending = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Area under the ROC curve: the chance that a random same-person pair has a smaller distance
 * than a random different-person pair, ties counting half (Mann-Whitney U). NaN without both kinds.
 */
export function rocAuc(pairs: readonly ScoredPair[]): number {
  const sorted = [...pairs].sort((a, b) => ascending(a.distance, b.distance));
  const same = sorted.filter((p) => p.same).length;
  const different = sorted.length - same;
  if (same === 0 || different === 0) return Number.NaN;
  // Walk groups of equal distance: a same pair beats every different pair after its group
  // and ties the different pairs inside it.
  let wins = 0;
  let differentSeen = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    let groupSame = 0;
    let groupDifferent = 0;
    for (; j < sorted.length && sorted[j]!.distance === sorted[i]!.distance; j++) {
      if (sorted[j]!.same) groupSame++;
      else groupDifferent++;
    }
    wins += groupSame * (different - differentSeen - groupDifferent) + groupSame * groupDifferent * 0.5;
    differentSeen += groupDifferent;
    i = j;
  }
  return wins / (same * different);
}

/** Share of pairs judged right when "same" means distance <= threshold. */
export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return Number.NaN;
  return pairs.filter((p) => (p.distance <= threshold) === p.same).length / pairs.length;
}

export interface TarAtFar {
  /** The false accept rate asked for. */
  far: number;
  /** Pairs accepted when distance < threshold; `-Infinity` when failures alone exceed the rate. */
  threshold: number;
  /** Share of same-person pairs accepted. */
  tar: number;
  /** Share of different-person pairs accepted at that threshold (<= far). */
  achievedFar: number;
  /** False: fewer than 1/far different-person pairs, so no false accept at all is allowed. */
  resolved: boolean;
}

/**
 * True accept rate at a false accept rate: the threshold is the distance of the
 * (floor(far * n) + 1)-th closest different-person pair, and a pair is accepted when its
 * distance is strictly under it, so at most floor(far * n) different pairs are accepted.
 */
export function tarAtFar(pairs: readonly ScoredPair[], far: number): TarAtFar {
  const genuine = pairs.filter((p) => p.same).map((p) => p.distance);
  const impostor = pairs.filter((p) => !p.same).map((p) => p.distance).sort(ascending);
  if (genuine.length === 0 || impostor.length === 0) return { far, threshold: Number.NaN, tar: Number.NaN, achievedFar: Number.NaN, resolved: false };
  const allowed = Math.floor(far * impostor.length + 1e-9);
  const threshold = allowed < impostor.length ? impostor[allowed]! : Number.POSITIVE_INFINITY;
  return {
    far,
    threshold,
    tar: genuine.filter((d) => d < threshold).length / genuine.length,
    achievedFar: impostor.filter((d) => d < threshold).length / impostor.length,
    resolved: allowed >= 1,
  };
}

/** One item to cluster: its true identity and the cluster it was put in (a singleton has its own). */
export interface Labelled {
  truth: string;
  predicted: string;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  f1: number;
}

const f1 = (precision: number, recall: number) => (precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall));

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/**
 * BCubed precision and recall: per item, the share of its cluster that shares its identity
 * (precision) and the share of its identity that shares its cluster (recall), averaged over items.
 */
export function bcubed(items: readonly Labelled[]): PrecisionRecall {
  if (items.length === 0) return { precision: Number.NaN, recall: Number.NaN, f1: Number.NaN };
  const both = countBy(items, (i) => `${i.predicted}\u0000${i.truth}`);
  const cluster = countBy(items, (i) => i.predicted);
  const identity = countBy(items, (i) => i.truth);
  let precision = 0;
  let recall = 0;
  for (const i of items) {
    const n = both.get(`${i.predicted}\u0000${i.truth}`)!;
    precision += n / cluster.get(i.predicted)!;
    recall += n / identity.get(i.truth)!;
  }
  precision /= items.length;
  recall /= items.length;
  return { precision, recall, f1: f1(precision, recall) };
}

const pairsOf = (n: number) => (n * (n - 1)) / 2;

/**
 * Pairwise precision and recall over all pairs of items: of the pairs put in one cluster, the
 * share that are one identity; of the pairs of one identity, the share put in one cluster.
 * With no pair on a side, that side is 1 (nothing claimed, nothing to find).
 */
export function pairwiseF1(items: readonly Labelled[]): PrecisionRecall {
  let together = 0;
  for (const n of countBy(items, (i) => `${i.predicted}\u0000${i.truth}`).values()) together += pairsOf(n);
  let predicted = 0;
  for (const n of countBy(items, (i) => i.predicted).values()) predicted += pairsOf(n);
  let truth = 0;
  for (const n of countBy(items, (i) => i.truth).values()) truth += pairsOf(n);
  const precision = predicted === 0 ? 1 : together / predicted;
  const recall = truth === 0 ? 1 : together / truth;
  return { precision, recall, f1: f1(precision, recall) };
}

export interface FixCounts {
  /** Per cluster, distinct identities in it minus 1: the splits a person must make. */
  splits: number;
  /** Per identity, distinct clusters holding it minus 1: the merges a person must make. */
  merges: number;
  /** Distinct clusters, singletons included. */
  clusters: number;
  identities: number;
}

/** How many splits and merges turn the clustering into the true identities. */
export function fixCounts(items: readonly Labelled[]): FixCounts {
  const identitiesOf = new Map<string, Set<string>>();
  const clustersOf = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, key: string, value: string) => {
    const set = map.get(key) ?? new Set<string>();
    set.add(value);
    map.set(key, set);
  };
  for (const i of items) {
    add(identitiesOf, i.predicted, i.truth);
    add(clustersOf, i.truth, i.predicted);
  }
  const extra = (map: Map<string, Set<string>>) => [...map.values()].reduce((sum, set) => sum + set.size - 1, 0);
  return { splits: extra(identitiesOf), merges: extra(clustersOf), clusters: identitiesOf.size, identities: clustersOf.size };
}

/** sum(min(found, expected)) / sum(expected): faces found in photos of known face counts. */
export function detectionRecall(photos: ReadonlyArray<{ found: number; expected: number }>): number {
  const expected = photos.reduce((s, p) => s + p.expected, 0);
  return expected === 0 ? Number.NaN : photos.reduce((s, p) => s + Math.min(p.found, p.expected), 0) / expected;
}

/** The middle value (the mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Cosine distance of two unit vectors: 1 - dot product (0 same direction, 2 opposite). */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return 1 - dot;
}
