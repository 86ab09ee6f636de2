import { describe, expect, it } from 'vitest';
import { cropMatrix, detectInViews, gridViews, iou, nonMaxSuppression, type Box, type Detection } from './image.js';
import { cropResize, halve, warpAffine, warpAffineArea } from './warp.js';

describe('image helpers', () => {
  it('warpAffine with the identity copies pixels and fills outside', () => {
    const img = { data: Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => i), width: 4, height: 4 };
    expect(warpAffine(img, [1, 0, 0, 0, 1, 0], 4, 4).data).toEqual(img.data);
    const shifted = warpAffine(img, [1, 0, 10, 0, 1, 0], 2, 2, 7);
    expect([...shifted.data]).toEqual(new Array(12).fill(7));
  });

  it('warpAffine samples a crop and scale the same on its fast path as on the general one', () => {
    const img = { data: Uint8Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 7919) % 251), width: 37, height: 23 };
    for (const m of [[1.37, 0, -3.2, 0, 0.81, 2.4], [0.5, 0, 10.25, 0, 0.5, 4.75], [2, 0, 0, 0, 2, 0]]) {
      // A rotation too small to move any sample sends it down the general path (rounding aside).
      const general = warpAffine(img, [m[0]!, 1e-15, m[2]!, 1e-15, m[4]!, m[5]!], 30, 20, 9).data;
      const fast = warpAffine(img, m, 30, 20, 9).data;
      expect(Math.max(...fast.map((v, i) => Math.abs(v - general[i]!)))).toBeLessThanOrEqual(1);
      expect(fast.filter((v, i) => v !== general[i]).length).toBeLessThan(fast.length / 100);
    }
  });

  it('halve averages 2x2 blocks and leaves an odd last row and column out', () => {
    const img = { data: Uint8Array.from([0, 0, 0, 4, 8, 12, 99, 99, 99, 8, 8, 8, 12, 16, 20, 99, 99, 99, 1, 1, 1, 1, 1, 1, 1, 1, 1]), width: 3, height: 3 };
    expect(halve(img)).toEqual({ data: Uint8Array.from([6, 8, 10]), width: 1, height: 1 });
  });

  it('warpAffineArea averages 2x2 blocks before it samples (a level twice as fine as the view)', () => {
    const img = { data: Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => ((i / 3) | 0) % 2 ? 200 : 0), width: 8, height: 8 };
    // Alternate columns 0 and 200: averaged, every output pixel is 100, not 0 or 200.
    expect(new Set(warpAffineArea(img, cropMatrix({ x: 0, y: 0, w: 8, h: 8 }, 4, 4), 4, 4).data)).toEqual(new Set([100]));
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
    // The whole face's box, with the part's better score: the face is surely there.
    expect(nonMaxSuppression([forehead, face], 0.4)).toEqual([{ ...face, score: 0.99 }]);
    const body = { box: { x: 0, y: 0, w: 120, h: 200 }, score: 0.8 };
    expect(nonMaxSuppression([face, body], 0.4)).toEqual([face]);
  });

  it('NMS keeps the best-scoring of two proposals for one face, even when a looser one is larger', () => {
    const tight = { box: { x: 10, y: 10, w: 40, h: 50 }, score: 0.98 };
    const loose = { box: { x: 8, y: 8, w: 46, h: 56 }, score: 0.43 };
    expect(nonMaxSuppression([loose, tight], 0.4)).toEqual([tight]);
  });

  it('tiles an image whole, each tile overlapping its neighbours', () => {
    const views = gridViews(1600, 1200, 3);
    expect(views).toHaveLength(9);
    for (const v of views) {
      expect(v.x).toBeGreaterThanOrEqual(0);
      expect(v.x + v.w).toBeLessThanOrEqual(1600 + 1e-9);
    }
    // Neighbours overlap by a quarter of a tile on each side.
    expect(views[0]!.x + views[0]!.w).toBeCloseTo(1600 / 3 * 1.25);
    expect(views[1]!.x).toBeCloseTo(1600 / 3 * 0.75);
  });

  it('looks closer (3x3 tiles) only where the coarse views found a crowd of small faces', async () => {
    const image = { data: new Uint8Array(0), width: 1600, height: 1200 };
    const seen: Box[] = [];
    const face = (x: number, y: number, side: number, score = 0.9): Detection => ({ box: { x, y, w: side, h: side }, score });
    const run = (found: (view: Box) => Detection[], maxGrid = 3) => {
      seen.length = 0;
      return detectInViews(image, 320, 240, 0.4, maxGrid, async (view) => {
        seen.push(view);
        return found(view);
      });
    };
    // A close-up: one big face and nothing else; the whole image only.
    await run((v) => (v.w === 1600 ? [face(600, 300, 400)] : []));
    expect(seen).toHaveLength(1);
    // Still a close-up with an unsure smaller candidate beside the face (a shadow, a pattern: the
    // landmarker checks it, from a patch of the frame); a sure smaller face asks for 2x2 tiles.
    await run((v) => (v.w === 1600 ? [face(600, 300, 400), face(100, 100, 60, 0.25)] : []));
    expect(seen).toHaveLength(1);
    await run((v) => (v.w === 1600 ? [face(600, 300, 400), face(100, 100, 60, 0.6)] : []));
    expect(seen).toHaveLength(1 + 4);
    // A big face that is not sure is no close-up.
    await run((v) => (v.w === 1600 ? [face(600, 300, 400, 0.4)] : []));
    expect(seen).toHaveLength(1 + 4);
    // A group photo: small faces in the coarse views, so every view mirrored too, and 3x3 tiles both ways.
    await run((v) => (v.w === 1600 ? [face(100, 300, 90), face(400, 300, 90), face(700, 300, 90)] : []));
    expect(seen).toHaveLength(1 + 4 + (1 + 4) + 9 * 2);
    await run((v) => (v.w === 1600 ? [face(100, 300, 90), face(400, 300, 90)] : []), 2);
    expect(seen).toHaveLength(1 + 4);
    // Each round is prepared for the most detail its views read; tiles look for small faces.
    const prepared: Array<[number, boolean | undefined]> = [];
    await detectInViews(image, 320, 240, 0.4, 3, async () => [], async (detail, small) => {
      prepared.push([detail, small]);
    });
    expect(prepared).toEqual([[5, undefined], [1000 / 320, true]]);
    // Small unsure detections are no crowd.
    await run((v) => (v.w === 1600 ? [face(100, 300, 90, 0.3), face(400, 300, 90, 0.3)] : []));
    expect(seen).toHaveLength(1 + 4);
  });
});
