import type { Box } from '../vision/image.js';
import type { AssignSource, Assignment, FaceState, FaceVector, PhotoFailure, PhotoRecord, PhotoResult } from './catalog-records.js';

/** The index run's single writer's entry to the catalog port (see `WriterTx`). */
export interface WriterCatalog {
  /**
   * The index run's single writer: runs `work` in one transaction (everything or nothing) and
   * returns its result. Other calls on this catalog wait while it is open. A transaction the
   * server gave up on (a deadlock, a leader switch) may run `work` again from the start.
   */
  writeBatch<T>(work: (tx: WriterTx) => Promise<T>): Promise<T>;
}

/**
 * The single writer's side of the catalog port: what one batch of an index run reads and writes
 * inside one transaction (`WriterCatalog.writeBatch`). Each call does its part for many photos or faces
 * at once, so a batch costs a handful of statements (parameterised UNWIND on Neo4j), whatever its
 * size. Nothing here prunes empty people on its own: the writer calls `prune` once, at the end.
 */
export interface WriterTx {
  /**
   * Reads cost a round trip to a server (Neo4j): the writer then reads what a batch needs up
   * front, in one statement, rather than photo by photo as it goes (free on SQLite).
   */
  readonly remote: boolean;
  /** What the catalog holds for these paths (absent paths are not in the map). */
  existingPhotos(paths: string[]): Promise<Map<string, ExistingPhoto>>;
  /**
   * Saves photos in the order given, each exactly as `Catalog.savePhoto` does (a new face in the
   * place of an earlier one takes it over, id and decisions; hand-drawn faces kept; see
   * face-continuity.ts), but without pruning.
   */
  savePhotos(results: PhotoResult[]): Promise<SavedPhoto[]>;
  /** Records failures as `Catalog.recordFailure` does, without pruning. */
  recordFailures(failures: PhotoFailure[]): Promise<TouchedPeople>;
  faceStates(ids: number[]): Promise<FaceState[]>;
  faceVectors(ids: number[]): Promise<FaceVector[]>;
  /** Every face of these photos. */
  facesOfPhotos(photoIds: number[]): Promise<FaceState[]>;
  /** The people each face was rejected from (faces with none are absent). */
  rejectedPeople(faceIds: number[]): Promise<Map<number, number[]>>;
  /** For each name, the person `Catalog.findPersonByName` finds (names with none are absent). */
  peopleByName(names: string[]): Promise<Map<string, number>>;
  /** New people, in order; returns their ids, in the same order. */
  createPeople(names: Array<string | null>): Promise<number[]>;
  /** Applies assignments in order (a face given twice ends on the last), without pruning. */
  assign(assignments: Assignment[]): Promise<void>;
  /**
   * Removes the people among `touched` left empty; with `stale`, also the empty people past the
   * grace, as `Catalog.assign` does (people a crashed writer created and never used). The rule is
   * prune-rules.ts.
   */
  prune(touched: number[], options?: { stale?: boolean }): Promise<void>;
}

/** A photo the catalog holds, with what a re-index of it must respect. */
export interface ExistingPhoto {
  record: PhotoRecord;
  /** Boxes a person dismissed as "not a face": a detection there is dropped. */
  dismissed: Box[];
  /** Faces drawn by hand or added from XMP regions: a re-index keeps them. */
  manual: Array<{ id: number; box: Box }>;
}

/** People whose faces a call removed or moved away (candidates for pruning). */
export interface TouchedPeople {
  touched: number[];
}

export interface SavedPhoto extends TouchedPeople {
  photoId: number;
  /** Ids of the result's faces, in order. */
  faceIds: number[];
  /** Faces of the earlier version that were deleted or taken over by a new face (same id), as they were just before. */
  removed: FaceState[];
  /**
   * Faces of the earlier version that stay as they were though no new face is in their place: a
   * decision a person made on a face the new models miss (same pixels). Drawn faces are not listed
   * (they are in `ExistingPhoto.manual`).
   */
  kept: number[];
  /** Thumbnails that no face uses any more. */
  removedThumbKeys: string[];
  /** Each new face as saved: a human decision carried over from the earlier version, and its rejections. */
  faces: Array<{ personId: number | null; source: AssignSource | null; rejected: number[] }>;
}
