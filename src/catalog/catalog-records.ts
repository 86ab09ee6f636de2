import type { Box, Point } from '../vision/image.js';

/**
 * The records the catalog port reads and writes (photos, faces, people, decisions, events,
 * suggestions): their own module so the port's parts (catalog.ts, writer-tx.ts) share them
 * without importing each other.
 */
export type AssignSource = 'auto' | 'confirmed' | 'manual' | 'xmp';

export interface PhotoRecord {
  id: number;
  /** Where the photo is: a path for a folder source, an object key for S3. */
  path: string;
  sha256: string | null;
  size: number;
  mtimeMs: number;
  width: number | null;
  height: number | null;
  takenAt: string | null;
  gps: { lat: number; lon: number; alt?: number } | null;
  status: 'done' | 'failed';
  errorCode: string | null;
  errorMessage: string | null;
  /** The models that analysed the photo (`detector@v+embedder@v`); another model means re-analysis. */
  model: string | null;
  indexedAt: string;
  faceCount: number;
}

export interface FaceRecord {
  id: number;
  photoId: number;
  box: Box;
  landmarks: Point[];
  detScore: number;
  quality: number;
  model: string;
  personId: number | null;
  source: AssignSource | null;
  distance: number | null;
  thumbKey: string | null;
  /** Drawn by hand rather than found by the detector. */
  manual: boolean;
  /**
   * Drawn by hand where the face check saw no face (a wall, a pattern): it stays out of
   * clustering (no vector search, no re-cluster finds it) until a person puts it on someone.
   */
  doubtful: boolean;
}

export interface PersonRecord {
  id: number;
  name: string | null;
  hidden: boolean;
  faceCount: number;
  coverFaceId: number | null;
  createdAt: string;
  /** Set on a person merged into another (kept so the merge can be undone). */
  mergedInto: number | null;
}

export interface MergeRecord {
  id: number;
  intoId: number;
  fromId: number;
  /** Faces moved by the merge. */
  faceCount: number;
  at: string;
  undoneAt: string | null;
}

/** A merge with what undoing it needs: the faces it moved and the rejections from `intoId` it added and cleared. */
export interface MergeDetail extends MergeRecord {
  faces: Array<{ id: number; source: AssignSource | null; distance: number | null }>;
  /** Faces whose rejection `intoId` inherited from `fromId` (an undo drops them). */
  rejections: number[];
  /** Faces of `fromId` that were rejected from `intoId` (split off it, merged back): the merge cleared those rejections, an undo restores them. */
  cleared: number[];
}

/** A box a person said is not a face. */
export interface Dismissal {
  photoId: number;
  box: Box;
  at: string;
}

/** How a person is restored from a dump (`facetag graph import`). */
export interface PersonRestore {
  createdAt: string;
  hidden: boolean;
  /** A tombstone of a merge: the live person it was merged into, created before it. */
  mergedInto: number | null;
}

export interface NewFace {
  box: Box;
  landmarks: Point[];
  detScore: number;
  quality: number;
  embedding: Float32Array;
  model: string;
  thumbKey: string | null;
  manual?: boolean;
  /** See `FaceRecord.doubtful`. @default false */
  doubtful?: boolean;
}

export interface PhotoResult {
  path: string;
  sha256: string;
  size: number;
  mtimeMs: number;
  width: number;
  height: number;
  takenAt: string | null;
  gps: PhotoRecord['gps'];
  model: string;
  faces: NewFace[];
}

export interface PhotoFailure {
  path: string;
  sha256: string | null;
  size: number;
  mtimeMs: number;
  code: string;
  message: string;
}

/** A page of faces in id order: those with an id over `afterId` (from the first when absent), at most `limit`. */
export interface FacePage {
  afterId?: number;
  limit: number;
}

/** What a vector search or the clusterer needs to know of a face. */
export interface FaceVector {
  id: number;
  photoId: number;
  personId: number | null;
  source: AssignSource | null;
  quality: number;
  embedding: Float32Array;
}

/** What clustering needs of a face it may vote with or join: no embedding. */
export interface FaceState {
  id: number;
  photoId: number;
  personId: number | null;
  source: AssignSource | null;
  quality: number;
}

export interface FaceFilter {
  personId?: number;
  photoId?: number;
  unassigned?: boolean;
  /** Only faces assigned this way (`auto`: by the machine). */
  source?: AssignSource;
  /** Only faces at least this far (cosine distance) from their person: the least certain. */
  minDistance?: number;
  /** @default 'id' */
  order?: 'id' | 'distance-desc';
  limit?: number;
  offset?: number;
}

/** One page of a longer list, with the length of the whole list. */
export interface Page<T> {
  items: T[];
  total: number;
}

export interface PeopleQuery {
  /** Part of the name (case-insensitive for ASCII), or a person id. */
  search?: string;
  /** `faces`: most faces first; `name`: A to Z, unnamed last; `newest`: latest created first. @default 'faces' */
  sort?: 'faces' | 'name' | 'newest';
  /** Unnamed people before named ones, whatever the sort. @default false */
  unnamedFirst?: boolean;
  /** @default 'exclude' */
  hidden?: 'exclude' | 'include' | 'only';
  /** @default 50 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

export interface PhotoQuery {
  /** People the photos show; none given means every photo. */
  people?: number[];
  /**
   * `all`: each of the people is in the photo; `any`: at least one is; `only`: each is, and no
   * other person is (faces not in any person are unknown, not counted as another person).
   * @default 'all'
   */
  mode?: 'all' | 'any' | 'only';
  /** Taken on or after this ISO date (`2024-06-01`) or date-time. */
  takenFrom?: string;
  /** Taken on or before this ISO date or date-time (a date includes that whole day). */
  takenTo?: string;
  /** @default 50 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

/** Another person seen in the same photos as a person. */
export interface CoOccurrence {
  personId: number;
  name: string | null;
  /** Photos where both appear. */
  photos: number;
}

/** A person as graph answers name them. */
export interface PersonRef {
  personId: number;
  name: string | null;
}

/** Two people and the photos they appear in together. */
export interface PersonPair {
  a: PersonRef;
  b: PersonRef;
  photos: number;
}

export interface PhotoRef {
  photoId: number;
  path: string;
  takenAt: string | null;
}

/** The fewest photos linking two people: `photos[i]` shows `people[i]` and `people[i + 1]`. */
export interface PhotoChain {
  people: PersonRef[];
  photos: PhotoRef[];
}

/** One month of a person's photos (`month` is `YYYY-MM`, null for undated photos), with who else is in each. */
export interface TimelineMonth {
  month: string | null;
  photos: Array<PhotoRef & { with: PersonRef[] }>;
}

export interface CatalogCounts {
  photos: number;
  photosFailed: number;
  faces: number;
  people: number;
  unassigned: number;
}

export interface Assignment {
  faceId: number;
  personId: number | null;
  source: AssignSource | null;
  distance: number | null;
}

/** A group of photos that belong together (a birthday, a trip): `(:Photo)-[:PART_OF]->(:Event)`. */
export interface EventRecord {
  id: number;
  title: string;
  /** A free word such as `birthday`, `trip`, `wedding`; null when not known. */
  type: string | null;
  /** Where it happened, as a person would say it ("Lisbon"); null when not known. */
  placeName: string | null;
  /** Member photos, ascending id. */
  photoIds: number[];
  /** Earliest and latest time taken of the member photos (null when none has a time). */
  startAt: string | null;
  endAt: string | null;
  createdAt: string;
}

export interface NewEvent {
  title: string;
  type?: string | null;
  placeName?: string | null;
  photoIds: number[];
}

/** What a suggestion proposes: an event, a person's name, a caption. */
export type SuggestionKind = 'event' | 'name' | 'caption';
/** `edited`: accepted after a person changed it. */
export type SuggestionStatus = 'pending' | 'accepted' | 'rejected' | 'edited';

/**
 * A proposal from the LLM (or a deterministic step) that waits for a person. Nothing in it
 * is a fact until a person accepts it; `resolution` is what was then applied.
 */
export interface SuggestionRecord {
  id: number;
  kind: SuggestionKind;
  /** What it is about, as a key for de-duplication: `person:12`, `photos:3,4,5`. */
  subject: string;
  payload: Record<string, unknown>;
  /** The evidence quoted to the person (and the model's own quotes). */
  evidence: string[];
  /** The model that wrote it; null for a deterministic suggestion. */
  model: string | null;
  status: SuggestionStatus;
  resolution: Record<string, unknown> | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface NewSuggestion {
  kind: SuggestionKind;
  subject: string;
  payload: Record<string, unknown>;
  evidence: string[];
  model: string | null;
}

export interface SuggestionFilter {
  kind?: SuggestionKind;
  status?: SuggestionStatus;
  subject?: string;
  /** @default 100 */
  limit?: number;
}
