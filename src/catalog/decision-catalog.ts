import type { MergeRecord, Assignment } from './catalog-records.js';

/**
 * The decisions on who a face is: assignments, rejections ("not this person"), merges and their
 * undo, splits, moves and confirmations. The rules they follow are pure functions in
 * decision-rules.ts, which both adapters call. A part of the catalog port (catalog.ts); every
 * method is one transaction.
 */
export interface DecisionCatalog {
  /** Applies assignments in one transaction; persons left without faces and never named are removed. */
  assign(assignments: Assignment[]): Promise<void>;
  /** Records that a face is not this person (NOT_OF) and unassigns it if it was. */
  reject(faceId: number, personId: number): Promise<void>;
  rejectedPeople(faceId: number): Promise<number[]>;
  allRejections(): Promise<Array<{ faceId: number; personId: number }>>;
  /**
   * Moves every face of `fromId` into `intoId` and keeps `fromId` as an undoable tombstone.
   * Refused (CONFLICT) when both have a face in the same photo.
   */
  mergePeople(intoId: number, fromId: number): Promise<MergeRecord>;
  /** Undoes a merge: the faces it moved go back (those not moved since), the person returns. */
  unmerge(mergeId: number): Promise<MergeRecord>;
  /** The latest merge not undone, into or from this person (or any person). */
  lastMerge(personId?: number): Promise<MergeRecord | null>;
  /** Moves faces of a person to a new person (confirmed there, rejected from the old one). */
  splitPerson(personId: number, faceIds: number[]): Promise<number>;
  /** A human puts a face on a person (`manual`); the face is rejected from its previous person. */
  moveFace(faceId: number, personId: number): Promise<void>;
  /** Marks faces of the person as confirmed (all its faces when `faceIds` is absent); unassigned faces given are attached. */
  confirmFaces(personId: number, faceIds?: number[]): Promise<number>;
}
