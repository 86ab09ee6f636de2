import type { PersonRecord } from '../catalog/catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import type { FaceNeighbours } from './face-neighbours.js';
import { isMatch, similarityOf } from './similarity.js';

/** A named person a face may be. */
export interface PersonMatch {
  personId: number;
  name: string;
  /** Cosine distance to the person's nearest face in the library. */
  distance: number;
  /** 0-1, calibrated: `MATCH_SIMILARITY` (0.6) at the library's match threshold (see similarity.ts). */
  similarity: number;
  /** At or within the library's match threshold: facetag would put the face on this person. */
  match: boolean;
}

/**
 * Faces looked at per search: a person is found when one of their faces is among the nearest
 * `FIRST_LOOK`, or, when fewer named people than asked for are there, the nearest `WIDEST_LOOK`.
 */
export const FIRST_LOOK = 64;
export const WIDEST_LOOK = 512;

export interface NearestPeopleOptions {
  /** People to return, nearest first; `Infinity` for every one found. */
  limit: number;
  /** The library's match threshold (cosine distance): `config.cluster.maxDistance`. */
  threshold: number;
  /**
   * Called when the search found faces the catalog no longer holds: an in-process index that
   * missed another process's changes (a re-index replaced the faces), to be reloaded.
   */
  onStale?: () => void;
}

/**
 * The named people an embedding is nearest to, each by their nearest face. Only people a user
 * named and did not hide are answered: unnamed groups mean nothing to another program, and a
 * hidden person is never shown. People merged away are skipped (their faces moved).
 */
export async function nearestNamedPeople(
  { catalog }: { catalog: Pick<FaceCatalog, 'getFaceVectors'> & Pick<PeopleCatalog, 'getPerson'> },
  neighbours: FaceNeighbours,
  embedding: Float32Array,
  options: NearestPeopleOptions,
): Promise<PersonMatch[]> {
  if (options.limit <= 0) return [];
  const people = new Map<number, PersonRecord | null>();
  const person = async (id: number) => {
    if (!people.has(id)) people.set(id, await catalog.getPerson(id));
    return people.get(id)!;
  };
  let found: PersonMatch[] = [];
  for (const k of [FIRST_LOOK, WIDEST_LOOK]) {
    const hits = await neighbours(embedding, k);
    const distance = new Map(hits.map((h) => [h.faceId, h.distance]));
    const nearest = new Map<number, number>();
    const faces = await catalog.getFaceVectors(hits.map((h) => h.faceId));
    if (faces.length < hits.length) options.onStale?.();
    for (const f of faces) {
      if (f.personId === null) continue;
      const d = distance.get(f.id)!;
      if (d < (nearest.get(f.personId) ?? Infinity)) nearest.set(f.personId, d);
    }
    found = [];
    for (const [personId, d] of [...nearest].sort((a, b) => a[1] - b[1] || a[0] - b[0])) {
      const p = await person(personId);
      if (!p || !p.name || p.hidden || p.mergedInto !== null) continue;
      found.push({ personId, name: p.name, distance: d, similarity: similarityOf(d, options.threshold), match: isMatch(d, options.threshold) });
      if (found.length >= options.limit) return found;
    }
    if (hits.length < k) break; // the whole library was looked at
  }
  return found;
}
