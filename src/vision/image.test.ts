import { describe, expect, it } from 'vitest';
import { cropResize, iou, nonMaxSuppression, tileViews, warpAffine } from './image.js';

describe('image helpers', () => {
  it('warpAffine with the identity copies pixels and fills outside', () => {
    const img = { data: Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => i), width: 4, height: 4 };
    expect(warpAffine(img, [1, 0, 0, 0, 1, 0], 4, 4).data).toEqual(img.data);
    const shifted = warpAffine(img, [1, 0, 10, 0, 1, 0], 2, 2, 7);
    expect([...shifted.data]).toEqual(new Array(12).fill(7));
  });

  it('cropResize averages a block down', () => {
    const img = { data: new Uint8Array(8 * 8 * 3).fill(100), width: 8, height: 8 };
    const out = cropResize(img, { x: 0, y: 0, w: 8, h: 8 }, 2, 2);
    expect([...out.data]).toEqual(new Array(12).fill(100));
  });

  it('NMS keeps the best of overlapping boxes and a box inside a better one goes too', () => {
    const kept = nonMaxSuppression([
      { box: { x: 0, y: 0, w: 10, h: 10 }, score: 0.9 },
      { box: { x: 1, y: 1, w: 10, h: 10 }, score: 0.8 },
      { box: { x: 2, y: 2, w: 4, h: 4 }, score: 0.7 },
      { box: { x: 50, y: 50, w: 10, h: 10 }, score: 0.6 },
    ], 0.4);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.6]);
    expect(iou({ x: 0, y: 0, w: 2, h: 2 }, { x: 1, y: 0, w: 2, h: 2 })).toBeCloseTo(1 / 3);
  });

  it('NMS keeps the whole face over a part of it, but not a body over the face', () => {
    const face = { box: { x: 10, y: 10, w: 40, h: 50 }, score: 0.9 };
    const forehead = { box: { x: 15, y: 10, w: 30, h: 25 }, score: 0.99 };
    expect(nonMaxSuppression([forehead, face], 0.4)).toEqual([face]);
    const body = { box: { x: 0, y: 0, w: 120, h: 200 }, score: 0.8 };
    expect(nonMaxSuppression([face, body], 0.4)).toEqual([face]);
  });

  it('tiles big images and covers them whole', () => {
    expect(tileViews(320, 240, 320, 240)).toHaveLength(1);
    expect(tileViews(1600, 1200, 320, 240, 1)).toHaveLength(1);
    expect(tileViews(1600, 1200, 320, 240, 2)).toHaveLength(1 + 4);
    const views = tileViews(1600, 1200, 320, 240);
    expect(views).toHaveLength(1 + 4 + 16);
    for (const v of views) {
      expect(v.x).toBeGreaterThanOrEqual(0);
      expect(v.x + v.w).toBeLessThanOrEqual(1600 + 1e-9);
    }
  });
});
