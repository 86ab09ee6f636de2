import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { FaceRecord } from '../catalog/catalog.js';
import type { Deps } from '../deps.js';
import { toAppError } from '../errors.js';
import { clampRect, displayedToStored } from './orientation.js';
import { sidecarPath, type SidecarNaming } from './sidecar-names.js';
import { mergeRegionsIntoSidecar } from './xmp-write.js';
import { fsPath } from '../sources/file-key.js';
import { readPhotoFile } from '../sources/folder-source.js';
import { readImageHeader } from '../vision/image-codec.js';
import { requirePhotoFormat } from '../vision/image-format.js';

export interface XmpExportOptions {
  /** `full`: photo.jpg.xmp; `base`: photo.xmp. @default 'full' */
  naming?: SidecarNaming;
  /** Report what would be written, write nothing. @default false */
  dryRun?: boolean;
}

export interface XmpExportReport {
  dryRun: boolean;
  /** Photos with at least one face of a named person. */
  photos: number;
  created: number;
  updated: number;
  /** Sidecars that already said exactly this. */
  unchanged: number;
  /** Face regions written. */
  faces: number;
  skipped: Array<{ file: string; reason: string }>;
}

/**
 * Writes the faces of named people as MWG face regions into XMP sidecars beside the photos,
 * merged into a sidecar already there (see `mergeRegionsIntoSidecar`). The photos themselves
 * are never written. A sidecar is replaced atomically (written beside, then renamed).
 */
export async function exportXmp({ catalog }: Pick<Deps, 'catalog'>, options: XmpExportOptions = {}): Promise<XmpExportReport> {
  const naming = options.naming ?? 'full';
  const report: XmpExportReport = { dryRun: !!options.dryRun, photos: 0, created: 0, updated: 0, unchanged: 0, faces: 0, skipped: [] };
  const names = new Map<number, string>();
  const byPhoto = new Map<number, FaceRecord[]>();
  for (const p of await catalog.listPeople({ includeHidden: true })) {
    if (!p.name) continue;
    names.set(p.id, p.name);
    for (const f of await catalog.listFaces({ personId: p.id })) byPhoto.set(f.photoId, [...(byPhoto.get(f.photoId) ?? []), f]);
  }
  const claimed = new Map<string, string>();
  for (const [photoId, faces] of [...byPhoto].sort((a, b) => a[0] - b[0])) {
    const photo = await catalog.getPhoto(photoId);
    if (!photo || photo.status !== 'done' || !photo.width || !photo.height) continue;
    report.photos++;
    const target = sidecarPath(photo.path, naming);
    const other = claimed.get(target);
    if (other) {
      report.skipped.push({ file: photo.path, reason: `its sidecar ${target} is also ${other}'s; export with --sidecar full (photo.jpg.xmp)` });
      continue;
    }
    claimed.set(target, photo.path);
    try {
      const bytes = await readPhotoFile(photo.path, photo.id);
      requirePhotoFormat(bytes);
      const { orientation, width: sw, height: sh } = await readImageHeader(bytes);
      const [ow, oh] = orientation >= 5 ? [sh, sw] : [sw, sh];
      if (ow !== photo.width || oh !== photo.height) {
        report.skipped.push({ file: photo.path, reason: `the photo is ${ow}x${oh} now, ${photo.width}x${photo.height} when indexed; run \`facetag index\` first` });
        continue;
      }
      const regions = faces.map((f) => ({
        name: names.get(f.personId!)!,
        area: clampRect(displayedToStored(orientation, { x: f.box.x / ow, y: f.box.y / oh, w: f.box.w / ow, h: f.box.h / oh })),
      }));
      const existing = await readFile(fsPath(target), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      const merged = mergeRegionsIntoSidecar(existing, regions, { width: sw, height: sh });
      report.faces += regions.length;
      if (merged.xml === existing) {
        report.unchanged++;
        continue;
      }
      if (!options.dryRun) {
        const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(fsPath(tmp), merged.xml, 'utf8');
        await rename(fsPath(tmp), fsPath(target));
      }
      if (existing === null) report.created++;
      else report.updated++;
    } catch (error) {
      report.skipped.push({ file: photo.path, reason: toAppError(error).message });
    }
  }
  return report;
}
