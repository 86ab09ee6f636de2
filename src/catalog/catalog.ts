import type { Box, Point } from '../vision/image.js';
import type { PhotoRecord, FaceRecord, PersonRecord, MergeRecord, MergeDetail, Dismissal, PersonRestore, NewFace, PhotoResult, PhotoFailure, FaceVector, FacePage, FaceState, FaceFilter, Page, PeopleQuery, PhotoQuery, CoOccurrence, PersonPair, PhotoChain, TimelineMonth, CatalogCounts, Assignment, EventRecord, NewEvent, SuggestionStatus, SuggestionRecord, NewSuggestion, SuggestionFilter } from './catalog-records.js';
import type { WriterTx } from './writer-tx.js';

// The records are part of the port: importers may take them from here or from catalog-records.ts.
export type * from './catalog-records.js';

/**
 * The catalog port: photos, faces (with embeddings), people and every human decision.
 * The SQLite adapter is the embedded default; a Neo4j adapter serves cluster mode. Every method
 * is one transaction: it happens whole or not at all.
 */
export interface Catalog {
  getPhotoByPath(path: string): Promise<PhotoRecord | null>;
  getPhoto(id: number): Promise<PhotoRecord | null>;
  /** Stores a photo and its faces, replacing what an earlier version of the photo had. Returns the new face ids in order. */
  savePhoto(result: PhotoResult): Promise<{ photoId: number; faceIds: number[]; removedThumbKeys: string[] }>;
  recordFailure(failure: PhotoFailure): Promise<void>;
  listFailures(): Promise<PhotoRecord[]>;
  /** Removes a photo and its faces (embeddings included); returns the thumbnails no face uses any more. */
  deletePhoto(id: number): Promise<{ removedThumbKeys: string[] }>;
  listPhotos(): Promise<PhotoRecord[]>;

  getFace(id: number): Promise<FaceRecord | null>;
  listFaces(filter?: FaceFilter): Promise<FaceRecord[]>;
  getFaceVectors(ids: number[]): Promise<FaceVector[]>;
  /** The faces among `ids` that exist, without their embeddings (what clustering reads of a neighbour). */
  faceStates(ids: number[]): Promise<FaceState[]>;
  /**
   * Every face of the model with its embedding, by id, for building an in-process index; doubtful
   * faces no person decided about are left out. With `page`, one page of them (a re-cluster of a
   * million faces never holds them all as objects).
   */
  allFaceVectors(model: string, page?: FacePage): Promise<FaceVector[]>;
  getEmbedding(faceId: number): Promise<Float32Array | null>;

  /** A new person; `restore` (dump imports only) keeps the creation time, hidden flag and tombstone of the original. */
  createPerson(name?: string | null, restore?: PersonRestore): Promise<number>;
  getPerson(id: number): Promise<PersonRecord | null>;
  /**
   * The person with exactly this name (case and spaces as given), hidden ones included, merged-away
   * ones not; the oldest when several share it. For imports that name people (XMP regions).
   */
  findPersonByName(name: string): Promise<PersonRecord | null>;
  /** Live people, most faces first; `includeMerged` adds the tombstones of merges (for dumps). */
  listPeople(options?: { includeHidden?: boolean; includeMerged?: boolean }): Promise<PersonRecord[]>;
  updatePerson(id: number, patch: { name?: string | null; hidden?: boolean }): Promise<void>;
  /** Deletes a person and their faces (embeddings included); returns the face thumbnails to remove. */
  deletePerson(id: number): Promise<{ removedThumbKeys: string[]; faceIds: number[] }>;
  /** Applies assignments in one transaction; persons left without faces and never named are removed. */
  assign(assignments: Assignment[]): Promise<void>;
  /** Records that a face is not this person (NOT_OF) and unassigns it if it was. */
  reject(faceId: number, personId: number): Promise<void>;
  rejectedPeople(faceId: number): Promise<number[]>;
  /** The persons of the other faces of the faces' photos (cannot-link). */
  peopleInPhoto(photoId: number): Promise<Array<{ faceId: number; personId: number | null }>>;

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
  allRejections(): Promise<Array<{ faceId: number; personId: number }>>;
  /**
   * "Not a face": deletes a detected face (embedding and links) and remembers its box, so a
   * re-analysis of the photo drops a detection there. Returns thumbnails no face uses any more.
   */
  dismissFace(faceId: number): Promise<{ removedThumbKeys: string[] }>;
  /** The boxes dismissed on the photo at `path`. */
  dismissedBoxes(path: string): Promise<Box[]>;

  /** People, searched, sorted and paged, with the total matching. Merged-away people are never listed. */
  queryPeople(query?: PeopleQuery): Promise<Page<PersonRecord>>;
  /** Indexed photos by the people in them and the date taken, newest first, paged. */
  queryPhotos(query?: PhotoQuery): Promise<Page<PhotoRecord>>;
  /** The people who appear in the most photos together with this person, most first. */
  coOccurrences(personId: number, limit?: number): Promise<CoOccurrence[]>;
  /** The pairs of people seen together in the most photos, most first (ties by the lower ids). @default limit 20 */
  topPairs(limit?: number): Promise<PersonPair[]>;
  /**
   * The shortest chain of photos linking two people (person, photo, person, ...), at most `maxHops`
   * photos long; null when none is that short. Among equally short chains, the one with the lowest
   * ids in order (photo, then person, step by step), so every adapter gives the same answer. @default maxHops 6
   */
  photoChain(fromPersonId: number, toPersonId: number, maxHops?: number): Promise<PhotoChain | null>;
  /** A person's photos, oldest first (undated last), grouped by month, each with the other people in it. */
  personTimeline(personId: number): Promise<TimelineMonth[]>;
  /**
   * Adds a face drawn by hand to an indexed photo (`manual`), keeping its other faces; a
   * re-index of the photo keeps it too. Returns the new face id.
   */
  addManualFace(photoId: number, face: NewFace): Promise<number>;
  /**
   * Faces embedded by another model than `model` on indexed photos, with their photo's path, at
   * most `limit`: what a change of embedder leaves to embed again (faces drawn by hand, decisions
   * kept on faces the new detector missed). With `photoModel`, only on photos analysed by those
   * models (`PhotoRecord.model`): photos an index run has not analysed again keep their faces as
   * they are until it does.
   */
  facesOfOtherModels(model: string, limit: number, photoModel?: string): Promise<Array<FaceRecord & { path: string }>>;
  /** Replaces faces' embeddings (and the landmarks and quality that came with them), keeping everything else. */
  setFaceEmbeddings(updates: ReadonlyArray<{ faceId: number; embedding: Float32Array; model: string; landmarks: Point[]; quality: number }>): Promise<void>;

  /** Creates an event with its photos (PART_OF); an unknown photo id is NOT_FOUND. Returns its id. */
  createEvent(event: NewEvent): Promise<number>;
  getEvent(id: number): Promise<EventRecord | null>;
  /** Every event, latest first (by `startAt`, events without times last). */
  listEvents(): Promise<EventRecord[]>;
  /** Changes the given fields; `photoIds` replaces the membership. NOT_FOUND for an unknown event. */
  updateEvent(id: number, patch: Partial<NewEvent>): Promise<void>;
  /** Deletes the event, never its photos. */
  deleteEvent(id: number): Promise<void>;

  /** Stores a pending suggestion; returns its id. */
  addSuggestion(suggestion: NewSuggestion): Promise<number>;
  getSuggestion(id: number): Promise<SuggestionRecord | null>;
  /** Suggestions, newest first. */
  listSuggestions(filter?: SuggestionFilter): Promise<SuggestionRecord[]>;
  /**
   * Records a person's decision on a pending suggestion, with what was applied. A suggestion
   * already decided is CONFLICT (it is decided once); an unknown one NOT_FOUND.
   */
  resolveSuggestion(id: number, status: Exclude<SuggestionStatus, 'pending'>, resolution?: Record<string, unknown> | null): Promise<SuggestionRecord>;
  /**
   * The `k` faces of the model nearest to `embedding` by cosine distance, nearest first (ties by
   * face id). Faces whose embedding has another length never match.
   */
  nearestFaces(embedding: Float32Array, k: number, model: string): Promise<Array<{ faceId: number; distance: number }>>;

  /** Every merge, undone ones included, oldest first (for dumps). */
  listMerges(): Promise<MergeDetail[]>;
  /** Every dismissed box, oldest first (for dumps). */
  listDismissals(): Promise<Dismissal[]>;
  /** Restores a merge record from a dump (ids already remapped); moves no face. Returns its new id. */
  importMerge(merge: Omit<MergeDetail, 'id' | 'faceCount'>): Promise<number>;
  /** Restores a dismissed box from a dump. */
  importDismissal(dismissal: Dismissal): Promise<void>;

  /**
   * The index run's single writer: runs `work` in one transaction (everything or nothing) and
   * returns its result. Other calls on this catalog wait while it is open. A transaction the
   * server gave up on (a deadlock, a leader switch) may run `work` again from the start.
   */
  writeBatch<T>(work: (tx: WriterTx) => Promise<T>): Promise<T>;

  counts(): Promise<CatalogCounts>;
  close(): Promise<void>;
}
