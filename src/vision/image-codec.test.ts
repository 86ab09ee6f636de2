import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeRgb, encodeJpeg, encodePng, orientedJpeg, readImageHeader, resizeJpeg } from './image-codec.js';

/** A `width` x `height` photo, left half red and right half blue, stored with EXIF `orientation`. */
async function photo(width: number, height: number, orientation = 1, alpha = false): Promise<Buffer> {
  const channels = alpha ? 4 : 3;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (x < width / 2) data[o] = 255;
      else data[o + 2] = 255;
      if (alpha) data[o + 3] = x < width / 2 ? 255 : 0;
    }
  }
  const image = sharp(data, { raw: { width, height, channels } });
  return alpha ? image.png().toBuffer() : image.jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer();
}

const pixel = (img: { data: Uint8Array; width: number }, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];

describe('image codec', () => {
  it('reads the stored size, format and EXIF orientation from the header, and the embedded EXIF and XMP packets', async () => {
    const header = await readImageHeader(await photo(40, 20, 6));
    expect(header).toMatchObject({ width: 40, height: 20, orientation: 6, format: 'jpeg' });
    expect(header.exif?.subarray(0, 4).toString('latin1')).toBe('Exif');
    const xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';
    const tagged = await sharp(await photo(8, 8)).withXmp(xmp).jpeg().toBuffer();
    expect((await readImageHeader(tagged)).xmp?.toString('utf8')).toContain('adobe:ns:meta');
    await expect(readImageHeader(Buffer.from('not an image'))).rejects.toThrow();
  });

  it('orientedJpeg applies the orientation, fits the long side, never enlarges, and puts transparency on white', async () => {
    const turned = await decodeRgb(await orientedJpeg(await photo(400, 200, 6), { maxSide: 100, maxPixels: 1e8, quality: 90 }));
    expect([turned.width, turned.height]).toEqual([50, 100]);
    // Orientation 6 turns the photo a quarter clockwise: the red left half is now on top.
    expect(pixel(turned, 25, 10)[0]).toBeGreaterThan(200);
    expect(pixel(turned, 25, 90)[2]).toBeGreaterThan(200);
    const small = await decodeRgb(await orientedJpeg(await photo(30, 20), { maxSide: 2048, maxPixels: 1e8, quality: 90 }));
    expect([small.width, small.height]).toEqual([30, 20]);
    const flat = await decodeRgb(await orientedJpeg(await photo(40, 40, 1, true), { maxSide: 40, maxPixels: 1e8, quality: 95 }));
    expect(Math.min(...pixel(flat, 35, 20))).toBeGreaterThan(240);
    await expect(orientedJpeg(await photo(400, 200), { maxSide: 100, maxPixels: 1000, quality: 80 })).rejects.toThrow(/pixel limit/i);
  });

  it('encodes raw pixels as JPEG and lossless PNG, and resizes a JPEG to a square', async () => {
    const rgb = { data: new Uint8Array(16 * 8 * 3).fill(200), width: 16, height: 8 };
    const png = await encodePng(rgb, { compressionLevel: 3 });
    expect(await decodeRgb(png)).toEqual(rgb);
    const jpeg = await encodeJpeg(rgb, { quality: 90, optimiseCoding: true });
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(await readImageHeader(jpeg)).toMatchObject({ width: 16, height: 8 });
    expect(await readImageHeader(await resizeJpeg(jpeg, 64, { quality: 80 }))).toMatchObject({ width: 64, height: 64 });
  });
});
