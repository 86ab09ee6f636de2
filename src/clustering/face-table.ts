import type { FaceVector } from '../catalog/catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import { AppError } from '../errors.js';

const HUMAN = new Set(['confirmed', 'manual', 'xmp']);

/** True when the face carries a human decision (confirmed, manual or xmp): the machine never moves it. */
export const isHumanDecision = (f: Pick<FaceVector, 'source'>): boolean => f.source !== null && HUMAN.has(f.source);

/** Faces that can hand out their ids and vectors by place: what an index is loaded from. */
export interface FaceSource {
  readonly count: number;
  readonly dimensions: number;
  idAt(i: number): number;
  /** Writes face `i`'s embedding into `out` at `offset`. */
  vectorInto(i: number, out: Float32Array, offset: number): void;
}

/**
 * What clustering needs of many faces, in columns of typed arrays: about 30 bytes a face
 * plus its embedding as float16 (half of float32: the vector index stores that precision
 * too). A million 128-d faces take ~290 MB, where a million `FaceVector` objects take
 * well over a GB. Storage is in chunks, so no typed array nears V8's limits.
 */
export interface FaceTable extends FaceSource {
  readonly id: Float64Array;
  readonly photoId: Float64Array;
  /** The person the face is on, or NaN. */
  readonly personId: Float64Array;
  /** 1 when a person decided (confirmed, manual, xmp): such faces never move. */
  readonly human: Uint8Array;
  readonly quality: Float32Array;
  /** Writes face `i`'s embedding into `out` at `offset` and returns its squared length. */
  vectorInto(i: number, out: Float32Array, offset: number): number;
  /** Adds face `i`'s embedding to `sum` (a centroid being built). */
  addVectorTo(i: number, sum: Float32Array): void;
}

/** Faces per embedding chunk: 64k x 512-d float16 is 64 MB. */
const CHUNK = 1 << 16;

/** Packs faces into a table; every embedding must have `dimensions` numbers. */
export function packFaces(faces: readonly FaceVector[], dimensions = faces[0]?.embedding.length ?? 0): FaceTable {
  const table = createFaceTable(faces.length, dimensions);
  faces.forEach((f, i) => table.set(i, f));
  return table;
}

/** A table's storage: one typed array a column, embeddings as float16 in chunks of `CHUNK` faces. */
interface Columns {
  id: Float64Array;
  photoId: Float64Array;
  personId: Float64Array;
  human: Uint8Array;
  quality: Float32Array;
  chunks: Uint16Array[];
}

/** Writes `face` into row `i` of `c` (its chunk must exist). */
function writeRow(c: Columns, dimensions: number, i: number, face: FaceVector): void {
  if (face.embedding.length !== dimensions) {
    throw new AppError('INVALID_INPUT', `face ${face.id} has a ${face.embedding.length}-d embedding, the others ${dimensions}-d; faces of one embedder only (re-index the others)`);
  }
  c.id[i] = face.id;
  c.photoId[i] = face.photoId;
  c.personId[i] = face.personId ?? NaN;
  c.human[i] = isHumanDecision(face) ? 1 : 0;
  c.quality[i] = face.quality;
  const chunk = c.chunks[Math.floor(i / CHUNK)]!, o = (i % CHUNK) * dimensions;
  for (let j = 0; j < dimensions; j++) chunk[o + j] = toHalf(face.embedding[j]!);
}

/** An empty table for `count` faces, filled with `set`. */
export function createFaceTable(count: number, dimensions: number): FaceTable & { set(i: number, face: FaceVector): void } {
  const chunks: Uint16Array[] = [];
  for (let start = 0; start < count; start += CHUNK) chunks.push(new Uint16Array(Math.min(CHUNK, count - start) * dimensions));
  return tableOver(count, dimensions, {
    id: new Float64Array(count), photoId: new Float64Array(count), personId: new Float64Array(count),
    human: new Uint8Array(count), quality: new Float32Array(count), chunks,
  });
}

/** Faces read per catalog call when every face is loaded: ~5 MB of face objects at 512-d. */
export const FACE_PAGE = 5000;

/** Every face of the model in id order, `size` at a time. */
export async function* facePages(catalog: Pick<FaceCatalog, 'allFaceVectors'>, model: string, size: number): AsyncGenerator<FaceVector[]> {
  for (let afterId: number | undefined; ;) {
    const page = await catalog.allFaceVectors(model, { ...(afterId === undefined ? {} : { afterId }), limit: size });
    if (page.length > 0) yield page;
    if (page.length < size) return;
    afterId = page.at(-1)!.id;
  }
}

/**
 * Packs faces as the catalog hands them out, a page at a time (`Catalog.allFaceVectors` with a
 * page), so only one page of face objects is alive at once: memory is the table's (~30 bytes a
 * face plus the float16 embedding), never a million objects. The same table as `packFaces` of
 * all the pages together.
 */
export async function packFacePages(pages: AsyncIterable<readonly FaceVector[]>): Promise<FaceTable> {
  let dimensions = 0;
  let count = 0;
  let c: Columns = { id: new Float64Array(0), photoId: new Float64Array(0), personId: new Float64Array(0), human: new Uint8Array(0), quality: new Float32Array(0), chunks: [] };
  const grown = <T extends Float64Array | Float32Array | Uint8Array>(a: T, size: number): T => {
    const b = new (a.constructor as new (n: number) => T)(size);
    b.set(a);
    return b;
  };
  for await (const page of pages) {
    for (const face of page) {
      if (count === 0) dimensions = face.embedding.length;
      if (count === c.id.length) {
        const size = Math.max(1024, c.id.length * 2);
        c = { id: grown(c.id, size), photoId: grown(c.photoId, size), personId: grown(c.personId, size), human: grown(c.human, size), quality: grown(c.quality, size), chunks: c.chunks };
      }
      if (count === c.chunks.length * CHUNK) c.chunks.push(new Uint16Array(CHUNK * dimensions));
      writeRow(c, dimensions, count++, face);
    }
  }
  const last = count % CHUNK;
  if (last > 0) c.chunks[c.chunks.length - 1] = c.chunks.at(-1)!.slice(0, last * dimensions);
  return tableOver(count, dimensions, {
    id: c.id.slice(0, count), photoId: c.photoId.slice(0, count), personId: c.personId.slice(0, count),
    human: c.human.slice(0, count), quality: c.quality.slice(0, count), chunks: c.chunks,
  });
}

function tableOver(count: number, dimensions: number, c: Columns): FaceTable & { set(i: number, face: FaceVector): void } {
  const { id, photoId, personId, human, quality, chunks } = c;
  const at = (i: number) => {
    if (!(i >= 0 && i < count)) throw new RangeError(`face ${i} is outside the table of ${count}`);
    return { chunk: chunks[Math.floor(i / CHUNK)]!, o: (i % CHUNK) * dimensions };
  };
  return {
    count, dimensions, id, photoId, personId, human, quality,
    idAt: (i) => id[i]!,
    set(i, face) {
      at(i);
      writeRow(c, dimensions, i, face);
    },
    vectorInto(i, out, offset) {
      const { chunk, o } = at(i);
      let norm = 0;
      for (let j = 0; j < dimensions; j++) {
        const x = HALF[chunk[o + j]!]!;
        out[offset + j] = x;
        norm += x * x;
      }
      return norm;
    },
    addVectorTo(i, sum) {
      const { chunk, o } = at(i);
      for (let j = 0; j < dimensions; j++) sum[j] = sum[j]! + HALF[chunk[o + j]!]!;
    },
  };
}

/** A `FaceSource` over `FaceVector` objects as they are (no copy). */
export function faceVectorSource(faces: readonly FaceVector[], dimensions: number): FaceSource {
  return {
    count: faces.length,
    dimensions,
    idAt: (i) => faces[i]!.id,
    vectorInto(i, out, offset) {
      const v = faces[i]!.embedding;
      if (v.length !== dimensions) {
        throw new AppError('INVALID_INPUT', `face ${faces[i]!.id} has a ${v.length}-d embedding, the index ${dimensions}-d; re-index it with the configured embedder`);
      }
      out.set(v, offset);
    },
  };
}

/** Every float16 bit pattern's value: decoding is one lookup. */
const HALF = (() => {
  const table = new Float32Array(65_536);
  for (let h = 0; h < 65_536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    table[h] = exponent === 0 ? sign * fraction * 2 ** -24 : exponent === 31 ? (fraction ? NaN : sign * Infinity) : sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return table;
})();

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 to float16 bits, rounding to nearest even (as hardware conversions do). */
export function toHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midway = 1 << (shift - 1);
    return sign | (half + (rest > midway || (rest === midway && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // Rounding up may carry into the exponent, which is the right result.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** float16 bits to their value. */
export const fromHalf = (h: number): number => HALF[h & 0xffff]!;
