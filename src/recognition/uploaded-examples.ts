import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PersonRecord } from '../catalog/catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import type { PhotoCatalog } from '../catalog/photo-catalog.js';
import type { BlobStore } from '../storage/blob-store.js';

/**
 * Examples, in CompreFace's sense: faces of named people on photos that came in through the
 * recognition API (kept under the uploads folder). A person's faces from the photo library are
 * never examples, so a client that "untrains" a person (deletes its examples) removes what it
 * sent and nothing of the library.
 */
export interface Example {
  faceId: number;
  photoId: number;
  personId: number;
  subject: string;
  /** The uploaded photo's file. */
  path: string;
}

/** The photos kept from recognition requests: `<uploads>/ab/<sha256>.<ext>`, in name order. */
async function uploadedFiles(folder: string): Promise<string[]> {
  const shards = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const shard of shards.filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name)).sort((a, b) => a.name.localeCompare(b.name))) {
    for (const f of (await readdir(join(folder, shard.name))).sort()) if (!f.endsWith('.part')) files.push(join(folder, shard.name, f));
  }
  return files;
}

/** Every example, by face id; only those of `subject` (a person's exact name) when given. Hidden people have none. */
export async function listExamples(
  { catalog }: { catalog: Pick<PhotoCatalog, 'getPhotoByPath'> & Pick<FaceCatalog, 'listFaces'> & Pick<PeopleCatalog, 'getPerson'> },
  folder: string,
  subject?: string,
): Promise<Example[]> {
  const people = new Map<number, PersonRecord | null>();
  const out: Example[] = [];
  for (const path of await uploadedFiles(folder)) {
    const photo = await catalog.getPhotoByPath(path);
    if (!photo || photo.status !== 'done') continue;
    const faces = await catalog.listFaces({ photoId: photo.id });
    for (const f of faces) {
      if (f.personId === null) continue;
      if (!people.has(f.personId)) people.set(f.personId, await catalog.getPerson(f.personId));
      const p = people.get(f.personId);
      if (!p?.name || p.hidden || p.mergedInto !== null || (subject !== undefined && p.name !== subject)) continue;
      out.push({ faceId: f.id, photoId: photo.id, personId: p.id, subject: p.name, path });
    }
  }
  return out.sort((a, b) => a.faceId - b.faceId);
}

/**
 * Deletes an example: its photo (file, catalog entry, thumbnails) when the example is the photo's
 * only face; otherwise that face alone, remembered as dismissed so re-indexing never brings it
 * back. Returns the face ids gone from the catalog.
 */
export async function deleteExample(
  { catalog, blobs }: { catalog:
    Pick<PhotoCatalog, 'deletePhoto'>
    & Pick<FaceCatalog, 'dismissFace' | 'listFaces'>; blobs: Pick<BlobStore, 'delete'>
  },
  example: Example,
): Promise<number[]> {
  if ((await catalog.listFaces({ photoId: example.photoId })).length > 1) {
    const { removedThumbKeys } = await catalog.dismissFace(example.faceId);
    for (const key of removedThumbKeys) await blobs.delete(key);
    return [example.faceId];
  }
  const { removedThumbKeys } = await catalog.deletePhoto(example.photoId);
  for (const key of removedThumbKeys) await blobs.delete(key);
  await rm(example.path, { force: true });
  return [example.faceId];
}
