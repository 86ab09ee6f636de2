import exifReader from 'exif-reader';
import { AppError } from '../errors.js';
import type { RawPixels } from './heic-decode.js';
import type { RgbImage } from './image.js';
import { decodeScaled, oneCodecThreadPerImage, readImageHeader, shrinkRaw, type ImageHeader } from './image-codec.js';
import { damagedPhotoError, READABLE_FORMATS, requirePhotoFormat } from './image-format.js';
import { createPhotoPixels, frameSize, type PhotoPixels } from './photo-pixels.js';

oneCodecThreadPerImage();

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
  /** EXIF values out of range that were dropped (the photo is kept without them), as messages; absent when none. */
  exifDropped?: string[];
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

// What sharp may call the formats image-format.ts lets through (AVIF and HEIC are both `heif`).
const SUPPORTED = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif', 'avif']);

/**
 * Levels a JPEG decodes to cheaply, in full-resolution pixels per level pixel: libjpeg scales
 * by 1/2, 1/4 and 1/8 while it decodes (the DCT does the averaging), and sharp uses that only
 * when the target is at least one step smaller than the scaled image (3, 5 and 9 times).
 */
const JPEG_RUNGS = [3, 5, 9];

/**
 * Opens a photo from memory: checks by its content that it is a photo of a supported format
 * (nothing else reaches a decoder) within the pixel limit and reads EXIF (orientation, time
 * taken, GPS; values out of range are dropped and named in `meta.exifDropped`). Its pixels (oriented, 8-bit RGB, alpha
 * flattened on white, grey/CMYK/16-bit converted to sRGB) are decoded when a stage asks for
 * them, at the scale it needs; a JPEG is only decoded at full size when a face needs it.
 */
export async function openPhoto(input: Buffer, options: DecodeOptions): Promise<OpenedPhoto> {
  if (input.length === 0) throw new AppError('PHOTO_EMPTY', 'the file is empty (0 bytes); replace it with the original photo or delete it');
  const kind = requirePhotoFormat(input);
  const maxSide = options.maxSide ?? 1600;
  let metadata: ImageHeader;
  try {
    metadata = await readImageHeader(input);
  } catch (error) {
    throw damagedPhotoError(input, kind, error);
  }
  const format = metadata.format;
  if (!SUPPORTED.has(format)) {
    throw new AppError('PHOTO_UNSUPPORTED', `the file is a ${format} image, which facetag does not index; convert it to ${READABLE_FORMATS}`);
  }
  const rawW = metadata.width;
  const rawH = metadata.height;
  if (rawW * rawH > options.maxPixels) {
    throw new AppError(
      'PHOTO_TOO_LARGE',
      `the image is ${rawW}x${rawH} (${(rawW * rawH / 1e6).toFixed(0)} MP), over index.maxPixels ${options.maxPixels}; raise FACETAG_INDEX_MAX_PIXELS if this photo is genuine`,
    );
  }
  const orientation = metadata.orientation;
  const swap = orientation >= 5;
  const exif = readExif(metadata.exif);
  const meta: PhotoMeta = { width: swap ? rawH : rawW, height: swap ? rawW : rawH, format, orientation, ...exif };
  if (exif.exifDropped?.length === 0) delete meta.exifDropped;

  /** The pixels a decode of the photo gives, or the photo's damage named. */
  const pixelsOf = async (decode: Promise<RawPixels>): Promise<RgbImage> => {
    try {
      return toRgb(await decode);
    } catch (error) {
      throw damagedPhotoError(input, kind, error);
    }
  };
  const decodeAt = (width: number, height: number) => pixelsOf(decodeScaled(input, { width, height, maxPixels: options.maxPixels }));

  if (format === 'jpeg') {
    const frame = frameSize(meta.width, meta.height, maxSide);
    return {
      meta,
      pixels: createPhotoPixels(meta.width, meta.height, frame, {
        rungs: JPEG_RUNGS,
        decode: decodeAt,
        decodeRegion: (region, width, height) => pixelsOf(decodeScaled(input, { width, height, maxPixels: options.maxPixels, region })),
      }),
    };
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
    image = toRgb(await shrinkRaw(fallback, maxSide));
  }
  return { meta, pixels: createPhotoPixels(meta.width, meta.height, image, { rungs: [], decode: async () => image }) };
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

function readExif(buffer: Buffer | undefined): Pick<PhotoMeta, 'takenAt' | 'gps' | 'exifDropped'> {
  if (!buffer) return { takenAt: null, gps: null };
  const dropped: string[] = [];
  try {
    const exif = exifReader(buffer);
    const photo = exif.Photo ?? {};
    const offset = (photo.OffsetTimeOriginal ?? photo.OffsetTime) as string | undefined;
    let takenAt: string | null = null;
    for (const [tag, value] of [['DateTimeOriginal', photo.DateTimeOriginal], ['DateTimeDigitized', photo.DateTimeDigitized], ['DateTime', exif.Image?.DateTime]] as const) {
      if (value === undefined || value === null) continue;
      const wall = validWallClock(value as unknown, buffer);
      if (wall === null) {
        dropped.push(`EXIF ${tag} is not a real date and time`);
        continue;
      }
      takenAt = wall + (offset && /^[+-](0\d|1[0-4]):[0-5]\d$/.test(offset) ? offset : '');
      break;
    }
    const gps = readGps(exif.GPSInfo as Record<string, unknown> | undefined, dropped);
    return { takenAt, gps, exifDropped: dropped };
  } catch {
    // Broken EXIF never stops a photo: the pixels are still good.
    return { takenAt: null, gps: null, exifDropped: ['the EXIF block cannot be read'] };
  }
}

/**
 * The local wall-clock time of an EXIF date ("YYYY:MM:DD HH:MM:SS"), or null when it is none.
 * exif-reader turns the text into a Date as if it were UTC and lets out-of-range fields roll
 * over ("9999:99:99" became year 10007): the time is kept only if the text it came from is in
 * the EXIF block as written, which fails for any field out of range.
 */
function validWallClock(value: unknown, exif: Buffer): string | null {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return null;
  const iso = value.toISOString();
  const year = Number(iso.slice(0, 4));
  if (!/^\d{4}-/.test(iso) || year < 1826) return null; // before the first photograph
  const written = `${iso.slice(0, 4)}:${iso.slice(5, 7)}:${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
  return exif.includes(written, 0, 'latin1') ? iso.slice(0, 19) : null;
}

function readGps(gps: Record<string, unknown> | undefined, dropped: string[]): PhotoMeta['gps'] {
  if (!gps || (gps.GPSLatitude === undefined && gps.GPSLongitude === undefined)) return null;
  const dms = (v: unknown, maxDegrees: number): number | null => {
    if (!Array.isArray(v) || v.length !== 3 || !v.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return null;
    const [d, m, s] = v as [number, number, number];
    if (m >= 60 || s >= 60.5) return null;
    const value = d + m / 60 + s / 3600;
    return value <= maxDegrees ? value : null;
  };
  const lat = dms(gps.GPSLatitude, 90);
  const lon = dms(gps.GPSLongitude, 180);
  const latRef = gps.GPSLatitudeRef ?? 'N';
  const lonRef = gps.GPSLongitudeRef ?? 'E';
  if (lat === null || lon === null || (latRef !== 'N' && latRef !== 'S') || (lonRef !== 'E' && lonRef !== 'W')) {
    dropped.push('EXIF GPS position is out of range');
    return null;
  }
  const result: { lat: number; lon: number; alt?: number } = { lat: latRef === 'S' ? -lat : lat, lon: lonRef === 'W' ? -lon : lon };
  if (typeof gps.GPSAltitude === 'number') {
    // Metres above (or, GPSAltitudeRef 1, below) sea level: within 20 km, or a bad value.
    if (Number.isFinite(gps.GPSAltitude) && gps.GPSAltitude >= 0 && gps.GPSAltitude <= 20_000) result.alt = gps.GPSAltitudeRef === 1 ? -gps.GPSAltitude : gps.GPSAltitude;
    else dropped.push('EXIF GPS altitude is out of range');
  }
  return result;
}
