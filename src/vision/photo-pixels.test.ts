import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cropMatrix, type RgbImage } from './image.js';
import { cropResize } from './warp.js';
import { createPhotoPixels, frameSize, padPixels, pixelsOf } from './photo-pixels.js';

/** A smooth test picture: colour changes slowly, so every level of it looks alike. */
function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (255 * x) / width;
      data[o + 1] = (255 * y) / height;
      data[o + 2] = 128 + 100 * Math.sin((x + y) / 60);
    }
  }
  return { data, width, height };
}

/**
 * A decoder of `full` (2304x1728) that makes each level by area averaging, and records the sizes
 * asked for; with `regions`, it decodes patches too (recorded as `[left, top, width, height]`).
 */
function fakeDecoder(full: RgbImage, rungs = [3, 5, 9], regions = false) {
  const asked: Array<[number, number]> = [];
  const patches: Array<[number, number, number, number]> = [];
  return {
    asked,
    patches,
    decoder: {
      rungs,
      async decode(width: number, height: number) {
        asked.push([width, height]);
        return cropResize(full, { x: 0, y: 0, w: full.width, h: full.height }, width, height);
      },
      ...(regions ? {
        async decodeRegion(r: { left: number; top: number; width: number; height: number }, width: number, height: number) {
          patches.push([r.left, r.top, r.width, r.height]);
          return cropResize(full, { x: r.left, y: r.top, w: r.width, h: r.height }, width, height);
        },
      } : {}),
    },
  };
}

const maxDiff = (a: RgbImage, b: RgbImage) => a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);

describe('photo pixels: the frame served from levels decoded on demand', () => {
  const full = gradient(2304, 1728);
  const frame = frameSize(2304, 1728, 1600);

  it('frames a photo as sharp fits it inside the long side', async () => {
    for (const [w, h] of [[2304, 1728], [1728, 2304], [4352, 2903], [1601, 7], [800, 600]] as const) {
      const { info } = await sharp({ create: { width: w, height: h, channels: 3, background: '#000' } })
        .resize({ width: 1600, height: 1600, fit: 'inside', withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
      expect(frameSize(w, h, 1600)).toEqual({ width: info.width, height: info.height });
    }
  });

  it('decodes the coarsest level that has the detail a view needs, once, and the frame only when asked for small faces', async () => {
    const { asked, decoder } = fakeDecoder(full);
    const pixels = createPhotoPixels(2304, 1728, frame, decoder);
    expect(pixels.scale).toBeCloseTo(1.44);
    // A 320x240 view of the whole frame reads 5 frame px per output px: the 1/5 level holds that.
    await pixels.view(cropMatrix({ x: 0, y: 0, w: 1600, h: 1200 }, 320, 240), 320, 240);
    expect(asked).toEqual([[460, 345]]);
    // Half the frame at 320 px wide: 2.5 frame px per px, finer than the 1/5 level (3.47): the 1/3 level.
    await pixels.view(cropMatrix({ x: 0, y: 0, w: 800, h: 600 }, 320, 240), 320, 240);
    expect(asked).toEqual([[460, 345], [768, 576]]);
    // Anything as coarse again is served from what is there.
    await pixels.view(cropMatrix({ x: 100, y: 100, w: 600, h: 600 }, 192, 192), 192, 192);
    await pixels.prepare(4);
    expect(asked).toHaveLength(2);
    // Small faces: the frame itself, decoded once however fine the views get.
    await pixels.prepare(3, true);
    await pixels.view(cropMatrix({ x: 10, y: 10, w: 20, h: 20 }, 112, 112), 112, 112);
    await pixels.view(cropMatrix({ x: 10, y: 10, w: 5, h: 5 }, 112, 112), 112, 112);
    expect(asked).toEqual([[460, 345], [768, 576], [1600, 1200]]);
    expect(pixels.decodeMs).toBeGreaterThan(0);
  });

  it('reads a small face from a patch of the frame, not the whole frame, and one patch serves its views', async () => {
    const { asked, patches, decoder } = fakeDecoder(full, [3, 5, 9], true);
    const pixels = createPhotoPixels(2304, 1728, frame, decoder);
    const framePixels = pixelsOf(cropResize(full, { x: 0, y: 0, w: 2304, h: 1728 }, frame.width, frame.height));
    await pixels.view(cropMatrix({ x: 0, y: 0, w: 1600, h: 1200 }, 320, 240), 320, 240);
    // A big face and a small one about to be landmarked: the big one's crop is served by a coarse
    // level, the small one's (60 px read at 192) by a patch around it.
    const big = { x: 200, y: 200, w: 700, h: 700 }, small = { x: 1200, y: 800, w: 60, h: 60 };
    const crop = (b: typeof big) => ({ m: cropMatrix(b, 192, 192), width: 192, height: 192 });
    await pixels.prepareViews([crop(big), crop(small)]);
    expect(asked).toEqual([[460, 345]]);
    expect(patches).toHaveLength(1);
    const [left, top, width, height] = patches[0]!;
    // The patch holds the small face with a margin, in whole full-resolution pixels: far less than the frame.
    expect(left).toBeLessThanOrEqual(1200 * 1.44 - 10);
    expect(top).toBeLessThanOrEqual(800 * 1.44 - 10);
    expect(left + width).toBeGreaterThanOrEqual(1260 * 1.44 + 10);
    expect(top + height).toBeGreaterThanOrEqual(860 * 1.44 + 10);
    expect(width * height).toBeLessThan((2304 * 1728) / 20);
    // The face's views after the first (turned crop, aligned face, thumbnail) come from the patch,
    // and read what the frame would have given them.
    const turned = [Math.cos(0.3) * 0.4, -Math.sin(0.3) * 0.4, 1205, Math.sin(0.3) * 0.4, Math.cos(0.3) * 0.4, 790];
    const fromPatch = await pixels.view(turned, 150, 150);
    const fromBilinear = await pixels.view(turned, 150, 150, 0, 'bilinear');
    expect(patches).toHaveLength(1);
    expect(asked).toEqual([[460, 345]]);
    expect(maxDiff(fromPatch, await framePixels.view(turned, 150, 150))).toBeLessThanOrEqual(4);
    expect(maxDiff(fromBilinear, await framePixels.view(turned, 150, 150, 0, 'bilinear'))).toBeLessThanOrEqual(4);
    // A view elsewhere at that detail: another patch; small faces all over the photo: the frame.
    await pixels.view(cropMatrix({ x: 100, y: 1000, w: 40, h: 40 }, 112, 112), 112, 112);
    expect(patches).toHaveLength(2);
    await pixels.prepareViews([{ x: 10, y: 10 }, { x: 1500, y: 1100 }, { x: 10, y: 1100 }, { x: 1500, y: 10 }].map((p) => crop({ ...p, w: 50, h: 50 })));
    expect(asked).toEqual([[460, 345], [1600, 1200]]);
    expect(patches).toHaveLength(2);
  });

  it('decodes the frame, no patch, once tiles have looked for small faces', async () => {
    const { asked, patches, decoder } = fakeDecoder(full, [3, 5, 9], true);
    const pixels = createPhotoPixels(2304, 1728, frame, decoder);
    await pixels.prepare(1000 / 320, true);
    await pixels.prepareViews([{ m: cropMatrix({ x: 1200, y: 800, w: 60, h: 60 }, 192, 192), width: 192, height: 192 }]);
    expect(asked).toEqual([[1600, 1200]]);
    expect(patches).toEqual([]);
  });

  it('two views asking at once share one decode', async () => {
    const { asked, decoder } = fakeDecoder(full);
    const pixels = createPhotoPixels(2304, 1728, frame, decoder);
    const m = cropMatrix({ x: 0, y: 0, w: 1600, h: 1200 }, 320, 240);
    await Promise.all([pixels.view(m, 320, 240), pixels.view(m, 320, 240), pixels.prepare(5)]);
    expect(asked).toHaveLength(1);
  });

  it('a view from a coarse level is the view from the frame, to within a few grey levels', async () => {
    const { decoder } = fakeDecoder(full);
    const levels = createPhotoPixels(2304, 1728, frame, decoder);
    const framePixels = pixelsOf(cropResize(full, { x: 0, y: 0, w: 2304, h: 1728 }, frame.width, frame.height));
    // A face-sized crop turned by 10 degrees, as FaceMesh reads it (inside the frame: at its
    // edges, area averaging drops the last partial block, at every level).
    const a = 0.17, s = 700 / 192;
    const m = [Math.cos(a) * s, -Math.sin(a) * s, 500, Math.sin(a) * s, Math.cos(a) * s, 100];
    expect(maxDiff(await levels.view(m, 192, 192), await framePixels.view(m, 192, 192))).toBeLessThanOrEqual(4);
    const tile = cropMatrix({ x: 100, y: 100, w: 1000, h: 750 }, 320, 240);
    expect(maxDiff(await levels.view(tile, 320, 240), await framePixels.view(tile, 320, 240))).toBeLessThanOrEqual(4);
  });

  it('halves a level in memory rather than reading a much finer one, and never decodes for it', async () => {
    const image = gradient(1600, 1200);
    let decodes = 0;
    const pixels = createPhotoPixels(1600, 1200, image, { rungs: [], decode: async () => (decodes++, image) });
    const tiny = await pixels.view(cropMatrix({ x: 0, y: 0, w: 1600, h: 1200 }, 100, 75), 100, 75);
    expect(decodes).toBe(1);
    expect(maxDiff(tiny, cropResize(image, { x: 0, y: 0, w: 1600, h: 1200 }, 100, 75))).toBeLessThanOrEqual(4);
  });

  it('pads the frame with grey, and beyond the border gives the view its own fill', async () => {
    const image = { data: new Uint8Array(4 * 4 * 3).fill(200), width: 4, height: 4 };
    const padded = padPixels(pixelsOf(image), 4);
    expect([padded.width, padded.height]).toEqual([12, 12]);
    const all = await padded.view([1, 0, -2, 0, 1, 0], 16, 1, 0);
    // x = -2..13 of row 0: beyond the border (0), the grey border (127) and, at rows 4-7 only, the photo.
    expect([...all.data].filter((_, i) => i % 3 === 0)).toEqual([0, 0, ...new Array(12).fill(127), 0, 0]);
    const middle = await padded.view([1, 0, 0, 0, 1, 5], 12, 1, 0);
    expect([...middle.data].filter((_, i) => i % 3 === 0)).toEqual([127, 127, 127, 127, 200, 200, 200, 200, 127, 127, 127, 127]);
  });
});
