import { AppError } from '../errors.js';

/**
 * What a file holds, by its content, never by its name: the only formats facetag decodes are
 * the raster photo formats the README lists. Everything else (GIF, SVG, PDF, text) is refused
 * here, before any decoder sees a byte of it: an SVG named `.png` must never reach librsvg.
 */
export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'heif';

export const FORMAT_NAMES: Record<PhotoFormat, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', tiff: 'TIFF', heif: 'HEIC/AVIF' };

/** The photo formats facetag reads, as the messages name them. */
export const READABLE_FORMATS = 'JPEG, PNG, WebP, TIFF, AVIF, HEIC/HEIF';

// ISO BMFF (ftyp) brands of HEIF images: HEVC-coded HEIC, AVIF, and the generic image brands.
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1', 'mif2', 'avif', 'avis']);

const ascii = (b: Uint8Array, from: number, to: number) => Buffer.from(b.subarray(from, to)).toString('latin1');
const starts = (b: Uint8Array, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);

/** The photo format of `bytes` by its signature, or null when it is no photo facetag reads. */
export function photoFormat(bytes: Uint8Array): PhotoFormat | null {
  if (starts(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (starts(bytes, [0x49, 0x49, 0x2a, 0x00]) || starts(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (bytes.length >= 16 && ascii(bytes, 4, 8) === 'ftyp') {
    const size = Math.min(bytes.length, new DataView(bytes.buffer, bytes.byteOffset).getUint32(0));
    const brands = [ascii(bytes, 8, 12)];
    for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(bytes, at, at + 4));
    if (brands.some((b) => HEIF_BRANDS.has(b))) return 'heif';
  }
  return null;
}

/** What a file that is no photo holds, in words ("a GIF image", "a PDF document", "text"). */
export function describeContent(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'nothing (it is empty)';
  const head = ascii(bytes, 0, Math.min(bytes.length, 512));
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'a GIF image';
  if (head.startsWith('%PDF')) return 'a PDF document';
  if (head.startsWith('BM')) return 'a BMP image';
  if (starts(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50])) return 'a JPEG 2000 image';
  const text = head.replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart();
  if (/^<(\?xml|!doctype svg|svg)/i.test(text) || /<svg[\s>]/i.test(head)) return 'an SVG drawing';
  if (/^<(!doctype html|html)/i.test(text)) return 'an HTML page';
  if (text.startsWith('<')) return 'an XML document';
  if (bytes.length >= 8 && ascii(bytes, 4, 8) === 'ftyp') return `an ISO media file of brand "${ascii(bytes, 8, 12)}" (a video?)`;
  // Text: printable ASCII and UTF-8 only.
  if (!/[\x00-\x08\x0e-\x1f]/.test(head)) return 'text';
  return 'data of an unknown kind';
}

/**
 * The photo format, or PHOTO_UNSUPPORTED naming what the file holds instead. Call it before any
 * decoder (sharp, libheif) is given bytes that did not come from facetag itself.
 */
export function requirePhotoFormat(bytes: Uint8Array): PhotoFormat {
  const format = photoFormat(bytes);
  if (format) return format;
  throw new AppError('PHOTO_UNSUPPORTED', `the file is not an image in a format facetag reads: it holds ${describeContent(bytes)}; facetag reads ${READABLE_FORMATS}, judged by content whatever the name: convert it to one of them`);
}

/** True when the file ends before its own structure says it does (copied or downloaded in part). */
export function isCutShort(bytes: Uint8Array, format: PhotoFormat): boolean {
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'jpeg': {
      // The end-of-image marker, allowing for padding after it.
      for (let i = n - 2; i >= Math.max(0, n - 4096); i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return false;
      return true;
    }
    case 'png':
      return !ascii(bytes, Math.max(0, n - 12), n).includes('IEND');
    case 'webp':
      return n >= 8 && view.getUint32(4, true) + 8 > n;
    case 'tiff': {
      const little = bytes[0] === 0x49;
      return n < 8 || view.getUint32(4, little) >= n;
    }
    case 'heif': {
      // Top-level boxes must tile the file.
      let at = 0;
      while (at + 8 <= n) {
        let size = view.getUint32(at);
        if (size === 1 && at + 16 <= n) size = Number(view.getBigUint64(at + 8));
        if (size === 0) return false; // to the end of the file
        if (size < 8) return false; // not a box structure we can judge
        at += size;
      }
      return at > n;
    }
  }
}

/**
 * The one-line PHOTO_CORRUPT error for a photo its decoder refused: "cut short" when the file
 * ends early (the common case: an interrupted copy), else "damaged" with the decoder's reason.
 */
export function damagedPhotoError(bytes: Uint8Array, format: PhotoFormat, error: unknown): AppError {
  const name = FORMAT_NAMES[format];
  if (isCutShort(bytes, format)) {
    return new AppError('PHOTO_CORRUPT', `the ${name} file is cut short (it ends after ${bytes.length} bytes, before its image does): it was not copied whole; copy it again from the original, or restore it from a backup`, { cause: error });
  }
  return new AppError('PHOTO_CORRUPT', `the ${name} file is damaged (${decoderReason(error)}); copy it again from the original, or restore it from a backup`, { cause: error });
}

/** A decoder's message as one short line: libvips and libheif write several, with prefixes. */
function decoderReason(error: unknown): string {
  const lines = String((error as Error)?.message ?? error).split('\n')
    .map((l) => l.replace(/^Input (buffer|file) has corrupt header:\s*/i, '').replace(/^(VipsJpeg|heif|pngload_buffer|webp|tiff2vips):\s*/i, '').trim())
    .filter((l) => l && !/^source: bad seek/i.test(l) && !/^unknown error$/i.test(l));
  return lines.at(-1)?.replace(/[.;]+$/, '') ?? 'its image data cannot be read';
}
