import type { Catalog } from '../catalog/catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { VectorIndex } from '../clustering/vector-index.js';
import type { ResolvedConfig } from '../config/load-config.js';

/** The library's faces nearest to an embedding, nearest first (cosine distance). */
export type FaceNeighbours = (embedding: Float32Array, k: number) => Promise<Array<{ faceId: number; distance: number }>>;

/**
 * Where a recognition searches the library, decided here only. Cluster mode (catalog `neo4j`):
 * the management's Neo4j vector index, which every writer keeps current. Embedded: the
 * in-process vector index of the faces (an exact scan of SQLite would cost a whole-library read
 * per face).
 */
export function faceNeighbours(
  { config, catalog }: { config: ResolvedConfig; catalog: Pick<FaceCatalog, 'nearestFaces'> },
  embedderId: string,
  inProcess: () => Promise<VectorIndex>,
): FaceNeighbours {
  if (config.catalog.driver === 'neo4j') return (embedding, k) => catalog.nearestFaces(embedding, k, embedderId);
  return async (embedding, k) => (await inProcess()).search(embedding, k).map((h) => ({ faceId: h.id, distance: h.distance }));
}

/**
 * Keeps a long-lived in-process index honest when other processes write the catalog (a
 * `facetag index` run beside `facetag serve`): at most every `checkEveryMs`, the catalog's face
 * count is compared with the last one seen, and a change drops the index so the next search
 * reloads it.
 */
export function reloadOnCatalogChange(
  { catalog }: { catalog: Pick<Catalog, 'counts'> },
  cache: { get(): Promise<VectorIndex>; reset(): void },
  options: { checkEveryMs?: number; now?: () => number } = {},
): () => Promise<VectorIndex> {
  const every = options.checkEveryMs ?? 5000;
  const now = options.now ?? Date.now;
  let checkedAt = -Infinity;
  let faces: number | null = null;
  return async () => {
    if (now() - checkedAt >= every) {
      checkedAt = now();
      const count = (await catalog.counts()).faces;
      if (faces !== null && count !== faces) cache.reset();
      faces = count;
    }
    return cache.get();
  };
}
