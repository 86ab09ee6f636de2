import { open, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { SIDECAR_NAMINGS, sidecarPath } from '../interop/sidecar-names.js';
import { mpRegions, mwgRegions, NS, personKeywords, readDescriptions, type RdfStruct, type RdfValue } from '../interop/xmp-read.js';
import { parseXml } from '../interop/xml.js';
import { fsPath } from '../sources/file-key.js';

/**
 * What a photo's own file says about it, read on demand (the index stores none of it): the
 * names of its folder and file, and from its XMP (sidecar or embedded packet) keywords,
 * person keywords, region names, captions, titles and place names.
 */
export interface PhotoMeta {
  /** The photo's folder and the folder above it (names only, never a full path). */
  folders: string[];
  /** The file name without extension; null for camera names like IMG_1234 that say nothing. */
  file: string | null;
  keywords: string[];
  personKeywords: string[];
  regionNames: string[];
  captions: string[];
  places: string[];
}

const PHOTOSHOP = 'http://ns.adobe.com/photoshop/1.0/';
const IPTC_CORE = 'http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/';

/** Camera and phone file names: IMG_0001, DSC01234, PXL_20230101_..., 20230101_120000. */
const MEANINGLESS = /^(img|dsc|dscn|dscf|pxl|mvimg|p|dcim|photo|image|pic|screenshot|gopr|dji)?[\s_-]*[\d_-]+(\s*\(\d+\))?$/i;

/** Folder names cameras and phones make, or that every library has: they say nothing. */
const GENERIC_FOLDER = /^(dcim|\d{3}[a-z_]{0,8}|camera|camera roll|photos?|pictures|images|screenshots|downloads|upload|import|imports|misc|lib|library)$/i;

const strings = (v: RdfValue | undefined): string[] => {
  if (v === undefined) return [];
  if (typeof v === 'string') return v.trim() ? [v.trim()] : [];
  if (Array.isArray(v)) return v.flatMap(strings);
  return [];
};

/** The XMP packet of a file: the first `<x:xmpmeta>` in its first 256 KiB (JPEG keeps it in APP1, near the start). */
async function embeddedXmp(path: string): Promise<string | null> {
  const handle = await open(fsPath(path), 'r').catch(() => null);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(256 << 10);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('latin1');
    const start = text.indexOf('<x:xmpmeta');
    const end = text.indexOf('</x:xmpmeta>', start);
    if (start < 0 || end < 0) return null;
    return Buffer.from(text.slice(start, end + '</x:xmpmeta>'.length), 'latin1').toString('utf8');
  } finally {
    await handle.close();
  }
}

function fromXmp(xml: string): Omit<PhotoMeta, 'folders' | 'file'> {
  const d: RdfStruct = readDescriptions(parseXml(xml.replace(/\0+$/, '')));
  return {
    keywords: strings(d[`${NS.dc}subject`]),
    personKeywords: personKeywords(d),
    regionNames: [...mwgRegions(d), ...mpRegions(d)].map((r) => r.name).filter((n): n is string => !!n),
    captions: [...strings(d[`${NS.dc}description`]), ...strings(d[`${NS.dc}title`]), ...strings(d[`${PHOTOSHOP}Headline`])],
    places: [...strings(d[`${IPTC_CORE}Location`]), ...strings(d[`${PHOTOSHOP}City`]), ...strings(d[`${PHOTOSHOP}State`]), ...strings(d[`${PHOTOSHOP}Country`])],
  };
}

export async function readPhotoMeta(path: string): Promise<PhotoMeta> {
  const dir = dirname(path);
  const folders = [basename(dirname(dir)), basename(dir)].filter((f) => f && f !== '.' && f !== '/' && f !== '..' && !GENERIC_FOLDER.test(f));
  const stem = basename(path).replace(/\.[^.]*$/, '');
  const meta: PhotoMeta = { folders, file: MEANINGLESS.test(stem) ? null : stem, keywords: [], personKeywords: [], regionNames: [], captions: [], places: [] };
  const packets: string[] = [];
  for (const naming of SIDECAR_NAMINGS) {
    const text = await readFile(fsPath(sidecarPath(path, naming)), 'utf8').catch(() => null);
    if (text) packets.push(text);
  }
  const embedded = await embeddedXmp(path);
  if (embedded) packets.push(embedded);
  for (const xml of packets) {
    let m: ReturnType<typeof fromXmp>;
    try {
      m = fromXmp(xml);
    } catch {
      continue; // a broken packet says nothing
    }
    for (const key of ['keywords', 'personKeywords', 'regionNames', 'captions', 'places'] as const) {
      meta[key] = [...new Set([...meta[key], ...m[key]])];
    }
  }
  return meta;
}
