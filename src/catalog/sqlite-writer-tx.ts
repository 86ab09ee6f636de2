import type Database from 'better-sqlite3';
import type { Box } from '../vision/image.js';
import { planFaceSave, type PriorFaceState } from './face-continuity.js';
import type { AssignSource, Assignment, FaceState, FaceVector, PhotoFailure, PhotoResult } from './catalog.js';
import { assignedSource, type PersonFacts, type PhotoMate } from './decision-rules.js';
import { sqlitePrune } from './sqlite-prune.js';
import { PHOTO_SELECT, fromBlob, now, toBlob, toPhoto, type PhotoRow } from './sqlite-rows.js';
import type { ExistingPhoto, SavedPhoto, TouchedPeople, WriterTx } from './writer-tx.js';

/** An earlier face that a re-index replaces: where it was and what a person decided about it. */
interface OldFace extends Box {
  id: number;
  photo_id: number;
  quality: number;
  person_id: number | null;
  source: AssignSource | null;
  manual: number;
  rejected: string;
}

type StateRow = { id: number; photo_id: number; person_id: number | null; source: AssignSource | null; quality: number };
const toPrior = (f: OldFace): PriorFaceState => ({
  id: f.id, photoId: f.photo_id, quality: f.quality, box: { x: f.x, y: f.y, w: f.w, h: f.h }, personId: f.person_id, source: f.source,
  manual: f.manual === 1, rejected: (JSON.parse(f.rejected) as Array<number | null>).filter((p): p is number => p !== null),
});
const toState = (r: StateRow): FaceState => ({ id: r.id, photoId: r.photo_id, personId: r.person_id, source: r.source, quality: r.quality });

/**
 * The writes of the SQLite catalog that the single writer batches, as synchronous steps (each
 * runs inside the caller's transaction): `savePhoto` and `recordFailure` of the port use them
 * one photo at a time, `writeBatch` many at once.
 */
export function sqliteWrites(db: Database.Database) {
  const q = {
    photoByPath: db.prepare(`${PHOTO_SELECT} WHERE path = ?`),
    oldFaces: db.prepare(`SELECT f.id, f.photo_id, f.quality, f.x, f.y, f.w, f.h, f.person_id, f.source, f.manual,
        (SELECT json_group_array(r.person_id) FROM rejections r WHERE r.face_id = f.id) AS rejected
      FROM faces f WHERE f.photo_id = ?`),
    thumbsOfPhoto: db.prepare('SELECT thumb_key FROM faces WHERE photo_id = ? AND thumb_key IS NOT NULL'),
    thumbUsers: db.prepare('SELECT count(*) AS n FROM faces WHERE thumb_key = ?'),
    deleteFace: db.prepare('DELETE FROM faces WHERE id = ?'),
    updateFace: db.prepare(`UPDATE faces SET x = @x, y = @y, w = @w, h = @h, landmarks = @landmarks, det_score = @detScore, quality = @quality,
      embedding = @embedding, model = @model, thumb_key = @thumbKey, doubtful = @doubtful WHERE id = @id`),
    deleteAllFaces: db.prepare('DELETE FROM faces WHERE photo_id = ?'),
    insertFace: db.prepare(`INSERT INTO faces (photo_id, x, y, w, h, landmarks, det_score, quality, embedding, model, thumb_key, manual, doubtful)
      VALUES (@photoId, @x, @y, @w, @h, @landmarks, @detScore, @quality, @embedding, @model, @thumbKey, @manual, @doubtful)`),
    upsertPhoto: db.prepare(`INSERT INTO photos (path, sha256, size, mtime_ms, width, height, taken_at, gps_lat, gps_lon, gps_alt, status, error_code, error_message, model, indexed_at)
      VALUES (@path, @sha256, @size, @mtimeMs, @width, @height, @takenAt, @lat, @lon, @alt, @status, @errorCode, @errorMessage, @model, @indexedAt)
      ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, mtime_ms = excluded.mtime_ms,
        width = excluded.width, height = excluded.height, taken_at = excluded.taken_at, gps_lat = excluded.gps_lat,
        gps_lon = excluded.gps_lon, gps_alt = excluded.gps_alt, status = excluded.status, error_code = excluded.error_code,
        error_message = excluded.error_message, model = excluded.model, indexed_at = excluded.indexed_at
      RETURNING id`),
    setFace: db.prepare('UPDATE faces SET person_id = ?, source = ?, distance = ?, assigned_at = ? WHERE id = ?'),
    reject: db.prepare('INSERT OR IGNORE INTO rejections (face_id, person_id, at) VALUES (?, ?, ?)'),
    faceStates: db.prepare('SELECT id, photo_id, person_id, source, quality FROM faces WHERE id IN (SELECT value FROM json_each(?))'),
  };

  const prune = sqlitePrune(db);

  /** Thumbnails that no face points at any more, among `keys`. */
  const orphaned = (keys: Array<string | null>) =>
    [...new Set(keys.filter((k): k is string => !!k))].filter((k) => (q.thumbUsers.get(k) as { n: number }).n === 0);

  const touchedBy = (faces: OldFace[]) => [...new Set(faces.flatMap((f) => (f.person_id === null ? [] : [f.person_id])))];

  function savePhoto(result: PhotoResult): SavedPhoto {
    const existing = q.photoByPath.get(result.path) as PhotoRow | undefined;
    const oldThumbs = existing ? (q.thumbsOfPhoto.all(existing.id) as Array<{ thumb_key: string }>).map((r) => r.thumb_key) : [];
    // The new faces in the places of the old ones take them over (same ids, decisions kept); see face-continuity.ts.
    const prior = existing ? (q.oldFaces.all(existing.id) as OldFace[]).map(toPrior) : [];
    const plan = planFaceSave(prior, result.faces, existing?.sha256 === result.sha256);
    for (const id of plan.drop) q.deleteFace.run(id);
    const { id: photoId } = q.upsertPhoto.get({
      path: result.path, sha256: result.sha256, size: result.size, mtimeMs: result.mtimeMs, width: result.width,
      height: result.height, takenAt: result.takenAt, lat: result.gps?.lat ?? null, lon: result.gps?.lon ?? null,
      alt: result.gps?.alt ?? null, status: 'done', errorCode: null, errorMessage: null, model: result.model, indexedAt: now(),
    }) as { id: number };
    for (const id of plan.unassign) q.setFace.run(null, null, null, null, id);
    const faceIds = result.faces.map((f, k) => {
      const row = {
        x: f.box.x, y: f.box.y, w: f.box.w, h: f.box.h, landmarks: JSON.stringify(f.landmarks), detScore: f.detScore, quality: f.quality,
        embedding: toBlob(f.embedding), model: f.model, thumbKey: f.thumbKey, doubtful: f.doubtful ? 1 : 0,
      };
      const continued = plan.continues[k];
      if (continued !== null && continued !== undefined) {
        q.updateFace.run({ ...row, id: continued });
        return continued;
      }
      return Number(q.insertFace.run({ ...row, photoId, manual: f.manual ? 1 : 0 }).lastInsertRowid);
    });
    return {
      photoId, faceIds, faces: plan.faces, kept: plan.kept, removed: plan.removed, removedThumbKeys: orphaned(oldThumbs), touched: plan.touched,
    };
  }

  function recordFailure(f: PhotoFailure): TouchedPeople {
    const existing = q.photoByPath.get(f.path) as PhotoRow | undefined;
    const old = existing ? (q.oldFaces.all(existing.id) as OldFace[]) : [];
    if (existing) q.deleteAllFaces.run(existing.id);
    q.upsertPhoto.get({
      path: f.path, sha256: f.sha256, size: f.size, mtimeMs: f.mtimeMs, width: null, height: null, takenAt: null,
      lat: null, lon: null, alt: null, status: 'failed', errorCode: f.code, errorMessage: f.message, model: null, indexedAt: now(),
    });
    return { touched: touchedBy(old) };
  }

  function assign(assignments: Assignment[]) {
    const at = now();
    for (const a of assignments) {
      q.setFace.run(a.personId, assignedSource(a), a.distance, a.personId === null ? null : at, a.faceId);
    }
  }

  const inList = (n: number) => Array.from({ length: n }, () => '?').join(',');
  /** Runs `fn` over `ids` in chunks (SQLite limits bound parameters). */
  const chunked = <T>(ids: number[], fn: (chunk: number[]) => T[]): T[] => {
    const out: T[] = [];
    for (let i = 0; i < ids.length; i += 500) out.push(...fn(ids.slice(i, i + 500)));
    return out;
  };

  const faceStates = (ids: number[]) => (ids.length === 0 ? [] : (q.faceStates.all(JSON.stringify(ids)) as StateRow[]).map(toState));

  /** The batch transaction's view: synchronous SQLite under async signatures. */
  const tx: WriterTx = {
    remote: false,
    async existingPhotos(paths) {
      const out = new Map<string, ExistingPhoto>();
      const dismissed = db.prepare('SELECT x, y, w, h FROM dismissals WHERE photo_id = ? ORDER BY id');
      const manual = db.prepare('SELECT id, x, y, w, h FROM faces WHERE photo_id = ? AND manual = 1 ORDER BY id');
      for (const path of paths) {
        const r = q.photoByPath.get(path) as PhotoRow | undefined;
        if (!r) continue;
        out.set(path, {
          record: toPhoto(r),
          dismissed: dismissed.all(r.id) as Box[],
          manual: (manual.all(r.id) as Array<Box & { id: number }>).map(({ id, ...box }) => ({ id, box })),
        });
      }
      return out;
    },
    savePhotos: async (results) => results.map(savePhoto),
    async recordFailures(failures) {
      return { touched: [...new Set(failures.flatMap((f) => recordFailure(f).touched))] };
    },
    faceStates: async (ids) => faceStates(ids),
    async faceVectors(ids) {
      return chunked(ids, (c) => (db.prepare(`SELECT id, photo_id, person_id, source, quality, embedding FROM faces WHERE id IN (${inList(c.length)})`)
        .all(...c) as Array<StateRow & { embedding: Buffer }>).map((r): FaceVector => ({ ...toState(r), embedding: fromBlob(r.embedding) })));
    },
    async facesOfPhotos(photoIds) {
      return chunked(photoIds, (c) =>
        (db.prepare(`SELECT id, photo_id, person_id, source, quality FROM faces WHERE photo_id IN (${inList(c.length)}) ORDER BY id`).all(...c) as StateRow[]).map(toState));
    },
    async rejectedPeople(faceIds) {
      const out = new Map<number, number[]>();
      for (const r of chunked(faceIds, (c) => db.prepare(`SELECT face_id, person_id FROM rejections WHERE face_id IN (${inList(c.length)}) ORDER BY person_id`)
        .all(...c) as Array<{ face_id: number; person_id: number }>)) {
        out.set(r.face_id, [...(out.get(r.face_id) ?? []), r.person_id]);
      }
      return out;
    },
    async peopleByName(names) {
      const find = db.prepare('SELECT id FROM people WHERE name = ? AND merged_into IS NULL ORDER BY id LIMIT 1').pluck();
      const out = new Map<string, number>();
      for (const name of new Set(names)) {
        const id = find.get(name) as number | undefined;
        if (id !== undefined) out.set(name, id);
      }
      return out;
    },
    async createPeople(names) {
      const insert = db.prepare('INSERT INTO people (name, created_at) VALUES (?, ?) RETURNING id').pluck();
      const at = now();
      return names.map((name) => insert.get(name, at) as number);
    },
    assign: async (assignments) => assign(assignments),
    prune: async (touched, options = {}) => prune(touched, options.stale ?? false),
  };

  const person = db.prepare('SELECT merged_into FROM people WHERE id = ?');
  /** A person as decision-rules.ts reads it (undefined: none). */
  const personFacts = (id: number): PersonFacts | undefined => {
    const r = person.get(id) as { merged_into: number | null } | undefined;
    return r && { mergedInto: r.merged_into };
  };
  const mates = db.prepare(`SELECT b.id AS faceId, b.photo_id AS photoId, b.person_id AS personId FROM faces a
    JOIN faces b ON b.photo_id = a.photo_id AND b.id <> a.id WHERE a.id = ? ORDER BY b.id`);
  /** The other faces of a face's photo, for cannot-link. */
  const photoMates = (faceId: number) => mates.all(faceId) as PhotoMate[];

  return { savePhoto, recordFailure, assign, faceStates, orphaned, personFacts, photoMates, prune, tx };
}

/** The SQLite catalog's shared writes, which its per-concern files (sqlite-photos.ts, ...) call inside their transactions. */
export type SqliteWrites = ReturnType<typeof sqliteWrites>;
