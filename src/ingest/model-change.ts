import type { ClusterParams } from '../clustering/incremental-assign.js';
import { recluster, type ReclusterReport } from '../clustering/recluster.js';
import type { Deps } from '../deps.js';
import { AppError, toAppError } from '../errors.js';
import type { Box, Point } from '../vision/image.js';

/** What embedding a face drawn or kept by hand needs: its photo's bytes analysed in its box. */
export type EmbedBox = (photo: { id: number; path: string }, box: Box) => Promise<{ embedding: Float32Array; landmarks: Point[]; quality: number } | null>;

export interface ModelChangeReport {
  /** Faces embedded again with the new model (drawn by hand, or a decision kept on a face the new detector missed). */
  facesReembedded: number;
  /** Faces whose photo could not be read: they keep the old embedding, out of every search, until their photo is back. */
  facesLeft: number;
  /** The re-cluster with the new embedder (human decisions kept, people's ids and names kept where the faces are the same); null when nothing changed. */
  recluster: ReclusterReport | null;
}

/**
 * Finishes a change of models after the index run has analysed every photo again: the run's
 * writer already gave each photo's faces their new embeddings, keeping the face ids (and so every
 * name, confirmation, rejection and merge) where a new face is where an old one was. What is
 * left here: the faces no detector proposes (drawn by hand, imported from XMP, or a decision on a
 * face the new detector missed) are embedded again from their photos, and the library is
 * clustered again with the new embedder, every human decision kept. Until then, and for any face
 * whose photo cannot be read, faces of the old model stay out of the new model's searches: two
 * models' embeddings are never compared.
 */
export async function finishModelChange(
  { catalog, log }: Pick<Deps, 'catalog' | 'log'>,
  embedBox: EmbedBox,
  models: { modelKey: string; embedderId: string },
  params: ClusterParams,
  options: {
    /** Photos the run analysed again with the new models: the library is clustered again when any were. */
    changedPhotos: number;
    /** Called with each batch of faces embedded again (the run's vector index takes them in). */
    onEmbedded?: (updates: ReadonlyArray<{ faceId: number; embedding: Float32Array }>) => void;
    batch?: number;
    signal?: AbortSignal;
  },
): Promise<ModelChangeReport> {
  const { embedderId } = models;
  const batch = options.batch ?? 200;
  let facesReembedded = 0;
  let facesLeft = 0;
  const skipped = new Set<number>();
  for (;;) {
    if (options.signal?.aborted) break;
    const stale = (await catalog.facesOfOtherModels(embedderId, batch + skipped.size, models.modelKey)).filter((f) => !skipped.has(f.id));
    if (stale.length === 0) break;
    const updates: Array<Parameters<typeof catalog.setFaceEmbeddings>[0][number]> = [];
    for (const face of stale.slice(0, batch)) {
      try {
        const found = await embedBox({ id: face.photoId, path: face.path }, face.box);
        if (!found) throw new AppError('INVALID_INPUT', 'no face could be embedded in the box');
        updates.push({ faceId: face.id, embedding: found.embedding, model: embedderId, landmarks: found.landmarks, quality: found.quality });
      } catch (error) {
        skipped.add(face.id);
        facesLeft++;
        log.warn({ faceId: face.id, photoId: face.photoId, code: toAppError(error).code }, 'a face could not be embedded with the new model');
      }
    }
    await catalog.setFaceEmbeddings(updates);
    options.onEmbedded?.(updates);
    facesReembedded += updates.length;
  }
  if (options.changedPhotos === 0 && facesReembedded === 0) return { facesReembedded, facesLeft, recluster: null };
  const report = await recluster({ catalog }, embedderId, params);
  log.info({ facesReembedded, facesLeft, moved: report.moved, kept: report.keptHumanDecisions }, 'model change finished');
  return { facesReembedded, facesLeft, recluster: report };
}
