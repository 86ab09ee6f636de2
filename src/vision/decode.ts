import sharp from 'sharp';
import exifReader from 'exif-reader';
import { AppError } from '../errors.js';
import type { RgbImage } from './image.js';
import { createPhotoPixels, frameSize, type PhotoPixels } from './photo-pixels.js';

sharp.cache(false);
// One libvips thread per image: an analysis thread has two photos in flight, and every thread
// that allocates grows a malloc arena of its own (measured: 55 MB less at the same speed).
sharp.concurrency(1);

export interface PhotoMeta {
  /** Oriented full-resolution size (what boxes refer to). */
  width: number;
  height: number;
  format: string;
  /** EXIF orientation 1..8 as stored in the file (already applied to every pixel we hand out). */
  orientation: number;
  /** ISO 8601 local time the photo was taken, from EXIF, without a zone unless EXIF gives one. */
  takenAt: string | null;
  gps: { lat: number; lon: number; alt?: number } | null;
}

export interface OpenedPhoto {
  meta: PhotoMeta;
  /** The photo's pixels, decoded as the stages ask for them (see `PhotoPixels`). */
  pixels: PhotoPixels;
}

export interface DecodeOptions {
  maxPixels: number;
  /** Long side of the analysis frame. @default 1600 */
  maxSide?: number;
  /** Decoder for formats sharp cannot read here (HEIC with HEVC). */
  fallback?: (input: Buffer) => Promise<{ data: Uint8Array; width: number; height: number; channels: number } | null>;
}

const SUPPORTED = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif', 'avif', 'gif', 'jp2']);

/**
 * Levels a JPEG decodes to cheaply, in full-resolution pixels per level pixel: libjpeg scales
 * by 1/2, 1/4 and 1/8 while it decodes (the DCT does the averaging), and sharp uses that only
 * when the target is at least one step smaller than the scaled image (3, 5 and 9 times).
 */
const JPEG_RUNGS = [3, 5, 9];

/**
 * Opens a photo from memory: checks it is an image of a supported format within the pixel
 * limit and reads EXIF (orientation, time taken, GPS). Its pixels (oriented, 8-bit RGB, alpha
 * flattened on white, grey/CMYK/16-bit converted to sRGB) are decoded when a stage asks for
 * them, at the scale it needs; a JPEG is only decoded at full size when a face needs it.
 */
export async function openPhoto(input: Buffer, options: DecodeOptions): Promise<OpenedPhoto> {
  if (input.length === 0) throw new AppError('PHOTO_EMPTY', 'the file is empty (0 bytes); replace it with the original photo or delete it');
  const maxSide = options.maxSide ?? 1600;
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    const text = (error as Error).message;
    if (/unsupported image format/i.test(text)) {
      throw new AppError('PHOTO_UNSUPPORTED', 'the file is not an image in a supported format (JPEG, PNG, WebP, TIFF, AVIF, HEIC/HEIF); check its content, not just its extension');
    }
    throw new AppError('PHOTO_CORRUPT', `the image header cannot be read (${text}); the file is damaged: restore it from a backup`);
  }
  const format = metadata.format ?? 'unknown';
  if (!SUPPORTED.has(format)) {
    throw new AppError('PHOTO_UNSUPPORTED', `the file is a ${format} image, which facetag does not index; convert it to JPEG, PNG, WebP, TIFF, AVIF or HEIC`);
  }
  const rawW = metadata.width ?? 0;
  const rawH = metadata.height ?? 0;
  if (rawW * rawH > options.maxPixels) {
    throw new AppError(
      'PHOTO_TOO_LARGE',
      `the image is ${rawW}x${rawH} (${(rawW * rawH / 1e6).toFixed(0)} MP), over index.maxPixels ${options.maxPixels}; raise FACETAG_INDEX_MAX_PIXELS if this photo is genuine`,
    );
  }
  const orientation = metadata.orientation ?? 1;
  const swap = orientation >= 5;
  const meta: PhotoMeta = { width: swap ? rawH : rawW, height: swap ? rawW : rawH, format, orientation, ...readExif(metadata.exif) };

  const decodeAt = async (width: number, height: number): Promise<RgbImage> => {
    try {
      const { data, info } = await sharp(input, { limitInputPixels: options.maxPixels, failOn: 'error', sequentialRead: true })
        .rotate()
        .resize({ width, height, fit: 'fill' })
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      return toRgb({ data, width: info.width, height: info.height, channels: info.channels });
    } catch (error) {
      throw new AppError('PHOTO_CORRUPT', `the image cannot be decoded (${(error as Error).message}); the file is truncated or damaged: restore it from a backup`);
    }
  };

  if (format === 'jpeg') {
    const frame = frameSize(meta.width, meta.height, maxSide);
    return { meta, pixels: createPhotoPixels(meta.width, meta.height, frame, { rungs: JPEG_RUNGS, decode: decodeAt }) };
  }
  // Other formats decode at full size whatever the target: the frame, now, and every view from it.
  let image: RgbImage;
  const frame = frameSize(meta.width, meta.height, maxSide);
  try {
    image = await decodeAt(frame.width, frame.height);
  } catch (error) {
    const fallback = format === 'heif' && options.fallback ? await options.fallback(input).catch(() => null) : null;
    if (!fallback) throw error;
    meta.width = fallback.width;
    meta.height = fallback.height;
    image = toRgb(await resizeRaw(fallback, maxSide));
  }
  return { meta, pixels: createPhotoPixels(meta.width, meta.height, image, { rungs: [], decode: async () => image }) };
}

async function resizeRaw(raw: { data: Uint8Array; width: number; height: number; channels: number }, maxSide: number) {
  const { data, info } = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels as 1 | 2 | 3 | 4 } })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function toRgb(d: { data: Uint8Array; width: number; height: number; channels: number }): RgbImage {
  if (d.channels === 3) return { data: d.data, width: d.width, height: d.height };
  const n = d.width * d.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (d.channels <= 2) {
      const v = d.data[i * d.channels]!;
      out[i * 3] = v; out[i * 3 + 1] = v; out[i * 3 + 2] = v;
    } else {
      out[i * 3] = d.data[i * d.channels]!;
      out[i * 3 + 1] = d.data[i * d.channels + 1]!;
      out[i * 3 + 2] = d.data[i * d.channels + 2]!;
    }
  }
  return { data: out, width: d.width, height: d.height };
}

function readExif(buffer: Buffer | undefined): Pick<PhotoMeta, 'takenAt' | 'gps'> {
  if (!buffer) return { takenAt: null, gps: null };
  try {
    const exif = exifReader(buffer);
    const photo = exif.Photo ?? {};
    const when = (photo.DateTimeOriginal ?? photo.DateTimeDigitized ?? exif.Image?.DateTime) as Date | undefined;
    const offset = (photo.OffsetTimeOriginal ?? photo.OffsetTime) as string | undefined;
    // exif-reader reads the wall-clock time as if it were UTC; keep it as local wall time.
    let takenAt: string | null = null;
    if (when instanceof Date && !Number.isNaN(when.getTime())) {
      takenAt = when.toISOString().slice(0, 19) + (offset && /^[+-]\d\d:\d\d$/.test(offset) ? offset : '');
    }
    return { takenAt, gps: readGps(exif.GPSInfo as Record<string, unknown> | undefined) };
  } catch {
    // Broken EXIF never stops a photo: the pixels are still good.
    return { takenAt: null, gps: null };
  }
}

function readGps(gps: Record<string, unknown> | undefined): PhotoMeta['gps'] {
  if (!gps) return null;
  const dms = (v: unknown): number | null => {
    if (!Array.isArray(v) || v.length !== 3 || !v.every((n) => typeof n === 'number')) return null;
    const [d, m, s] = v as [number, number, number];
    return d + m / 60 + s / 3600;
  };
  const lat = dms(gps.GPSLatitude);
  const lon = dms(gps.GPSLongitude);
  if (lat === null || lon === null) return null;
  const result: { lat: number; lon: number; alt?: number } = {
    lat: gps.GPSLatitudeRef === 'S' ? -lat : lat,
    lon: gps.GPSLongitudeRef === 'W' ? -lon : lon,
  };
  if (typeof gps.GPSAltitude === 'number') result.alt = gps.GPSAltitudeRef === 1 ? -gps.GPSAltitude : gps.GPSAltitude;
  return result;
}
