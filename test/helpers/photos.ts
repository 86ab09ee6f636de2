import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const fixture = (name: string) => join(FIXTURES, name);

/** A PNG that declares `width x height` pixels but holds almost nothing: a decompression bomb's header. */
export function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(16)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A folder of every kind of input `facetag index` meets: the same public-domain face in
 * several formats and encodings, and broken files. Returns the expected outcome per file.
 */
export async function makeMixedFolder(dir: string) {
  mkdirSync(join(dir, 'Anna Smith', 'trip'), { recursive: true });
  const src = fixture('astronaut.jpg');
  copyFileSync(src, join(dir, 'Anna Smith', 'portrait.jpg'));
  copyFileSync(fixture('astronaut-rotated.jpg'), join(dir, 'Anna Smith', 'trip', 'rotated.jpg'));
  copyFileSync(fixture('astronaut.heic'), join(dir, 'Anna Smith', 'iphone.heic'));
  copyFileSync(fixture('astronaut-irot.heic'), join(dir, 'Anna Smith', 'iphone-rotated.heic'));
  await sharp(src).greyscale().png().toFile(join(dir, 'grey.png'));
  await sharp(src).toColourspace('cmyk').jpeg().toFile(join(dir, 'cmyk.jpg'));
  await sharp(src).toColourspace('rgb16').png().toFile(join(dir, 'sixteen-bit.png'));
  await sharp(src).ensureAlpha(0.6).png().toFile(join(dir, 'alpha.png'));
  await sharp(src).webp().toFile(join(dir, 'portrait.webp'));
  await sharp(src).tiff().toFile(join(dir, 'portrait.tiff'));
  await sharp(src).avif({ effort: 0 }).toFile(join(dir, 'portrait.avif'));
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#4a7' } }).jpeg().toFile(join(dir, 'no-face.jpg'));
  writeFileSync(join(dir, 'empty.jpg'), Buffer.alloc(0));
  const full = await sharp(src).jpeg().toBuffer();
  writeFileSync(join(dir, 'truncated.jpg'), full.subarray(0, Math.floor(full.length * 0.4)));
  writeFileSync(join(dir, 'notes.jpg'), 'these are my holiday notes, not a photo\n');
  writeFileSync(join(dir, 'bomb.png'), bombPng(30000, 30000));
  writeFileSync(join(dir, 'readme.txt'), 'not indexed: not a photo extension');
  return {
    withFace: ['Anna Smith/portrait.jpg', 'Anna Smith/trip/rotated.jpg', 'Anna Smith/iphone.heic', 'grey.png', 'cmyk.jpg', 'sixteen-bit.png', 'alpha.png', 'portrait.webp', 'portrait.tiff', 'portrait.avif'],
    /** Displays (correctly) as a sideways face: found, but not recognisable as the same person. */
    sideways: ['Anna Smith/iphone-rotated.heic'],
    noFace: ['no-face.jpg'],
    failed: { 'empty.jpg': 'PHOTO_EMPTY', 'truncated.jpg': 'PHOTO_CORRUPT', 'notes.jpg': 'PHOTO_UNSUPPORTED', 'bomb.png': 'PHOTO_TOO_LARGE' } as Record<string, string>,
  };
}

/** `n` distinct photos (distinct hashes) with one face each: the fixture at several scales, mirrored. */
export async function makeFacePhotos(dir: string, n: number, first = 0, width = 320): Promise<string[]> {
  const names: string[] = [];
  for (let i = first; i < first + n; i++) {
    const name = `p${String(i).padStart(2, '0')}.jpg`;
    await sharp(fixture('astronaut.jpg')).resize(width + i * 8).flop(i % 2 === 1).jpeg({ quality: 80 + (i % 10) }).toFile(join(dir, name));
    names.push(name);
  }
  return names;
}
