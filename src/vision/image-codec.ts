import sharp from 'sharp';
import { AppError } from '../errors.js';
import { decodeHeic, isHeic, type RawPixels } from './heic-decode.js';
import type { RgbImage } from './image.js';

/**
 * The image codec: every decode, encode, resize and header read goes through here, so sharp
 * (libvips) is one module's dependency (`scripts/check-driver-imports.mjs` fails when any other
 * file imports sharp). Inputs are bytes facetag has already checked with `requirePhotoFormat`,
 * or pixels it made.
 */

sharp.cache(false);

/**
 * One libvips thread per image, for processes that analyse photos: an analysis thread has two
 * photos in flight, and every thread that allocates grows a malloc arena of its own (measured:
 * 55 MB less at the same speed). Called once by the analysis decoder when it loads.
 */
export function oneCodecThreadPerImage(): void {
  sharp.concurrency(1);
}

/** What an image's header says, read without decoding its pixels. */
export interface ImageHeader {
  /** Stored size (before the EXIF orientation is applied). */
  width: number;
  height: number;
  /** EXIF orientation 1..8; 1 when the file has none. */
  orientation: number;
  /** The container format as libvips names it (`jpeg`, `png`, `webp`, `tiff`, `heif`, ...). */
  format: string;
  /** The embedded XMP packet, if any. */
  xmp?: Buffer;
  /** The raw EXIF block, if any. */
  exif?: Buffer;
}

/** The header of an encoded image (no pixel limit: nothing is decoded). Throws what libvips throws for a damaged file. */
export async function readImageHeader(bytes: Buffer): Promise<ImageHeader> {
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  return {
    width: meta.width ?? 0, height: meta.height ?? 0, orientation: meta.orientation ?? 1, format: meta.format ?? 'unknown',
    ...(meta.xmp ? { xmp: meta.xmp } : {}), ...(meta.exif ? { exif: meta.exif } : {}),
  };
}

/**
 * A photo's pixels as the eye sees them (orientation applied, transparency on white, sRGB,
 * 8-bit), scaled to exactly `width` x `height`. A JPEG shrinks while it decodes when the target
 * is small enough (libjpeg's DCT scaling); the file is read in one sequential pass. With
 * `region` (whole pixels of the oriented photo), only that region, scaled alike: a JPEG then
 * decodes the rows down to the region's bottom and keeps its columns, a fraction of the whole.
 * Throws what libvips throws for a damaged photo or one over `maxPixels`.
 */
export async function decodeScaled(input: Buffer, options: { width: number; height: number; maxPixels: number; region?: { left: number; top: number; width: number; height: number } }): Promise<RawPixels> {
  const oriented = sharp(input, { limitInputPixels: options.maxPixels, failOn: 'error', sequentialRead: true }).rotate();
  const { data, info } = await (options.region ? oriented.extract(options.region) : oriented)
    .resize({ width: options.width, height: options.height, fit: 'fill' })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Raw pixels shrunk to fit `maxSide` (never enlarged), transparency on white. */
export async function shrinkRaw(raw: RawPixels, maxSide: number): Promise<RawPixels> {
  const { data, info } = await rawInput(raw)
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const rawInput = (pixels: RawPixels | RgbImage) => {
  const channels = ('channels' in pixels ? pixels.channels : 3) as 1 | 2 | 3 | 4;
  return sharp(Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), { raw: { width: pixels.width, height: pixels.height, channels } });
};

/** A JPEG of raw pixels at their size (face thumbnails). */
export function encodeJpeg(pixels: RawPixels | RgbImage, options: { quality: number; optimiseCoding?: boolean }): Promise<Buffer> {
  return rawInput(pixels).jpeg({ quality: options.quality, optimiseCoding: options.optimiseCoding ?? false }).toBuffer();
}

/** A lossless PNG of raw pixels (what the detection service hands the embedding service). */
export function encodePng(pixels: RawPixels | RgbImage, options: { compressionLevel: number }): Promise<Buffer> {
  return rawInput(pixels).png({ compressionLevel: options.compressionLevel }).toBuffer();
}

/** A square JPEG scaled to `size` x `size` (a stored face thumbnail at another size). */
export function resizeJpeg(jpeg: Buffer, size: number, options: { quality: number }): Promise<Buffer> {
  return sharp(jpeg).resize(size, size).jpeg({ quality: options.quality }).toBuffer();
}

/**
 * A photo as the eye sees it, shrunk to fit `maxSide` (never enlarged), transparency on white,
 * as a JPEG: dashboard previews, the image sent for a caption. Orientation is applied; a HEIC
 * that libvips cannot read here is decoded with libheif. Throws PHOTO_UNSUPPORTED when a HEIC
 * cannot be decoded; a damaged photo throws what libvips throws (callers name the photo).
 */
export async function orientedJpeg(input: Buffer, options: { maxSide: number; maxPixels: number; quality: number }): Promise<Buffer> {
  let image: sharp.Sharp;
  if (isHeic(input)) {
    const raw = await decodeHeic(input);
    if (!raw) throw new AppError('PHOTO_UNSUPPORTED', 'the HEIC photo cannot be decoded here; convert it to JPEG');
    image = rawInput(raw);
  } else {
    image = sharp(input, { limitInputPixels: options.maxPixels }).rotate();
  }
  return image.resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#fff' }).jpeg({ quality: options.quality }).toBuffer();
}

/** The RGB pixels of a PNG or JPEG (alpha dropped, any colour space to sRGB), at its size. */
export async function decodeRgb(bytes: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
