import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type HeicDecode = (input: { buffer: Uint8Array }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
let decoder: HeicDecode | null = null;

/**
 * Decodes the primary image of a HEIC/HEIF file (iPhone photos: HEVC-coded, which the prebuilt
 * libvips in sharp cannot read) with libheif compiled to WebAssembly (`heic-decode`). Returns
 * RGBA pixels, or null when the input is not HEIF. libheif applies the file's own `irot`/`imir`
 * transforms when it renders, so the pixels come out upright.
 */
export async function decodeHeic(input: Buffer): Promise<{ data: Uint8Array; width: number; height: number; channels: number } | null> {
  decoder ??= require('heic-decode') as HeicDecode;
  try {
    const { width, height, data } = await decoder({ buffer: input });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4 };
  } catch (error) {
    if (error instanceof TypeError && /not a HEIC image/.test(error.message)) return null;
    throw error;
  }
}
