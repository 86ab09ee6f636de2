import { describe, expect, it } from 'vitest';
import type { FaceVector } from '../catalog/catalog.js';
import { createFaceTable, faceVectorSource, fromHalf, isHumanDecision, packFacePages, packFaces, toHalf } from './face-table.js';
import { seededRandom } from './seeded-random.js';

describe('float16', () => {
  it('round-trips every finite float16 value and knows the landmarks', () => {
    for (let h = 0; h < 65_536; h++) {
      const e = (h >> 10) & 0x1f;
      if (e === 31) continue;
      expect(toHalf(fromHalf(h))).toBe(h);
    }
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65_504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00); // too large: infinity
    expect(toHalf(2 ** -24)).toBe(1); // the smallest subnormal
    expect(toHalf(2 ** -26)).toBe(0); // under half of it: zero
    expect(toHalf(-0)).toBe(0x8000);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
  });

  it('rounds to the nearest float16, ties to even', () => {
    const random = seededRandom(4);
    for (let t = 0; t < 20_000; t++) {
      const x = Math.fround((random() - 0.5) * 2 ** (random() * 30 - 20));
      const h = toHalf(x);
      const err = Math.abs(fromHalf(h) - x);
      // Neither neighbour of h is nearer.
      for (const other of [h - 1, h + 1]) {
        if (((other >> 10) & 0x1f) === 31 || other < 0 || other > 0xffff || (other & 0x7fff) === 0x7fff) continue;
        if ((other & 0x8000) !== (h & 0x8000)) continue;
        expect(Math.abs(fromHalf(other) - x)).toBeGreaterThanOrEqual(err);
      }
    }
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: to the even one, 1.
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
});

describe('face table', () => {
  const faces: FaceVector[] = [
    { id: 10, photoId: 1, personId: 5, source: 'confirmed', quality: 0.9, embedding: Float32Array.of(0.6, 0.8, 0) },
    { id: 11, photoId: 1, personId: 5, source: 'auto', quality: 0.5, embedding: Float32Array.of(0, 0.6, 0.8) },
    { id: 12, photoId: 2, personId: null, source: null, quality: 0.1, embedding: Float32Array.of(1, 0, 0) },
  ];

  it('keeps what clustering needs in columns, vectors to float16 precision', () => {
    const table = packFaces(faces);
    expect(table.count).toBe(3);
    expect(table.dimensions).toBe(3);
    expect(Array.from(table.id)).toEqual([10, 11, 12]);
    expect(Array.from(table.photoId)).toEqual([1, 1, 2]);
    expect(Array.from(table.personId)).toEqual([5, 5, NaN]);
    expect(Array.from(table.human)).toEqual([1, 0, 0]);
    expect(table.quality[1]).toBeCloseTo(0.5, 6);
    expect(table.idAt(2)).toBe(12);
    const out = new Float32Array(5);
    const norm = table.vectorInto(0, out, 1);
    expect(out[0]).toBe(0);
    faces[0]!.embedding.forEach((x, j) => expect(Math.abs(out[1 + j]! - x)).toBeLessThan(5e-4));
    expect(norm).toBeCloseTo(1, 3);
    const sum = Float32Array.of(1, 1, 1);
    table.addVectorTo(1, sum);
    expect(Array.from(sum).map((x) => Number(x.toFixed(3)))).toEqual([1, 1.6, 1.8]);
  });

  it('spans storage chunks', () => {
    const table = createFaceTable(70_000, 2);
    for (const i of [0, 65_535, 65_536, 69_999]) {
      table.set(i, { id: i, photoId: i, personId: null, source: null, quality: 1, embedding: Float32Array.of(i % 7, 1) });
    }
    const out = new Float32Array(2);
    for (const i of [0, 65_535, 65_536, 69_999]) {
      table.vectorInto(i, out, 0);
      expect(Array.from(out)).toEqual([i % 7, 1]);
    }
    expect(() => table.vectorInto(70_000, out, 0)).toThrow(RangeError);
  });

  it('packs faces page by page into the same table as all at once, across storage chunks', async () => {
    const all: FaceVector[] = Array.from({ length: 70_000 }, (_, i) => ({
      id: i * 3 + 1, photoId: i >> 1, personId: i % 5 ? null : i, source: i % 11 ? null : 'confirmed', quality: (i % 100) / 100, embedding: Float32Array.of(i % 7, 1, -(i % 3)),
    }));
    async function* pages() {
      for (let i = 0; i < all.length; i += 9_999) yield all.slice(i, i + 9_999);
    }
    const paged = await packFacePages(pages());
    const whole = packFaces(all);
    expect(paged.count).toBe(70_000);
    expect(paged.dimensions).toBe(3);
    for (const column of ['id', 'photoId', 'personId', 'human', 'quality'] as const) expect(paged[column]).toEqual(whole[column]);
    const [a, b] = [new Float32Array(3), new Float32Array(3)];
    for (const i of [0, 9_998, 9_999, 65_535, 65_536, 69_999]) {
      expect(paged.vectorInto(i, a, 0)).toBe(whole.vectorInto(i, b, 0));
      expect(a).toEqual(b);
    }
    expect(() => paged.vectorInto(70_000, a, 0)).toThrow(RangeError);
    expect((await packFacePages(pages0())).count).toBe(0);
    async function* pages0(): AsyncGenerator<FaceVector[]> {}
  });

  it('rejects an embedding of another size by name', () => {
    expect(() => packFaces([faces[0]!, { ...faces[2]!, embedding: Float32Array.of(1, 0) }])).toThrow(/face 12 has a 2-d embedding, the others 3-d/);
    const source = faceVectorSource(faces, 4);
    expect(() => source.vectorInto(0, new Float32Array(4), 0)).toThrow(/face 10 has a 3-d embedding, the index 4-d/);
  });

  it('knows human decisions', () => {
    expect(['confirmed', 'manual', 'xmp', 'auto', null].map((source) => isHumanDecision({ source: source as FaceVector['source'] }))).toEqual([true, true, true, false, false]);
  });
});
