import { readFile } from 'node:fs/promises';
import { toAppError } from '../errors.js';
import type { Box } from '../vision/image.js';
import { clampRect, regionFrame, storedToDisplayed } from './orientation.js';
import { readXmpFaces, type XmpFaces } from './xmp-read.js';
import { fsPath } from '../sources/file-key.js';
import { readImageHeader } from '../vision/image-codec.js';
import { photoFormat } from '../vision/image-format.js';
import { scanJpegXmp } from './jpeg-xmp.js';
import { SIDECAR_NAMINGS, sidecarPath, type SidecarNaming } from './sidecar-names.js';

export interface PhotoRegion {
  name: string | null;
  /** Pixels of the oriented photo, like every facetag box. */
  box: Box;
  from: 'sidecar' | 'embedded';
  schema: 'mwg' | 'mp';
}

export interface PhotoXmp {
  regions: PhotoRegion[];
  personKeywords: string[];
  keywords: string[];
  /** Sidecars or packets that could not be read, with the reason (the photo is indexed anyway). */
  problems: string[];
}

/** The oriented size and EXIF orientation of the photo (as `decodePhoto` reports them). */
export interface OrientedSize {
  width: number;
  height: number;
  orientation: number;
}

/**
 * The embedded XMP packet of a photo's bytes: a JPEG's is found in its header
 * (jpeg-xmp.ts); other formats (PNG, WebP, TIFF, HEIF), and a JPEG whose header that scan
 * cannot walk, ask libvips. Undefined when there is none or the file cannot say.
 */
export async function embeddedXmpPacket(bytes: Buffer): Promise<Buffer | undefined> {
  const scanned = scanJpegXmp(bytes);
  if (scanned) return scanned.packet ?? undefined;
  return photoFormat(bytes) ? readImageHeader(bytes).then((h) => h.xmp, () => undefined) : undefined;
}

/**
 * The face regions and person keywords that other tools left on a photo: in an XMP sidecar
 * (`photo.jpg.xmp`, then `photo.xmp`) or in the photo's own XMP packet. A sidecar with
 * regions wins over the embedded packet (it is what a catalogue like digiKam or Lightroom
 * writes last); keywords of both count. Regions come back in pixels of the oriented photo.
 *
 * `sidecars`: the sidecars the folder's listing showed beside the photo (see `SourcePhoto`);
 * only those are opened, so a photo without one costs no failed open (a round trip each on a
 * network share). Absent when no listing is known (a photo read again on its own): every
 * naming is tried.
 */
export async function readPhotoXmp(photoPath: string, bytes: Buffer, size: OrientedSize, sidecars: readonly SidecarNaming[] = SIDECAR_NAMINGS): Promise<PhotoXmp> {
  const problems: string[] = [];
  const parse = (xml: string, where: string): XmpFaces | null => {
    try {
      return readXmpFaces(xml);
    } catch (error) {
      problems.push(`${where}: ${toAppError(error).message}`);
      return null;
    }
  };
  let sidecar: XmpFaces | null = null;
  for (const naming of SIDECAR_NAMINGS) {
    if (!sidecars.includes(naming)) continue;
    const text = await readFile(fsPath(sidecarPath(photoPath, naming)), 'utf8').catch(() => null);
    if (text === null) continue;
    sidecar = parse(text, `sidecar ${naming === 'full' ? '.<ext>.xmp' : '.xmp'}`);
    if (sidecar) break;
  }
  let embedded: XmpFaces | null = null;
  const packet = await embeddedXmpPacket(bytes);
  if (packet) embedded = parse(packet.toString('utf8'), 'embedded XMP');

  const swap = size.orientation >= 5;
  const stored = { width: swap ? size.height : size.width, height: swap ? size.width : size.height };
  const toPhoto = (faces: XmpFaces | null, from: PhotoRegion['from']): PhotoRegion[] => (faces?.regions ?? []).map((r) => {
    const frame = r.schema === 'mwg' ? regionFrame(size.orientation, stored, r.appliedTo) : 'stored';
    const d = clampRect(frame === 'stored' ? storedToDisplayed(size.orientation, r.area) : r.area);
    return { name: r.name, box: { x: d.x * size.width, y: d.y * size.height, w: d.w * size.width, h: d.h * size.height }, from, schema: r.schema };
  });
  const fromSidecar = toPhoto(sidecar, 'sidecar');
  const unique = (lists: Array<string[] | undefined>) => [...new Set(lists.flatMap((l) => l ?? []))];
  return {
    regions: fromSidecar.length > 0 ? fromSidecar : toPhoto(embedded, 'embedded'),
    personKeywords: unique([sidecar?.personKeywords, embedded?.personKeywords]),
    keywords: unique([sidecar?.keywords, embedded?.keywords]),
    problems,
  };
}
