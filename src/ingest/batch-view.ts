import type { Assignment, FaceState, FaceVector } from '../catalog/catalog.js';
import type { WriterTx } from '../catalog/writer-tx.js';
import type { ClusterStore } from '../clustering/incremental-assign.js';
import type { RegionStore } from '../interop/import-regions.js';

/**
 * The catalog as the single writer's open batch sees it, for clustering and the XMP import
 * (which run unchanged against it): reads come from what the batch already knows (its own
 * photos, decisions and prefetched neighbours), else from the batch's transaction; writes (new
 * people, assignments) are kept in order and sent in one go by `flush`. So a batch reaches the
 * same decisions, face by face, as the same photos written one at a time, in a few statements.
 *
 * People created in the batch have negative ids until `flush` creates them, in order (so their
 * ids come out as one at a time would give them).
 */
export function createBatchView(tx: WriterTx) {
  /** Faces known to the batch; null: known not to exist (deleted, or never there). */
  const states = new Map<number, FaceState | null>();
  const vectors = new Map<number, Float32Array>();
  const rejections = new Map<number, number[]>();
  /** The faces of photos whose every face the batch knows. */
  const photoFaces = new Map<number, number[]>();
  const byName = new Map<string, number | null>();
  const created: Array<string | null> = [];
  const writes: Assignment[] = [];
  const touched = new Set<number>();

  const known = (id: number) => states.has(id);
  async function fetchStates(ids: number[]) {
    const missing = [...new Set(ids.filter((id) => !known(id)))];
    if (missing.length === 0) return;
    for (const id of missing) states.set(id, null);
    for (const s of await tx.faceStates(missing)) states.set(s.id, s);
  }
  async function fetchRejections(ids: number[]) {
    const missing = [...new Set(ids.filter((id) => !rejections.has(id)))];
    if (missing.length === 0) return;
    const found = await tx.rejectedPeople(missing);
    for (const id of missing) rejections.set(id, found.get(id) ?? []);
  }
  async function fetchPhotos(photoIds: number[]) {
    const missing = [...new Set(photoIds.filter((id) => !photoFaces.has(id)))];
    if (missing.length === 0) return;
    for (const id of missing) photoFaces.set(id, []);
    for (const s of await tx.facesOfPhotos(missing)) {
      if (!known(s.id)) states.set(s.id, s);
      photoFaces.get(s.photoId)!.push(s.id);
    }
  }

  const view: ClusterStore & RegionStore = {
    async faceStates(ids) {
      await fetchStates(ids);
      return ids.flatMap((id) => {
        const s = states.get(id);
        return s ? [{ ...s }] : [];
      });
    },
    async getFaceVectors(ids) {
      const missing = ids.filter((id) => !vectors.has(id));
      if (missing.length > 0) {
        for (const v of await tx.faceVectors(missing)) {
          vectors.set(v.id, v.embedding);
          if (!known(v.id)) states.set(v.id, { id: v.id, photoId: v.photoId, personId: v.personId, source: v.source, quality: v.quality });
        }
      }
      return ids.flatMap((id): FaceVector[] => {
        const s = states.get(id);
        const embedding = vectors.get(id);
        return s && embedding ? [{ ...s, embedding }] : [];
      });
    },
    async rejectedPeople(faceId) {
      await fetchRejections([faceId]);
      return [...rejections.get(faceId)!];
    },
    async peopleInPhoto(photoId) {
      await fetchPhotos([photoId]);
      return photoFaces.get(photoId)!.flatMap((id) => {
        const s = states.get(id);
        return s ? [{ faceId: id, personId: s.personId }] : [];
      }).sort((a, b) => a.faceId - b.faceId);
    },
    async assign(list) {
      for (const a of list) {
        const s = states.get(a.faceId);
        if (!s) continue;
        if (s.personId !== null && s.personId !== a.personId) touched.add(s.personId);
        states.set(a.faceId, { ...s, personId: a.personId, source: a.personId === null ? null : a.source });
        writes.push(a);
      }
    },
    async createPerson(name = null) {
      created.push(name);
      const id = -created.length;
      if (name !== null && !byName.get(name)) byName.set(name, id);
      return id;
    },
    async personIdByName(name) {
      if (!byName.has(name)) byName.set(name, (await tx.peopleByName([name])).get(name) ?? null);
      return byName.get(name)!;
    },
  };

  return {
    view,
    /** Makes a saved photo's faces known: its new faces (with their embeddings) and the drawn faces it kept. */
    addPhoto(photoId: number, faces: Array<FaceState & { embedding: Float32Array; rejected: number[] }>, kept: number[]) {
      for (const f of faces) {
        const { embedding, rejected, ...state } = f;
        states.set(f.id, state);
        vectors.set(f.id, embedding);
        rejections.set(f.id, rejected);
      }
      photoFaces.set(photoId, [...faces.map((f) => f.id), ...kept]);
    },
    /** Faces a later photo of the batch replaces, as they are until its turn. */
    holdRemoved(removed: FaceState[]) {
      for (const s of removed) states.set(s.id, s);
    },
    /** Faces a photo's save deleted, gone from its turn on (their people may be left empty). */
    forget(removed: FaceState[]) {
      for (const s of removed) {
        const now = states.get(s.id) ?? s;
        if (now.personId !== null) touched.add(now.personId);
        states.set(s.id, null);
      }
    },
    touch(people: number[]) {
      for (const id of people) touched.add(id);
    },
    /** Loads what is not known yet, in one statement each: states of faces, faces' rejections, photos' faces, vectors. */
    async prefetch(ids: { faces?: number[]; rejectionsOf?: number[]; photos?: number[]; vectors?: number[] }) {
      if (ids.vectors) await view.getFaceVectors(ids.vectors);
      if (ids.faces) await fetchStates(ids.faces);
      if (ids.rejectionsOf) await fetchRejections(ids.rejectionsOf);
      if (ids.photos) await fetchPhotos(ids.photos);
    },
    /** Creates the batch's people in order, applies its assignments, prunes. Returns the real id of each temporary one. */
    async flush(): Promise<Map<number, number>> {
      const ids = await tx.createPeople(created);
      const real = new Map(ids.map((id, i) => [-(i + 1), id]));
      const person = (id: number | null) => (id !== null && id < 0 ? real.get(id)! : id);
      if (writes.length > 0) await tx.assign(writes.map((a) => ({ ...a, personId: person(a.personId) })));
      await tx.prune([...touched].map((id) => person(id)!));
      return real;
    },
  };
}

export type BatchView = ReturnType<typeof createBatchView>;
