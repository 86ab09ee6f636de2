import { AppError } from '../errors.js';
import type { AssignSource, Assignment } from './catalog-records.js';
import { faceNotFound, mergeNotFound, personNotFound } from './catalog-errors.js';

/**
 * The rules of a person's decisions on people, written once for both catalog adapters: may this
 * happen, what changes, and which message refuses it. Each function takes what the adapter read
 * in its transaction and returns what it must write; the adapter keeps the storage (SQL or
 * Cypher). Rules: a decision names live people (not merged away); two faces of one photo are
 * never one person (cannot-link); "not this person" is remembered (a rejection) when a face
 * leaves a person by hand or by a split, and forgotten when a person puts the face back (a merge
 * back included); a merge moves faces and hands the merged person's rejections to the survivor,
 * all undoable.
 */

/** A person as a decision reads it: absent (undefined), or whether it was merged away. */
export interface PersonFacts {
  mergedInto: number | null;
}

/** A face and who it is on now. */
export interface FaceFacts {
  personId: number | null;
}

/** Another face of the same photo as a face (what cannot-link reads). */
export interface PhotoMate {
  faceId: number;
  photoId: number;
  personId: number | null;
}

/** A rejection: the face is not this person. */
export interface Rejection {
  faceId: number;
  personId: number;
}

/** A decision may only name a person that exists and was not merged away. */
export function checkLivePerson(id: number, person: PersonFacts | undefined): void {
  if (!person) throw personNotFound(id);
  const into = person.mergedInto;
  if (into !== null) throw new AppError('CONFLICT', `person ${id} was merged into person ${into}; use ${into}, or undo with \`facetag people unmerge ${id}\``);
}

/**
 * Cannot-link: face `faceId` may not join person `personId` when another face of its photo is
 * that person's (`mates`: the other faces of its photo; the face itself, if given, is ignored).
 */
export function checkCannotLink(personId: number, faceId: number, mates: readonly PhotoMate[]): void {
  const clash = mates.filter((m) => m.faceId !== faceId && m.personId === personId).sort((a, b) => a.faceId - b.faceId)[0];
  if (clash) {
    throw new AppError('CONFLICT', `person ${personId} already has face ${clash.faceId} in photo ${clash.photoId}, where face ${faceId} is; two faces of one photo are two people: move face ${clash.faceId} out first`);
  }
}

/** Assignments may only name faces and people that exist (a person null unassigns). */
export function checkAssignable(assignments: readonly Assignment[], faces: ReadonlySet<number>, people: ReadonlySet<number>): void {
  const missing = assignments.find((a) => !faces.has(a.faceId));
  if (missing) throw faceNotFound(missing.faceId);
  const nobody = assignments.find((a) => a.personId !== null && !people.has(a.personId));
  if (nobody) throw personNotFound(nobody.personId!);
}

/** What an assignment stores: no source without a person. */
export const assignedSource = (a: Pick<Assignment, 'personId' | 'source'>): AssignSource | null => (a.personId === null ? null : a.source);

/**
 * "Not this person": the face and the person must exist. The rejection is added (once) and the
 * face leaves the person if it was on it.
 */
export function planReject(faceId: number, personId: number, face: FaceFacts | undefined, person: PersonFacts | undefined): { unassign: boolean } {
  if (!face) throw faceNotFound(faceId);
  if (!person) throw personNotFound(personId);
  return { unassign: face.personId === personId };
}

/** What the merged person brings: its faces, and the faces it was rejected from. */
export interface MergeFacts {
  into: PersonFacts | undefined;
  from: PersonFacts | undefined;
  /** Photos where both people have a face (a few are enough for the message). */
  sharedPhotos: readonly number[];
  /** The faces on `from` (those the merge moves). */
  facesOfFrom: readonly number[];
  /** Faces rejected from `from`. */
  rejectedFromFrom: readonly number[];
  /** Faces rejected from `into`. */
  rejectedFromInto: readonly number[];
}

/**
 * Merging `fromId` into `intoId`: two different live people never seen in one photo. Every face
 * of `from` moves to `into` (keeping its source and distance, recorded for undo); `from` and its
 * own tombstones point at `into`. `into` inherits the rejections of `from` it lacked, and a face
 * of `from` that was rejected from `into` (split off it, then merged back) is no longer rejected
 * from it: the merge says it is `into`'s. The merge records both lists, so an undo takes back
 * exactly the rejections it added (`inherited`) and puts back those it cleared (`cleared`). No
 * face ends on `into` and rejected from it.
 */
export function planMerge(intoId: number, fromId: number, facts: MergeFacts): { inherited: Rejection[]; cleared: Rejection[] } {
  if (intoId === fromId) throw new AppError('INVALID_INPUT', `cannot merge person ${intoId} into itself; give two different people`);
  checkLivePerson(intoId, facts.into);
  checkLivePerson(fromId, facts.from);
  const shared = facts.sharedPhotos;
  if (shared.length > 0) {
    throw new AppError('CONFLICT', `people ${intoId} and ${fromId} both appear in ${shared.length === 1 ? 'photo' : 'photos'} ${shared.join(', ')}, so they are two people; move the wrong face first (\`facetag people move-face FACE PERSON\`)`,
      { details: { photoIds: [...shared], people: [intoId, fromId] } });
  }
  const moving = new Set(facts.facesOfFrom);
  const had = new Set(facts.rejectedFromInto);
  const toInto = (ids: Iterable<number>) => [...new Set(ids)].sort((a, b) => a - b).map((faceId) => ({ faceId, personId: intoId }));
  return {
    inherited: toInto(facts.rejectedFromFrom.filter((faceId) => !had.has(faceId) && !moving.has(faceId))),
    cleared: toInto(facts.rejectedFromInto.filter((faceId) => moving.has(faceId))),
  };
}

/** A merge as an undo reads it. */
export interface MergeFactsForUndo {
  intoId: number;
  fromId: number;
  undoneAt: string | null;
  /** The faces the merge moved, with the source and distance they had. */
  faces: ReadonlyArray<{ id: number; source: AssignSource | null; distance: number | null }>;
  /** The faces whose rejection `into` inherited. */
  rejections: readonly number[];
  /** The faces whose rejection from `into` the merge cleared (none for a merge recorded before it kept them). */
  cleared: readonly number[];
}

/**
 * Undoing a merge, once, while its merged person still exists: the person returns (no longer
 * merged away), the faces it moved go back with their source and distance (those still on the
 * survivor: faces moved since stay), the inherited rejections go and the cleared ones come back.
 */
export function planUnmerge(mergeId: number, merge: MergeFactsForUndo | undefined, fromExists: boolean): {
  moveBack: MergeFactsForUndo['faces'];
  dropRejections: Rejection[];
  restoreRejections: Rejection[];
} {
  if (!merge) throw mergeNotFound(mergeId);
  if (merge.undoneAt) throw new AppError('CONFLICT', `merge ${mergeId} was already undone at ${merge.undoneAt}`);
  if (!fromExists) throw new AppError('CONFLICT', `person ${merge.fromId} of merge ${mergeId} was deleted since; the merge cannot be undone`);
  const toInto = (ids: readonly number[]) => ids.map((faceId) => ({ faceId, personId: merge.intoId }));
  return { moveBack: merge.faces, dropRejections: toInto(merge.rejections), restoreRejections: toInto(merge.cleared) };
}

/**
 * Splitting faces off a live person into a new person: at least one face, each of them the
 * person's. The faces are confirmed on the new person and rejected from the old one (they never
 * come back on their own); the old person may be left empty (prune it).
 */
export function planSplit(personId: number, faceIds: readonly number[], person: PersonFacts | undefined, owners: ReadonlyMap<number, number | null>): {
  confirm: number[];
  reject: Rejection[];
  prune: number[];
} {
  checkLivePerson(personId, person);
  if (faceIds.length === 0) throw new AppError('INVALID_INPUT', 'split needs at least one face id of the person');
  for (const id of faceIds) {
    if (owners.get(id) !== personId) throw new AppError('INVALID_INPUT', `face ${id} is not a face of person ${personId}; see \`facetag people show ${personId}\``);
  }
  return { confirm: [...faceIds], reject: faceIds.map((faceId) => ({ faceId, personId })), prune: [personId] };
}

/** What a move or a confirmation writes for one face (always `manual` or `confirmed`, no distance). */
export interface FaceChange {
  /** Put the face on the person with this source. */
  source: Extract<AssignSource, 'manual' | 'confirmed'>;
  /** A rejection to add: the person the face leaves. */
  reject: Rejection | null;
  /** A rejection to forget: a person puts the face back on someone it was rejected from. */
  forget: Rejection | null;
  /** The face changes person: prune after it (`prune`: the person it leaves, who may be left empty). */
  moved: boolean;
  prune: number[];
}

/**
 * A person moves a face to a live person by hand (`manual`). On the same person, only its source
 * changes. Otherwise cannot-link holds, the face is rejected from the person it leaves, and a
 * rejection from its new person is forgotten.
 */
export function planMoveFace(faceId: number, personId: number, person: PersonFacts | undefined, face: FaceFacts | undefined, mates: readonly PhotoMate[]): FaceChange {
  checkLivePerson(personId, person);
  if (!face) throw faceNotFound(faceId);
  if (face.personId === personId) return { source: 'manual', reject: null, forget: null, moved: false, prune: [] };
  checkCannotLink(personId, faceId, mates);
  const from = face.personId;
  return {
    source: 'manual',
    reject: from === null ? null : { faceId, personId: from },
    forget: { faceId, personId },
    moved: true,
    prune: from === null ? [] : [from],
  };
}

/**
 * A person confirms faces on a live person: each face exists and is either the person's or
 * nobody's (one of another person is moved, not confirmed); the unassigned ones join under
 * cannot-link (`mates` by face). Every face given ends `confirmed` on the person, and a rejection
 * of it from the person is forgotten.
 */
export function planConfirm(
  personId: number, faceIds: readonly number[], person: PersonFacts | undefined,
  faces: ReadonlyMap<number, FaceFacts>, mates: ReadonlyMap<number, readonly PhotoMate[]>,
): { confirm: number[]; forget: Rejection[] } {
  checkLivePerson(personId, person);
  const attach: number[] = [];
  for (const id of faceIds) {
    const f = faces.get(id);
    if (!f) throw faceNotFound(id);
    if (f.personId !== null && f.personId !== personId) {
      throw new AppError('CONFLICT', `face ${id} belongs to person ${f.personId}; move it with \`facetag people move-face ${id} ${personId}\``);
    }
    if (f.personId === null) attach.push(id);
  }
  for (const id of attach) checkCannotLink(personId, id, mates.get(id) ?? []);
  return { confirm: [...faceIds], forget: faceIds.map((faceId) => ({ faceId, personId })) };
}
