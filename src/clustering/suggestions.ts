import type { DecisionCatalog } from '../catalog/decision-catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import { AppError } from '../errors.js';
import { embeddingDimensions } from './cluster-params.js';
import { addFaces, createVectorIndex } from './create-vector-index.js';
import { FACE_PAGE, facePages, faceVectorSource } from './face-table.js';
import type { ClusterParams } from './incremental-assign.js';
import type { VectorIndex } from './vector-index.js';

export interface PersonCandidate {
  personId: number;
  name: string | null;
  /** Cosine distance to the person's nearest face. */
  distance: number;
  /** Faces of the person among the neighbours. */
  votes: number;
  /** Close enough that clustering would attach the face on its own. */
  withinThreshold: boolean;
}

export interface FaceCandidate {
  faceId: number;
  photoId: number;
  distance: number;
  /** The person it is on now (auto), or null when unassigned. */
  currentPersonId: number | null;
}

/**
 * An in-process index of every face of the embedder (`id@version`), sized by its embeddings,
 * or by the embedder's manifest while there are none; faces added later must match. `make`
 * picks the index instead: it gets the embeddings' length, or undefined for an empty library.
 * The faces are read a page at a time and added in batches, so a million face objects are
 * never alive at once.
 */
export async function loadIndex(catalog: Pick<FaceCatalog, 'allFaceVectors'>, embedderId: string, make?: (dims: number | undefined) => VectorIndex): Promise<VectorIndex> {
  let index: VectorIndex | null = null;
  for await (const page of facePages(catalog, embedderId, FACE_PAGE)) {
    const found = page[0]!.embedding.length;
    index ??= make ? make(found) : createVectorIndex(found);
    addFaces(index, faceVectorSource(page, index.dimensions));
  }
  // An empty library still takes the embedder's vectors (faces added later, a recognition's store).
  return index ?? (make ? make(undefined) : createVectorIndex(embeddingDimensions(embedderId)));
}

/** For a face: the people it may be, nearest first, without the people it cannot be. */
export async function suggestPeopleForFace(
  { catalog }: { catalog:
    Pick<FaceCatalog, 'getFaceVectors' | 'peopleInPhoto'>
    & Pick<PeopleCatalog, 'getPerson'>
    & Pick<DecisionCatalog, 'rejectedPeople'>
  }, index: VectorIndex, faceId: number, params: ClusterParams, limit = 5,
): Promise<PersonCandidate[]> {
  const [face] = await catalog.getFaceVectors([faceId]);
  if (!face) throw new AppError('NOT_FOUND', `face ${faceId} does not exist; list faces with \`facetag faces list --unassigned\``);
  const blocked = new Set(await catalog.rejectedPeople(faceId));
  for (const o of await catalog.peopleInPhoto(face.photoId)) if (o.personId !== null && o.faceId !== faceId) blocked.add(o.personId);
  const hits = index.search(face.embedding, 64).filter((h) => h.id !== faceId);
  const distance = new Map(hits.map((h) => [h.id, h.distance]));
  const byPerson = new Map<number, { distance: number; votes: number }>();
  for (const n of await catalog.getFaceVectors(hits.map((h) => h.id))) {
    if (n.personId === null || n.personId === face.personId || blocked.has(n.personId)) continue;
    const d = distance.get(n.id)!;
    const c = byPerson.get(n.personId) ?? { distance: Infinity, votes: 0 };
    c.distance = Math.min(c.distance, d);
    c.votes++;
    byPerson.set(n.personId, c);
  }
  const ranked = [...byPerson.entries()].sort((a, b) => a[1].distance - b[1].distance).slice(0, limit);
  const out: PersonCandidate[] = [];
  for (const [personId, c] of ranked) {
    const person = await catalog.getPerson(personId);
    if (!person || person.mergedInto !== null) continue;
    out.push({ personId, name: person.name, distance: c.distance, votes: c.votes, withinThreshold: c.distance <= params.maxDistance });
  }
  return out;
}

/**
 * For a person: faces that probably belong to them (unassigned, or put on someone else by the
 * machine), nearest first, to confirm or reject in bulk. Faces rejected from the person, and
 * faces in photos where the person already is, are never offered.
 */
export async function suggestFacesForPerson(
  { catalog }: { catalog:
    Pick<FaceCatalog, 'getFaceVectors' | 'listFaces'>
    & Pick<PeopleCatalog, 'getPerson'>
    & Pick<DecisionCatalog, 'rejectedPeople'>
  }, index: VectorIndex, personId: number, params: ClusterParams, limit = 50,
): Promise<FaceCandidate[]> {
  const person = await catalog.getPerson(personId);
  if (!person || person.mergedInto !== null) throw new AppError('NOT_FOUND', `person ${personId} does not exist; list people with \`facetag people list\``);
  const own = await catalog.listFaces({ personId });
  const photos = new Set(own.map((f) => f.photoId));
  const sample = [...own].sort((a, b) => b.quality - a.quality).slice(0, 100);
  const best = new Map<number, number>();
  for (const v of await catalog.getFaceVectors(sample.map((f) => f.id))) {
    for (const h of index.search(v.embedding, 32)) {
      if (h.distance > params.maxDistance * 1.25) break;
      best.set(h.id, Math.min(best.get(h.id) ?? Infinity, h.distance));
    }
  }
  const out: FaceCandidate[] = [];
  for (const v of await catalog.getFaceVectors([...best.keys()])) {
    if (v.personId === personId || photos.has(v.photoId)) continue;
    if (v.personId !== null && v.source !== 'auto') continue;
    if ((await catalog.rejectedPeople(v.id)).includes(personId)) continue;
    out.push({ faceId: v.id, photoId: v.photoId, distance: best.get(v.id)!, currentPersonId: v.personId });
  }
  return out.sort((a, b) => a.distance - b.distance).slice(0, limit);
}
