import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, it, expect } from 'vitest';
import { decodeHeic, isHeic, type RawPixels } from './heic-decode.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url));

/** Mean absolute difference of two images reduced to 64x64 grey (0..255). */
async function greyDifference(a: RawPixels, b: sharp.Sharp): Promise<number> {
  const small = (image: sharp.Sharp) => image.resize(64, 64, { fit: 'fill' }).greyscale().raw().toBuffer();
  const raw = { width: a.width, height: a.height, channels: a.channels as 3 | 4 };
  const [x, y] = await Promise.all([small(sharp(a.data, { raw })), small(b)]);
  expect(x.length).toBe(64 * 64);
  expect(y.length).toBe(64 * 64);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

describe('decodeHeic', () => {
  it('decodes an HEVC-coded HEIC (which sharp cannot) to pixels that match the source JPEG', async () => {
    const heic = fixture('astronaut.heic');
    await expect(sharp(heic).raw().toBuffer()).rejects.toThrow();
    const decoded = await decodeHeic(heic);
    expect(decoded).not.toBeNull();
    const { width, height, channels, data } = decoded!;
    expect([width, height, channels]).toEqual([512, 512, 3]);
    expect(data.length).toBe(512 * 512 * 3);
    expect(await greyDifference(decoded!, sharp(fixture('astronaut.jpg')))).toBeLessThan(3);
    // A different picture is far away, so the threshold means something.
    expect(await greyDifference(decoded!, sharp(fixture('cameraman.png')))).toBeGreaterThan(20);
  });

  it('applies the HEIF irot transform, so the pixels come out upright', async () => {
    // Stored 512x384 with irot (90° clockwise on display), as a camera held upright writes it.
    const decoded = await decodeHeic(fixture('astronaut-irot.heic'));
    expect([decoded!.width, decoded!.height]).toEqual([384, 512]);
    const expected = sharp(fixture('astronaut.jpg')).extract({ left: 0, top: 0, width: 512, height: 384 }).rotate(90);
    expect(await greyDifference(decoded!, sharp(await expected.toBuffer()))).toBeLessThan(3);
  });

  it('returns null for input that is not HEIC', async () => {
    expect(await decodeHeic(fixture('astronaut.jpg'))).toBeNull();
    expect(await decodeHeic(fixture('cameraman.png'))).toBeNull();
    expect(await decodeHeic(Buffer.alloc(0))).toBeNull();
    const avif = await sharp(fixture('astronaut.jpg')).resize(64, 64).avif({ quality: 30, effort: 0 }).toBuffer();
    expect(isHeic(avif)).toBe(false);
    expect(await decodeHeic(avif)).toBeNull();
  });

  it('throws for a truncated HEIC', async () => {
    const heic = fixture('astronaut.heic');
    expect(isHeic(heic)).toBe(true);
    await expect(decodeHeic(heic.subarray(0, 20_000))).rejects.toThrow(/cannot be decoded|unreadable/);
    await expect(decodeHeic(heic.subarray(0, 200))).rejects.toThrow();
  });

  it('gives the same pixels for overlapping calls', async () => {
    const heic = fixture('astronaut.heic');
    const results = await Promise.all([decodeHeic(heic), decodeHeic(fixture('astronaut-irot.heic')), decodeHeic(heic)]);
    expect(Buffer.from(results[0]!.data).equals(Buffer.from(results[2]!.data))).toBe(true);
    expect(results[1]!.width).toBe(384);
  });
});
