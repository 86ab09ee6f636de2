// Seeded synthetic face embeddings for index and clustering benchmarks and tests.
//
// A face is its identity's centre plus gaussian noise, re-normalised. With D dimensions and
// noise sigma per component, a face keeps 1/sqrt(1 + s) of its centre where s = D * sigma^2,
// so two faces of one person sit at cosine distance about 1 - 1/sqrt((1 + s1)(1 + s2)).
//
// How far apart the centres of different people sit depends on the model, so it is a
// `FaceScale`:
// - 512-d ArcFace-style embedders spread people over the whole sphere: centres are independent
//   random directions (different people at distance 1 +- 0.05) and s near 0.6 puts one
//   person's faces 0.25-0.55 apart (`ARCFACE_512`, the default).
// - dlib's 128-d ResNet compresses everything into a narrow cone: same person median ~0.04
//   (p95 ~0.07), different people median ~0.18 with a long near tail (p1 ~0.08), clustering
//   near 0.06. A centre there is a common direction shared by every face, plus a part drawn
//   from a few latent traits (people who look alike: the near tail), plus a small part of its
//   own (`DLIB_128`).
// Isotropic parts are a hard case for any approximate index: unlike real embeddings they have
// no low-dimensional structure to exploit.

import { seededRandom } from '../src/clustering/seeded-random.js';

/** How a model spreads faces and people; every share is of a unit centre's squared length. */
export interface FaceScale {
  /** Median of s = D * sigma^2, the per-face noise energy relative to the centre. */
  medianNoise: number;
  /** Log-normal spread of s between people (how varied their photos are). */
  personSpread: number;
  /** Log-normal spread of s between faces of one person. */
  faceSpread: number;
  /** Share of every centre along one direction common to all faces. */
  common: number;
  /** Share drawn from `traitRank` latent traits shared across people. */
  traits: number;
  traitRank: number;
}

/** 512-d ArcFace-style: independent centres, same person 0.25-0.55, strangers near 1.0. */
export const ARCFACE_512: FaceScale = { medianNoise: 0.6, personSpread: 0.15, faceSpread: 0.3, common: 0, traits: 0, traitRank: 0 };

/**
 * dlib 128-d ResNet-style: same person median ~0.04 (p95 ~0.07), different people median ~0.18
 * (p1 ~0.08). The bench prints the percentiles it got.
 */
export const DLIB_128: FaceScale = { medianNoise: 0.04, personSpread: 0.25, faceSpread: 0.35, common: 0.85, traits: 0.14, traitRank: 9 };

/** How the synthetic library is drawn. Every field has a default. */
export interface SyntheticFacesOptions {
  /** Seed of the generator: the same seed gives the same library. @default 1 */
  seed?: number;
  /** @default 512 */
  dimensions?: number;
  /** @default ARCFACE_512 */
  scale?: FaceScale;
  /** Largest number of faces one identity gets. @default 200 */
  maxFacesPerIdentity?: number;
  /**
   * Tail of faces per identity: P(count >= x) = x^-tailExponent, capped at the maximum.
   * 0.6 gives about a third singletons, a mean near 19, and a few people with 200 faces.
   * @default 0.6
   */
  tailExponent?: number;
  /** Overrides `scale.medianNoise`. */
  medianNoise?: number;
  /**
   * Hands each face to this as it is drawn (the vector is reused: copy it to keep it) instead of
   * storing the library: `vector()` is then unavailable. For libraries too big to hold twice.
   */
  each?: (i: number, vector: Float32Array) => void;
}

export interface SyntheticFaces {
  readonly count: number;
  readonly dimensions: number;
  readonly identityCount: number;
  /** Identity of each face, in library order. */
  readonly identity: Int32Array;
  /** Face `i`'s unit vector: a view into shared storage, copy it to keep it (not with `each`). */
  vector(i: number): Float32Array;
  /**
   * A new face of an existing identity picked in proportion to its face count, as the next
   * photo of a known person would be. Draws from a stream separate from the library's.
   */
  newFace(): { vector: Float32Array; identity: number };
}

/** Faces per storage chunk: keeps each typed array far below V8's limits at 1M x 512. */
const CHUNK = 1 << 16;

/** Standard normal draws by Box-Muller, two per pair of uniforms. */
export function seededGaussian(random: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    const u = 1 - random();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * random();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** Draws a library of `count` faces, identities interleaved as photos arrive over time. */
export function syntheticFaces(count: number, options: SyntheticFacesOptions = {}): SyntheticFaces {
  const dimensions = options.dimensions ?? 512;
  const scale = options.scale ?? ARCFACE_512;
  const maxFaces = options.maxFacesPerIdentity ?? 200;
  const tail = options.tailExponent ?? 0.6;
  const medianNoise = options.medianNoise ?? scale.medianNoise;
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const gauss = seededGaussian(random);

  // Faces per identity until the library is full; the last identity is cut to fit.
  const sizes: number[] = [];
  for (let total = 0; total < count; ) {
    const n = Math.min(maxFaces, Math.floor(Math.pow(1 - random(), -1 / tail)), count - total);
    sizes.push(n);
    total += n;
  }
  const identityCount = sizes.length;
  // Each person's spread differs a little (pose and lighting variety), each face more.
  const personNoise = Float32Array.from(sizes, () => medianNoise * Math.exp(scale.personSpread * gauss()));
  const centres = new Float32Array(identityCount * dimensions);
  for (let p = 0; p < identityCount; p++) unitGaussian(centres.subarray(p * dimensions, (p + 1) * dimensions), gauss);
  if (scale.common > 0 || scale.traits > 0) shareCentres(centres, dimensions, scale, gauss);

  const identity = new Int32Array(count);
  for (let p = 0, i = 0; p < identityCount; p++) identity.fill(p, i, (i += sizes[p]!));
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = identity[i]!;
    identity[i] = identity[j]!;
    identity[j] = t;
  }

  const chunks: Float32Array[] = [];
  if (!options.each) for (let start = 0; start < count; start += CHUNK) chunks.push(new Float32Array(Math.min(CHUNK, count - start) * dimensions));
  const drawFace = (p: number, out: Float32Array, g: () => number) => {
    const s = personNoise[p]! * Math.exp(scale.faceSpread * g());
    const sigma = Math.sqrt(s / dimensions);
    const o = p * dimensions;
    let norm = 0;
    for (let j = 0; j < dimensions; j++) {
      const x = centres[o + j]! + sigma * g();
      out[j] = x;
      norm += x * x;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < dimensions; j++) out[j]! *= inv;
  };
  const vector = (i: number) => {
    if (options.each) throw new Error('a library drawn with `each` keeps no vectors');
    const o = (i % CHUNK) * dimensions;
    return chunks[Math.floor(i / CHUNK)]!.subarray(o, o + dimensions);
  };
  if (options.each) {
    const scratch = new Float32Array(dimensions);
    for (let i = 0; i < count; i++) {
      drawFace(identity[i]!, scratch, gauss);
      options.each(i, scratch);
    }
  } else {
    for (let i = 0; i < count; i++) drawFace(identity[i]!, vector(i), gauss);
  }

  const queryRandom = seededRandom(seed ^ 0x9e3779b9);
  const queryGauss = seededGaussian(queryRandom);
  return {
    count,
    dimensions,
    identityCount,
    identity,
    vector,
    newFace() {
      const p = identity[Math.floor(queryRandom() * count)]!;
      const v = new Float32Array(dimensions);
      drawFace(p, v, queryGauss);
      return { vector: v, identity: p };
    },
  };
}

/**
 * Turns independent unit centres into centres of one model's cone: sqrt(common) along one
 * shared direction, sqrt(traits) along a person's mix of `traitRank` shared trait directions,
 * and the rest their own (the independent draw they came in with), re-normalised.
 */
function shareCentres(centres: Float32Array, dimensions: number, scale: FaceScale, gauss: () => number): void {
  const own = 1 - scale.common - scale.traits;
  if (!(own >= 0)) throw new Error(`face scale: common ${scale.common} + traits ${scale.traits} must not exceed 1`);
  const common = new Float32Array(dimensions);
  unitGaussian(common, gauss);
  const rank = Math.max(1, scale.traitRank);
  const traits = new Float32Array(rank * dimensions);
  for (let t = 0; t < rank; t++) unitGaussian(traits.subarray(t * dimensions, (t + 1) * dimensions), gauss);
  const mix = new Float32Array(rank);
  const trait = new Float32Array(dimensions);
  for (let o = 0; o < centres.length; o += dimensions) {
    unitGaussian(mix, gauss);
    trait.fill(0);
    for (let t = 0; t < rank; t++) for (let j = 0; j < dimensions; j++) trait[j]! += mix[t]! * traits[t * dimensions + j]!;
    let norm = 0;
    for (let j = 0; j < dimensions; j++) {
      const x = Math.sqrt(scale.common) * common[j]! + Math.sqrt(scale.traits) * trait[j]! + Math.sqrt(own) * centres[o + j]!;
      centres[o + j] = x;
      norm += x * x;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < dimensions; j++) centres[o + j]! *= inv;
  }
}

function unitGaussian(out: Float32Array, gauss: () => number): void {
  let norm = 0;
  for (let j = 0; j < out.length; j++) {
    const x = gauss();
    out[j] = x;
    norm += x * x;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let j = 0; j < out.length; j++) out[j]! *= inv;
}
