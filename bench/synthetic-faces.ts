// Seeded synthetic face embeddings for index and clustering benchmarks and tests.
//
// Identities are random unit centres on the sphere; a face is its identity's centre plus
// isotropic gaussian noise, re-normalised. With D dimensions and noise sigma per component,
// a face keeps 1/sqrt(1 + s) of its centre where s = D * sigma^2, so two faces of one person
// sit at cosine distance about 1 - 1/sqrt((1 + s1)(1 + s2)). Drawing s per face around 0.6
// (log-normal) puts same-identity distances mostly between 0.25 and 0.55, and independent
// centres put different identities at 1 +- 0.05, which is how real 512-d face embedders
// (ArcFace-style) separate people. Isotropic centres are a hard case for any approximate
// index: unlike real embeddings they have no low-dimensional structure to exploit.

import { seededRandom } from '../src/cluster/seeded-random.js';
/** How the synthetic library is drawn. Every field has a default. */
export interface SyntheticFacesOptions {
  /** Seed of the generator: the same seed gives the same library. @default 1 */
  seed?: number;
  /** @default 512 */
  dimensions?: number;
  /** Largest number of faces one identity gets. @default 200 */
  maxFacesPerIdentity?: number;
  /**
   * Tail of faces per identity: P(count >= x) = x^-tailExponent, capped at the maximum.
   * 0.6 gives about a third singletons, a mean near 19, and a few people with 200 faces.
   * @default 0.6
   */
  tailExponent?: number;
  /** Median of s = D * sigma^2, the per-face noise energy relative to the centre. @default 0.6 */
  medianNoise?: number;
}

export interface SyntheticFaces {
  readonly count: number;
  readonly dimensions: number;
  readonly identityCount: number;
  /** Identity of each face, in library order. */
  readonly identity: Int32Array;
  /** Face `i`'s unit vector: a view into shared storage, copy it to keep it. */
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
  const maxFaces = options.maxFacesPerIdentity ?? 200;
  const tail = options.tailExponent ?? 0.6;
  const medianNoise = options.medianNoise ?? 0.6;
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
  const personNoise = Float32Array.from(sizes, () => medianNoise * Math.exp(0.15 * gauss()));
  const centres = new Float32Array(identityCount * dimensions);
  for (let p = 0; p < identityCount; p++) unitGaussian(centres.subarray(p * dimensions, (p + 1) * dimensions), gauss);

  const identity = new Int32Array(count);
  for (let p = 0, i = 0; p < identityCount; p++) identity.fill(p, i, (i += sizes[p]!));
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = identity[i]!;
    identity[i] = identity[j]!;
    identity[j] = t;
  }

  const chunks: Float32Array[] = [];
  for (let start = 0; start < count; start += CHUNK) chunks.push(new Float32Array(Math.min(CHUNK, count - start) * dimensions));
  const drawFace = (p: number, out: Float32Array, g: () => number) => {
    const s = personNoise[p]! * Math.exp(0.3 * g());
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
    const o = (i % CHUNK) * dimensions;
    return chunks[Math.floor(i / CHUNK)]!.subarray(o, o + dimensions);
  };
  for (let i = 0; i < count; i++) drawFace(identity[i]!, vector(i), gauss);

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
