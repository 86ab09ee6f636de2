import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openPhoto } from './decode.js';
import { cropMatrix } from './image.js';

describe('openPhoto', () => {
  it('reads a JPEG at a reduced scale with its EXIF orientation applied, boxes in the oriented frame', async () => {
    // Stored 2000x1000, left half red, right half blue; orientation 6 shows it turned a quarter
    // clockwise: 1000x2000, red on top.
    const red = await sharp({ create: { width: 1000, height: 1000, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#0000ff' } })
      .composite([{ input: red, left: 0, top: 0 }]).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
    const { meta, pixels } = await openPhoto(jpeg, { maxPixels: 1e8 });
    expect(meta).toMatchObject({ width: 1000, height: 2000, orientation: 6 });
    expect([pixels.width, pixels.height]).toEqual([800, 1600]);
    // The whole frame in 40x80 reads a level 1/9 of the photo, not the frame.
    const small = await pixels.view(cropMatrix({ x: 0, y: 0, w: 800, h: 1600 }, 40, 80), 40, 80);
    const at = (x: number, y: number) => [...small.data.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3)];
    expect(at(20, 10)[0]).toBeGreaterThan(200);
    expect(at(20, 10)[2]).toBeLessThan(50);
    expect(at(20, 70)[2]).toBeGreaterThan(200);
    expect(at(20, 70)[0]).toBeLessThan(50);
    expect(pixels.decodeMs).toBeGreaterThan(0);
  });

  it('reads a small face from a patch of a turned JPEG: the frame\'s pixels there, without decoding the frame', async () => {
    // A smoothly textured photo stored 2304x1728 with orientation 6 (seen 1728x2304, framed at
    // 1200x1600). Patch and frame are two resamplings of it: alike to within rounding where it is smooth.
    const w = 2304, h = 1728, raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        raw[o] = 128 + 100 * Math.sin(x / 23); raw[o + 1] = 128 + 100 * Math.sin(y / 17); raw[o + 2] = 128 + 100 * Math.sin((x + y) / 29);
      }
    }
    const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const { pixels } = await openPhoto(jpeg, { maxPixels: 1e8 });
    const frame = await sharp(jpeg).rotate().resize({ width: 1200, height: 1600, fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    expect([pixels.width, pixels.height]).toEqual([frame.info.width, frame.info.height]);
    // A 50 px face near the bottom right, read at 192 px: finer than any reduced level.
    const m = cropMatrix({ x: 1000, y: 1400, w: 75, h: 75 }, 192, 192);
    await pixels.prepareViews([{ m, width: 192, height: 192 }]);
    const fromPatch = await pixels.view(m, 192, 192);
    const { pixels: whole } = await openPhoto(jpeg, { maxPixels: 1e8 });
    await whole.prepare(1, true);
    const fromFrame = await whole.view(m, 192, 192);
    let worst = 0;
    for (let i = 0; i < fromPatch.data.length; i++) worst = Math.max(worst, Math.abs(fromPatch.data[i]! - fromFrame.data[i]!));
    expect(worst).toBeLessThanOrEqual(4);
    // The patch cost less than the frame (a fraction of its pixels, and rows decoded only down to the face).
    expect(pixels.decodeMs).toBeLessThan(whole.decodeMs);
  });

  it('names an empty, a foreign and a truncated file, with the fix', async () => {
    await expect(openPhoto(Buffer.alloc(0), { maxPixels: 1e8 })).rejects.toMatchObject({ code: 'PHOTO_EMPTY' });
    await expect(openPhoto(Buffer.from('plain text, not a photo'), { maxPixels: 1e8 })).rejects.toMatchObject({ code: 'PHOTO_UNSUPPORTED' });
    const jpeg = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const { pixels } = await openPhoto(jpeg.subarray(0, jpeg.length >> 1), { maxPixels: 1e8 });
    // The header reads; the pixels, decoded when a view needs them, do not.
    await expect(pixels.prepare(5)).rejects.toMatchObject({ code: 'PHOTO_CORRUPT', message: expect.stringContaining('restore it from a backup') });
    await expect(openPhoto(jpeg, { maxPixels: 1e6 })).rejects.toMatchObject({ code: 'PHOTO_TOO_LARGE' });
  });
});
