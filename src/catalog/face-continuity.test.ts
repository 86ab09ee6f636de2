import { describe, expect, it } from 'vitest';
import { continueFaces, type PriorFace } from './face-continuity.js';

const at = (x: number, w = 100) => ({ x, y: 100, w, h: w });
const prior = (id: number, x: number, extra: Partial<PriorFace> = {}): PriorFace => ({ id, box: at(x), personId: null, source: null, manual: false, ...extra });

describe('which faces of a photo analysed again are the faces it had', () => {
  it('a new face in the same place continues the prior face (best overlap first, one to one); others are new', () => {
    const c = continueFaces([prior(1, 0), prior(2, 300)], [at(310), at(5), at(10, 95), at(800)], true);
    expect(c.continues).toEqual([2, 1, null, null]);
    expect(c.dropped).toEqual([]);
  });

  it('keeps decisions: a confirmed face the new model misses stays (same pixels), a machine-made one goes', () => {
    const faces = [prior(1, 0, { personId: 7, source: 'confirmed' }), prior(2, 300, { personId: 7, source: 'auto' }), prior(3, 600)];
    const c = continueFaces(faces, [], true);
    expect(c.kept).toEqual([1]);
    expect(c.dropped).toEqual([2, 3]);
  });

  it('when the pixels changed, machine assignments are not carried and missing faces go, decided or not', () => {
    const faces = [prior(1, 0, { personId: 7, source: 'auto' }), prior(2, 300, { personId: 8, source: 'confirmed' }), prior(3, 600, { personId: 9, source: 'confirmed' })];
    const c = continueFaces(faces, [at(0), at(300)], false);
    expect(c.continues).toEqual([1, 2]);
    expect(c.unassign).toEqual([1]);
    expect(c.dropped).toEqual([3]);
  });

  it('never replaces a face drawn by hand, and keeps it', () => {
    const c = continueFaces([prior(1, 0, { manual: true, personId: 4, source: 'manual' })], [at(0)], true);
    expect(c.continues).toEqual([null]);
    expect(c.kept).toEqual([1]);
  });
});
