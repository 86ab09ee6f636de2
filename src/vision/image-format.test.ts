import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/photos.js';
import { damagedPhotoError, describeContent, isCutShort, photoFormat, requirePhotoFormat } from './image-format.js';

describe('photo formats by content', () => {
  it('knows the README\'s formats by their bytes, whatever the name', async () => {
    const src = sharp(fixture('astronaut.jpg')).resize(64);
    expect(photoFormat(readFileSync(fixture('astronaut.jpg')))).toBe('jpeg');
    expect(photoFormat(await src.clone().png().toBuffer())).toBe('png');
    expect(photoFormat(await src.clone().webp().toBuffer())).toBe('webp');
    expect(photoFormat(await src.clone().tiff().toBuffer())).toBe('tiff');
    expect(photoFormat(await src.clone().avif({ effort: 0 }).toBuffer())).toBe('heif');
    expect(photoFormat(readFileSync(fixture('astronaut.heic')))).toBe('heif');
  });

  it('refuses everything else, saying what it is', async () => {
    const gif = await sharp(fixture('astronaut.jpg')).resize(16).gif().toBuffer();
    expect(describeContent(gif)).toBe('a GIF image');
    expect(describeContent(Buffer.from('%PDF-1.7\n'))).toBe('a PDF document');
    expect(describeContent(Buffer.from('\ufeff  <!DOCTYPE svg><svg/>'))).toBe('an SVG drawing');
    expect(describeContent(Buffer.from('<html><body>hi'))).toBe('an HTML page');
    expect(describeContent(Buffer.from('holiday notes\n'))).toBe('text');
    expect(() => requirePhotoFormat(gif)).toThrow(/^the file is not an image in a format facetag reads: it holds a GIF image; facetag reads JPEG, PNG, WebP, TIFF, AVIF, HEIC\/HEIF/);
  });

  it('tells a file cut short from one damaged inside', () => {
    const jpeg = readFileSync(fixture('astronaut.jpg'));
    expect(isCutShort(jpeg, 'jpeg')).toBe(false);
    expect(isCutShort(jpeg.subarray(0, 600), 'jpeg')).toBe(true);
    const heic = readFileSync(fixture('astronaut.heic'));
    expect(isCutShort(heic, 'heif')).toBe(false);
    expect(isCutShort(heic.subarray(0, heic.length - 10), 'heif')).toBe(true);
    const noisy = new Error('source: bad seek to 44035\nsource: bad seek to 22195\nheif: Error while loading plugin: Support for this compression format has not been built in (11.6003)');
    expect(damagedPhotoError(heic, 'heif', noisy).message).toBe('the HEIC/AVIF file is damaged (Error while loading plugin: Support for this compression format has not been built in (11.6003)); copy it again from the original, or restore it from a backup');
    expect(damagedPhotoError(jpeg, 'jpeg', new Error('Unknown error')).message).toBe('the JPEG file is damaged (its image data cannot be read); copy it again from the original, or restore it from a backup');
  });
});
