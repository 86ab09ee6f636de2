import { createRequire } from 'node:module';

/** Raw 8-bit pixels, row-major, `channels` interleaved samples per pixel (3 = RGB, 4 = RGBA). */
export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

// The parts of the libheif Emscripten/embind module (libheif-js) used here. Enum values are
// embind singletons, so they are compared by identity.
type Opaque = object;
interface HeifError { code: Opaque; message: string }
interface HeifChannel { width: number; height: number; stride: number; bits_per_pixel: number; data: Uint8Array }
interface HeifDecoded { image: Opaque; width: number; height: number; channels: HeifChannel[] }
interface LibHeif {
  ready?: Promise<unknown>;
  heif_error_Ok: Opaque;
  heif_colorspace_RGB: Opaque;
  heif_chroma_interleaved_RGB: Opaque;
  heif_chroma_interleaved_RGBA: Opaque;
  heif_context_alloc(): Opaque;
  heif_context_free(context: Opaque): void;
  heif_context_read_from_memory(context: Opaque, data: Uint8Array): HeifError;
  heif_js_context_get_primary_image_handle(context: Opaque): Opaque | HeifError;
  heif_image_handle_has_alpha_channel(handle: Opaque): number;
  heif_image_handle_release(handle: Opaque): void;
  heif_js_decode_image2(handle: Opaque, colorspace: Opaque, chroma: Opaque): HeifDecoded | HeifError;
  heif_image_release(image: Opaque): void;
}

let libheif: Promise<LibHeif> | null = null;

/**
 * libheif 1.23 compiled to WebAssembly, the build `heic-decode` uses (its dependency libheif-js,
 * resolved from heic-decode's own folder so npm hoisting does not matter). The `wasm-bundle`
 * variant inlines the .wasm, so nothing is read from disk at run time. Loaded on first use
 * (~2 MB of JS; each worker thread that calls this gets its own instance and heap).
 *
 * heic-decode's own entry point is not used because it renders the first *top-level* image,
 * which is not necessarily the primary item (`pitm`), and it logs decode failures with
 * console.log, which would corrupt the CLI's stdout.
 */
function loadLibheif(): Promise<LibHeif> {
  libheif ??= (async () => {
    const fromHere = createRequire(import.meta.url);
    const fromHeicDecode = createRequire(fromHere.resolve('heic-decode'));
    const lib = fromHeicDecode('libheif-js/wasm-bundle') as LibHeif;
    if (lib.ready) await lib.ready;
    return lib;
  })();
  return libheif;
}

// ISO BMFF brands (ftyp) of HEVC-coded HEIF (ISO/IEC 23008-12 Annex B); `mif1`/`msf1`/`mif2` are
// the generic HEIF brands that a HEVC file may carry alone.
const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const GENERIC_BRANDS = new Set(['mif1', 'msf1', 'mif2']);
const OTHER_CODEC_BRANDS = new Set(['avif', 'avis', 'avio', 'avci', 'j2ki', 'jpeg', 'vvic']);

/** True when the buffer starts with an ISO BMFF `ftyp` box whose brands announce HEVC-coded HEIF. */
export function isHeic(input: Uint8Array): boolean {
  if (input.length < 16) return false;
  const ascii = (from: number) => String.fromCharCode(input[from]!, input[from + 1]!, input[from + 2]!, input[from + 3]!);
  if (ascii(4) !== 'ftyp') return false;
  const boxSize = ((input[0]! << 24) | (input[1]! << 16) | (input[2]! << 8) | input[3]!) >>> 0;
  const end = Math.min(input.length, boxSize >= 16 ? boxSize : 16);
  const brands = [ascii(8)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(at));
  if (brands.some((brand) => HEVC_BRANDS.has(brand))) return true;
  // A bare generic HEIF file may still be HEVC; an AVIF (sharp reads those itself) or other codec is not.
  return brands.some((brand) => GENERIC_BRANDS.has(brand)) && !brands.some((brand) => OTHER_CODEC_BRANDS.has(brand));
}

function isError(value: unknown): value is HeifError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

/**
 * Decodes the primary image of a HEIC file (iPhone photos: HEVC-coded HEIF, which the prebuilt
 * libvips in sharp cannot decode; it reads only AV1-coded HEIF there) with libheif in
 * WebAssembly. Returns 8-bit sRGB-ish pixels, 3 channels (RGB) or 4 (RGBA) when the image has
 * an alpha plane; 10-bit images are reduced to 8 bits. Returns null when the input is not HEIC
 * (by its `ftyp` brands); throws when it is HEIC but cannot be decoded (truncated, corrupt).
 *
 * Orientation: libheif's decode (default options, `ignore_transformations` off) applies the
 * HEIF transformative properties `clap` (crop), `irot` (rotation) and `imir` (mirror) in the
 * order the file lists them, and the width/height it reports are those of the transformed image,
 * so the pixels come out upright. The EXIF Orientation tag inside a HEIC is informative only
 * (MIAF: it must match irot/imir and readers must not apply it again); callers must not rotate
 * the result by it. sharp's metadata() for HEIC also reports no orientation, for the same reason.
 * Verified with files made by pillow-heif from JPEGs with EXIF Orientation 6 and 7.
 *
 * Cost (measured on 4032x3024 = 12 MP files): one synchronous decode on the calling thread
 * (the wasm build has no threads), blocking the event loop: 0.63 s CPU for a 0.4 MB file, 2.2 s
 * for a 7 MB one (about 1.7x native libheif). The result (RGB, 36 MB) is a JS buffer; the wasm
 * heap grows to about 90-110 MB on the first 12 MP decode and never shrinks, for the life of the
 * thread (no leak over repeated calls). Each call uses its own libheif context and never awaits
 * while holding it, so overlapping calls from one thread are safe but run one after another;
 * each worker thread loads its own instance (~16 MB heap at rest), so decode there in parallel.
 * Colour: ICC/nclx profiles are not applied (values are the file's RGB, normally Display P3 on
 * iPhones); fine for face analysis, not for colour-exact thumbnails.
 */
export async function decodeHeic(input: Buffer): Promise<RawPixels | null> {
  if (!isHeic(input)) return null;
  const lib = await loadLibheif();
  const context = lib.heif_context_alloc();
  try {
    const read = lib.heif_context_read_from_memory(context, input);
    if (read.code !== lib.heif_error_Ok) throw new Error(`HEIC container unreadable: ${read.message}`);
    const handle = lib.heif_js_context_get_primary_image_handle(context);
    if (isError(handle)) throw new Error(`HEIC has no primary image: ${handle.message}`);
    try {
      const channels = lib.heif_image_handle_has_alpha_channel(handle) ? 4 : 3;
      const chroma = channels === 4 ? lib.heif_chroma_interleaved_RGBA : lib.heif_chroma_interleaved_RGB;
      const decoded = lib.heif_js_decode_image2(handle, lib.heif_colorspace_RGB, chroma);
      if (isError(decoded)) throw new Error(`HEIC image data cannot be decoded: ${decoded.message}`);
      try {
        const plane = decoded.channels[0];
        if (!plane || decoded.channels.length !== 1 || plane.bits_per_pixel !== 8) {
          throw new Error('HEIC decoder returned an unexpected pixel layout');
        }
        const { width, height, stride } = plane;
        const rowBytes = width * channels;
        // plane.data is a view into the wasm heap, valid only until the image is released: copy.
        const data = new Uint8Array(rowBytes * height);
        if (stride === rowBytes) data.set(plane.data.subarray(0, rowBytes * height));
        else for (let y = 0; y < height; y++) data.set(plane.data.subarray(y * stride, y * stride + rowBytes), y * rowBytes);
        return { data, width, height, channels };
      } finally {
        lib.heif_image_release(decoded.image);
      }
    } finally {
      lib.heif_image_handle_release(handle);
    }
  } finally {
    lib.heif_context_free(context);
  }
}
