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
