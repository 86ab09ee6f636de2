import { assignFaces, type AssignOutcome, type ClusterParams } from '../cluster/incremental-assign.js';
import type { VectorIndex } from '../cluster/vector-index.js';
import type { PhotoRecord, PhotoResult } from '../catalog/catalog.js';
import type { Deps } from '../context.js';
import { applyRegionImport, planRegionImport, type RegionImportPlan, type XmpImportCounts } from '../interop/import-regions.js';
import type { AnalysisPool, PoolAnalysis } from '../vision/analysis-pool.js';
import { iou } from '../vision/image.js';

/** An analysed photo on its way to the catalog. */
export interface AnalysedPhoto {
  key: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  /** The photo's bytes (embedded XMP regions are read from them). */
  bytes: Buffer;
  /** Faces with a `thumbKey` have their thumbnail stored already (by a cluster worker). */
  analysis: Omit<PoolAnalysis, 'faces'> & { faces: Array<PoolAnalysis['faces'][number] & { thumbKey?: string }> };
  /** What the catalog held for this key before, if anything. */
  existing: PhotoRecord | null;
}

/** A photo ready to be written: thumbnails stored, dismissed boxes dropped, XMP regions planned. */
export interface PreparedPhoto {
  result: PhotoResult;
  embeddings: Float32Array[];
  thumbKeys: string[];
  regions: RegionImportPlan;
}

/** The thumbnail key of a photo's n-th face: content-addressed, so a retry overwrites the same blob. */
export const faceThumbKey = (sha256: string, n: number) => `faces/${sha256.slice(0, 2)}/${sha256}-${n}.jpg`;

/**
 * Everything that may run concurrently before the single writer: stores the face thumbnails,
 * drops boxes a person dismissed as "not a face", and plans the import of XMP face regions.
 */
export async function preparePhoto(
  { catalog, blobs, log }: Pick<Deps, 'catalog' | 'blobs' | 'log'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse'>,
  photo: AnalysedPhoto,
): Promise<PreparedPhoto> {
  const { analysis, sha256 } = photo;
  const dismissed = photo.existing ? await catalog.dismissedBoxes(photo.key) : [];
  const faces = analysis.faces.filter((f) => !dismissed.some((b) => iou(b, f.box) >= 0.5));
  // A cluster worker stores the thumbnails itself (`thumbKey`): the writer drops those of dismissed boxes.
  for (const f of analysis.faces) if (f.thumbKey && !faces.includes(f)) await blobs.delete(f.thumbKey);
  const thumbKeys = await Promise.all(faces.map(async (face, i) => {
    if (face.thumbKey) return face.thumbKey;
    const key = faceThumbKey(sha256, i);
    await blobs.put(key, Buffer.from(face.thumbnail), 'image/jpeg');
    return key;
  }));
  const regions = await planRegionImport({ catalog, blobs }, analyser, {
    path: photo.key, bytes: photo.bytes, sha256, size: analysis.meta, detected: faces.map((f) => f.box), existingPhotoId: photo.existing?.id ?? null,
  });
  if (regions.problems.length > 0) log.warn({ photo: sha256.slice(0, 12), problems: regions.problems.length }, 'some XMP face regions could not be read');
  return {
    result: {
      path: photo.key, sha256, size: photo.size, mtimeMs: photo.mtimeMs, width: analysis.meta.width, height: analysis.meta.height,
      takenAt: analysis.meta.takenAt, gps: analysis.meta.gps, model: analyser.modelKey,
      faces: faces.map((f, i) => ({
        box: f.box, landmarks: f.landmarks, detScore: f.detScore, quality: f.quality.quality,
        embedding: f.embedding, model: analyser.embedderId, thumbKey: thumbKeys[i]!,
      })),
    },
    embeddings: faces.map((f) => f.embedding),
    thumbKeys,
    regions,
  };
}

/**
 * The single writer's step: stores the photo and its faces in one catalog transaction, removes
 * thumbnails no face uses any more, adds the faces to the vector index, imports XMP regions and
 * assigns the faces to people. Call it for one photo at a time, so clustering stays consistent.
 */
export async function commitPhoto(
  { catalog, blobs }: Pick<Deps, 'catalog' | 'blobs'>,
  index: VectorIndex,
  params: ClusterParams,
  prepared: PreparedPhoto,
): Promise<{ photoId: number; faceIds: number[]; xmp: XmpImportCounts; assigned: AssignOutcome }> {
  const saved = await catalog.savePhoto(prepared.result);
  for (const key of saved.removedThumbKeys) if (!prepared.thumbKeys.includes(key)) await blobs.delete(key);
  prepared.embeddings.forEach((embedding, i) => index.add(saved.faceIds[i]!, embedding));
  const xmp = await applyRegionImport({ catalog, index }, prepared.regions, saved.photoId, saved.faceIds);
  const assigned = await assignFaces({ catalog, index }, saved.faceIds, params);
  return { photoId: saved.photoId, faceIds: saved.faceIds, xmp, assigned };
}
