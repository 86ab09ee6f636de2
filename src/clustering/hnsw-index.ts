import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type * as Usearch from 'usearch';
import { AppError } from '../errors.js';
import { checkVectors, type VectorIndex } from './vector-index.js';

/** Tuning of the approximate index. Every field has a default, measured on 128-d and 512-d faces (bench/scale-bench.ts). */
export interface HnswIndexOptions {
  /** Graph edges per face (HNSW's M): more finds more, costs memory and insert time. @default 16 */
  connectivity?: number;
  /**
   * Candidates weighed when linking a new face (efConstruction). Most of the build time; past
   * 48 recall within the clustering distance hardly grows. @default 48
   */
  expansionAdd?: number;
  /** Candidates weighed per query (ef); a query for k > this uses k. @default 128 */
  expansionSearch?: number;
  /** Threads for `addMany` and `searchMany`; single calls use one. @default os.availableParallelism() */
  threads?: number;
}

/**
 * Approximate nearest-neighbour search for face embeddings: a hierarchical navigable small
 * world graph (HNSW) in USearch, a native library (C++, SIMD distances) that ships prebuilt
 * for Linux x64/arm64 and macOS (arm64 and x64), so `npm ci` compiles nothing.
 *
 * Why this and not the inverted file this project had before (see the README, "Speed and
 * scale", for the figures): HNSW makes no assumption about how faces spread, so one set of
 * defaults serves dlib's 128-d embeddings, packed into a narrow cone, as well as 512-d ones
 * spread over the sphere, where the inverted file needed its lists re-tuned for each model;
 * and native SIMD code builds a 1M-face index in minutes on 2 cores, with a query well under
 * a millisecond.
 *
 * Vectors are stored as float16 (half of float32; cosine distances within ~1e-3 of exact).
 * `add` and `search` are one face each, on the calling thread; `addMany` and `searchMany`
 * spread a batch over `threads`. A batch built on several threads links its faces in an
 * order that varies from run to run, so two builds can differ in the rare neighbour that
 * either finds; one thread gives the same graph every time.
 */
/** Faces an index takes on one thread before it inserts in parallel. */
const SERIAL_SEED = 10_000;

export function createHnswIndex(dimensions: number, options: HnswIndexOptions = {}): VectorIndex {
  const connectivity = options.connectivity ?? 16;
  const expansionAdd = options.expansionAdd ?? 48;
  const expansionSearch = options.expansionSearch ?? 128;
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new AppError('INVALID_INPUT', `vector index dimensions ${dimensions} must be a positive whole number`);
  }
  for (const [name, value] of Object.entries({ connectivity, expansionAdd, expansionSearch, threads })) {
    if (!Number.isInteger(value) || value < 1) throw new AppError('INVALID_INPUT', `vector index ${name} ${value} must be a whole number, 1 or more`);
  }
  if (connectivity < 2) throw new AppError('INVALID_INPUT', `vector index connectivity ${connectivity} must be 2 or more (default 16)`);

  const { Index, MetricKind, ScalarKind } = loadUsearch();
  const native = new Index({
    dimensions, metric: MetricKind.Cos, quantization: ScalarKind.F16,
    connectivity, expansion_add: expansionAdd, expansion_search: expansionSearch, multi: false,
  });
  const oneKey = new BigUint64Array(1);
  const key = (id: number): bigint => {
    if (!Number.isSafeInteger(id) || id < 0) throw new AppError('INVALID_INPUT', `face id ${id} must be a whole number, 0 or more`);
    return BigInt(id);
  };
  const checkVector = (vector: Float32Array) => {
    if (vector.length !== dimensions) throw new AppError('INVALID_INPUT', `vector has ${vector.length} dimensions, the index ${dimensions}`);
  };
  const has = (id: number) => {
    oneKey[0] = key(id);
    return (native.contains(oneKey) as boolean[])[0] === true;
  };
  const remove = (id: number) => {
    oneKey[0] = key(id);
    native.remove(oneKey);
  };

  const index: VectorIndex = {
    get size() {
      return native.size();
    },
    dimensions,
    add(id, vector) {
      checkVector(vector);
      // A face added again replaces its vector.
      if (has(id)) remove(id);
      oneKey[0] = key(id);
      // One face runs on the calling thread; `threads` sizes the scratch space if the index grows.
      native.add(oneKey, vector, threads);
    },
    addMany(ids, vectors) {
      checkVectors(dimensions, vectors, ids.length);
      if (ids.length === 0) return;
      const keys = new BigUint64Array(ids.length);
      const seen = new Set<number>();
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (seen.has(id)) throw new AppError('INVALID_INPUT', `face id ${id} appears twice in one batch; add each face once`);
        seen.add(id);
        keys[i] = key(id);
      }
      const present = native.contains(keys) as boolean[];
      const replaced = keys.filter((_, i) => present[i]);
      if (replaced.length > 0) native.remove(replaced);
      // Faces inserted side by side on several threads do not see each other; into a small
      // graph that leaves them poorly linked (measured: up to 1 in 20 faces of a 2,000-face
      // index built on 8 threads no longer found themselves once a third was removed). The
      // first faces go in on one thread, the rest in parallel into a graph that has a shape.
      // One face per call runs on the calling thread, still passing `threads`: the native index
      // sizes its per-thread scratch space by the count given when it grows, and a batch on more
      // threads than it last grew for fails ("Reserve capacity ahead of insertions!").
      const serial = Math.min(ids.length, Math.max(0, SERIAL_SEED - native.size()));
      for (let i = 0; i < serial; i++) native.add(keys.subarray(i, i + 1), vectors.subarray(i * dimensions, (i + 1) * dimensions), threads);
      if (serial < ids.length) native.add(keys.subarray(serial), vectors.subarray(serial * dimensions), threads);
    },
    remove,
    has,
    search(vector, k) {
      checkVector(vector);
      if (k <= 0 || native.size() === 0) return [];
      const found = native.search(vector, k, 1) as Usearch.Matches;
      const ids = idsOf(found.keys);
      return Array.from(ids, (id, i) => ({ id, distance: clampDistance(found.distances[i]!) }));
    },
    searchMany(queries, k) {
      if (queries.length % dimensions !== 0) {
        throw new AppError('INVALID_INPUT', `${queries.length} numbers are not whole vectors of ${dimensions} dimensions, the index's size`);
      }
      const n = queries.length / dimensions;
      if (k <= 0 || n === 0 || native.size() === 0) return { k: Math.max(0, k), ids: new Float64Array(0), distances: new Float32Array(0), counts: new Uint32Array(n) };
      const found = native.search(queries, k, threads) as Usearch.Matches | Usearch.BatchMatches;
      // One query comes back as one result, already cut to its count.
      const counts = 'counts' in found ? Uint32Array.from(found.counts, Number) : Uint32Array.of(found.keys.length);
      const ids = new Float64Array(n * k);
      ids.set(idsOf(found.keys));
      const distances = new Float32Array(n * k);
      distances.set(found.distances);
      for (let i = 0; i < distances.length; i++) distances[i] = clampDistance(distances[i]!);
      return { k, ids, distances, counts };
    },
  };
  return index;
}

/** Ids from USearch's 64-bit keys without a BigInt each: read as 32-bit halves (little-endian on every platform it ships for). */
function idsOf(keys: BigUint64Array): Float64Array {
  const words = new Uint32Array(keys.buffer, keys.byteOffset, keys.length * 2);
  const out = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = words[2 * i]! + words[2 * i + 1]! * 2 ** 32;
  return out;
}

/** float16 rounding can put a face a hair below zero from itself. */
function clampDistance(d: number): number {
  return d < 0 ? 0 : d;
}

let usearch: typeof Usearch | null = null;

/** Loads USearch on first use, so a process that never needs the approximate index never loads it. */
function loadUsearch(): typeof Usearch {
  if (usearch) return usearch;
  try {
    usearch = createRequire(import.meta.url)('usearch') as typeof Usearch;
    return usearch;
  } catch (error) {
    throw new AppError(
      'DEPENDENCY_MISSING',
      `the vector index library usearch did not load on ${process.platform}-${process.arch} (${error instanceof Error ? error.message : String(error)}); ` +
        'it ships prebuilt for Linux (x64, arm64; glibc 2.34 or newer) and macOS 11 or newer: run `npm ci` again on one of those',
      { cause: error },
    );
  }
}
