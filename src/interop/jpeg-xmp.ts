/**
 * A JPEG's embedded XMP packet, found by walking the markers of its header in the bytes already
 * in memory: no decoder call (libvips' header read costs ~0.2 ms of CPU a photo, on the thread
 * that also hashes and writes while the analysis threads decode).
 *
 * The packet is the payload of the first APP1 segment that starts with the XMP namespace header
 * (`http://ns.adobe.com/xap/1.0/` and a NUL), as the XMP specification places it. Extended XMP
 * (APP1 segments `http://ns.adobe.com/xmp/extension/`, for what does not fit in 64 KB) is not
 * joined to it, as libvips does not either: regions and keywords are read from the main packet.
 */

const XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');

/** Markers walked at most before the scan gives up (a real header has a dozen or so). */
const MAX_MARKERS = 1024;

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP1 = 0xe1;
/** Markers without a length field: TEM and RST0..RST7. */
const standalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

/**
 * What the header of a JPEG holds: `{ packet }` (null when it has no XMP packet) once the walk
 * reached the packet or the start of the image data; null when `bytes` is no JPEG or its header
 * is damaged (a length past the end, bytes where a marker belongs, no end of header in sight):
 * the caller then asks the decoder, which has the last word on damaged files. Never throws.
 */
export function scanJpegXmp(bytes: Uint8Array): { packet: Buffer | null } | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return null;
  let at = 2;
  for (let markers = 0; markers < MAX_MARKERS; markers++) {
    if (at >= bytes.length || bytes[at] !== 0xff) return null;
    while (at < bytes.length && bytes[at] === 0xff) at++; // fill bytes before a marker
    if (at >= bytes.length) return null;
    const marker = bytes[at++]!;
    if (marker === SOS || marker === EOI) return { packet: null };
    if (standalone(marker)) continue;
    if (marker === SOI || at + 2 > bytes.length) return null;
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    const end = at + length;
    if (length < 2 || end > bytes.length) return null;
    const payload = at + 2;
    if (marker === APP1 && end - payload > XMP_HEADER.length && hasHeader(bytes, payload)) {
      return { packet: Buffer.from(bytes.buffer, bytes.byteOffset + payload + XMP_HEADER.length, end - payload - XMP_HEADER.length) };
    }
    at = end;
  }
  return null;
}

function hasHeader(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < XMP_HEADER.length; i++) if (bytes[at + i] !== XMP_HEADER[i]) return false;
  return true;
}
