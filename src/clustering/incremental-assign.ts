import type { Assignment, FaceState, FaceVector } from '../catalog/catalog.js';
import type { DecisionCatalog } from '../catalog/decision-catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import type { VectorIndex } from './vector-index.js';

export interface ClusterParams {
  /** Max cosine distance between two faces of one person. */
  maxDistance: number;
  /** Close faces (the new one included) needed to form a new person. */
  minFaces: number;
  /** Neighbours looked at per face. */
  k: number;
  /** Faces under this quality never seed a new person. */
  minSeedQuality: number;
}

export interface AssignOutcome {
  assigned: number;
  created: number;
  unassigned: number;
}

/**
 * What clustering reads and writes: the catalog itself, or the index run's single writer, which
 * answers from its open batch (catalog/writer-tx.ts) so that a batch clusters face by face exactly
 * as one photo at a time would.
 */
export type ClusterStore = Pick<FaceCatalog, 'faceStates' | 'getFaceVectors' | 'peopleInPhoto'>
  & Pick<PeopleCatalog, 'createPerson'>
  & Pick<DecisionCatalog, 'rejectedPeople' | 'assign'>;

type Deps = { catalog: ClusterStore; index: Pick<VectorIndex, 'search'> };

/**
 * Attaches one unassigned face to a person, or forms a new person with its unassigned
 * neighbours, or leaves it alone: one k-nearest-neighbour query, whatever the library's size.
 *
 * Constraints, all enforced here:
 * - cannot-link: a face never joins a person who already has a face in the same photo, and a
 *   new person never takes two faces of one photo;
 * - a face never returns to a person it was rejected from (NOT_OF);
 * - only faces without a human decision are touched (confirmed/manual/xmp faces never move);
 * - a face under `minSeedQuality` never seeds a new person (it may still join one).
 */
export async function assignFace({ catalog, index }: Deps, face: FaceVector, params: ClusterParams): Promise<'assigned' | 'created' | 'none'> {
  if (face.personId !== null) return 'none';
  const hits = index.search(face.embedding, params.k + 1).filter((h) => h.id !== face.id && h.distance <= params.maxDistance);
  if (hits.length === 0) return 'none';
  const distance = new Map(hits.map((h) => [h.id, h.distance]));
  const neighbours = (await catalog.faceStates(hits.map((h) => h.id)))
    .filter((n) => n.photoId !== face.photoId)
    .sort((a, b) => distance.get(a.id)! - distance.get(b.id)!);

  const blocked = new Set(await catalog.rejectedPeople(face.id));
  for (const other of await catalog.peopleInPhoto(face.photoId)) if (other.personId !== null) blocked.add(other.personId);

  // Vote: every close neighbour with a person counts, nearer ones more.
  const votes = new Map<number, { weight: number; nearest: number }>();
  for (const n of neighbours) {
    if (n.personId === null || blocked.has(n.personId)) continue;
    const d = distance.get(n.id)!;
    const v = votes.get(n.personId) ?? { weight: 0, nearest: Infinity };
    v.weight += 1 - d / (params.maxDistance * 1.5);
    v.nearest = Math.min(v.nearest, d);
    votes.set(n.personId, v);
  }
  const best = [...votes.entries()].sort((a, b) => b[1].weight - a[1].weight)[0];
  if (best) {
    await catalog.assign([{ faceId: face.id, personId: best[0], source: 'auto', distance: best[1].nearest }]);
    return 'assigned';
  }

  if (face.quality < params.minSeedQuality) return 'none';
  const members: FaceState[] = [];
  const photos = new Set([face.photoId]);
  for (const n of neighbours) {
    if (n.personId !== null || n.source !== null || photos.has(n.photoId)) continue;
    photos.add(n.photoId);
    members.push(n);
  }
  if (members.length + 1 < params.minFaces) return 'none';
  const personId = await catalog.createPerson(null);
  const assignments: Assignment[] = [face, ...members].map((m) => ({
    faceId: m.id, personId, source: 'auto', distance: m.id === face.id ? 0 : distance.get(m.id)!,
  }));
  await catalog.assign(assignments);
  return 'created';
}

/** Runs `assignFace` over faces in order and counts what happened. */
export async function assignFaces(deps: Deps, faceIds: number[], params: ClusterParams): Promise<AssignOutcome> {
  const outcome: AssignOutcome = { assigned: 0, created: 0, unassigned: 0 };
  for (const id of faceIds) {
    const [face] = await deps.catalog.getFaceVectors([id]);
    if (!face || face.personId !== null) continue;
    const result = await assignFace(deps, face, params);
    if (result === 'assigned') outcome.assigned++;
    else if (result === 'created') outcome.created++;
    else outcome.unassigned++;
  }
  return outcome;
}
