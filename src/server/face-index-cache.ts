import type { FaceCatalog } from '../catalog/face-catalog.js';
import { loadIndex } from '../clustering/suggestions.js';
import type { VectorIndex } from '../clustering/vector-index.js';

/**
 * The in-process vector index of every face, for suggestions and for placing a hand-drawn face:
 * loaded on first use (not at start: the people pages never need it), kept up to date with
 * faces added here, and dropped after an index run so the next use reloads it.
 */
export function createFaceIndexCache(catalog: Pick<FaceCatalog, 'allFaceVectors'>, embedderId: string) {
  let loading: Promise<VectorIndex> | null = null;
  return {
    get(): Promise<VectorIndex> {
      loading ??= loadIndex(catalog, embedderId).catch((error) => {
        loading = null;
        throw error;
      });
      return loading;
    },
    async add(id: number, embedding: Float32Array) {
      if (loading) (await loading).add(id, embedding);
    },
    /** Forgets a deleted face (searches never return it again). */
    remove(id: number) {
      void loading?.then((index) => index.remove(id), () => undefined);
    },
    reset() {
      loading = null;
    },
  };
}

export type FaceIndexCache = ReturnType<typeof createFaceIndexCache>;
