import type Database from 'better-sqlite3';
import type { Box } from '../vision/image.js';
import type { AssignSource, FaceFilter, FaceVector } from './catalog-records.js';
import { checkIndexedPhoto, faceNotFound } from './catalog-errors.js';
import { byDistance, cosineDistance } from './cosine-distance.js';
import type { FaceCatalog } from './face-catalog.js';
import { CLUSTERABLE, FACE_COLUMNS, PHOTO_SELECT, fromBlob, now, toBlob, toFace, type FaceRow, type PhotoRow } from './sqlite-rows.js';
import { writeTransaction } from './sqlite-write.js';
import type { SqliteWrites } from './sqlite-writer-tx.js';

/** The SQLite adapter's faces: boxes and embeddings, the nearest faces (an exact scan), faces drawn by hand, "not a face". */
export function sqliteFaces(db: Database.Database, writes: SqliteWrites): FaceCatalog {
  const q = {
    photo: db.prepare(`${PHOTO_SELECT} WHERE id = ?`),
    face: db.prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE id = ?`),
    insertFace: db.prepare(`INSERT INTO faces (photo_id, x, y, w, h, landmarks, det_score, quality, embedding, model, thumb_key, manual, doubtful)
      VALUES (@photoId, @x, @y, @w, @h, @landmarks, @detScore, @quality, @embedding, @model, @thumbKey, @manual, @doubtful)`),
  };
  return {
    async getFace(id) {
      const r = q.face.get(id) as FaceRow | undefined;
      return r ? toFace(r) : null;
    },
    async listFaces(filter: FaceFilter = {}) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.personId !== undefined) { where.push('person_id = ?'); args.push(filter.personId); }
      if (filter.photoId !== undefined) { where.push('photo_id = ?'); args.push(filter.photoId); }
      if (filter.unassigned) where.push('person_id IS NULL');
      if (filter.source !== undefined) { where.push('source = ?'); args.push(filter.source); }
      if (filter.minDistance !== undefined) { where.push('distance >= ?'); args.push(filter.minDistance); }
      const order = filter.order === 'distance-desc' ? 'distance DESC, id' : 'id';
      const sql = `SELECT ${FACE_COLUMNS} FROM faces ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ? OFFSET ?`;
      return (db.prepare(sql).all(...args, filter.limit ?? -1, filter.offset ?? 0) as FaceRow[]).map(toFace);
    },
    async getFaceVectors(ids) {
      if (ids.length === 0) return [];
      const rows = db.prepare(`SELECT id, photo_id, person_id, source, quality, embedding FROM faces WHERE id IN (${ids.map(() => '?').join(',')})`)
        .all(...ids) as Array<{ id: number; photo_id: number; person_id: number | null; source: AssignSource | null; quality: number; embedding: Buffer }>;
      return rows.map((r) => ({ id: r.id, photoId: r.photo_id, personId: r.person_id, source: r.source, quality: r.quality, embedding: fromBlob(r.embedding) }));
    },
    faceStates: async (ids) => writes.faceStates(ids),
    async allFaceVectors(model, page) {
      const out: FaceVector[] = [];
      for (const r of db.prepare(`SELECT id, photo_id, person_id, source, quality, embedding FROM faces f WHERE model = ? AND id > ? AND ${CLUSTERABLE} ORDER BY id LIMIT ?`)
        .iterate(model, page?.afterId ?? -1, page?.limit ?? -1) as Iterable<{
        id: number; photo_id: number; person_id: number | null; source: AssignSource | null; quality: number; embedding: Buffer;
      }>) {
        out.push({ id: r.id, photoId: r.photo_id, personId: r.person_id, source: r.source, quality: r.quality, embedding: fromBlob(r.embedding) });
      }
      return out;
    },
    async getEmbedding(faceId) {
      const r = db.prepare('SELECT embedding FROM faces WHERE id = ?').get(faceId) as { embedding: Buffer } | undefined;
      return r ? fromBlob(r.embedding) : null;
    },
    async nearestFaces(embedding, k, model) {
      // An exact scan: right for the embedded library sizes; cluster mode uses Neo4j's vector index.
      if (k <= 0) return [];
      const hits: Array<{ faceId: number; distance: number }> = [];
      for (const r of db.prepare(`SELECT id, embedding FROM faces f WHERE model = ? AND ${CLUSTERABLE}`).iterate(model) as Iterable<{ id: number; embedding: Buffer }>) {
        const v = fromBlob(r.embedding);
        if (v.length === embedding.length) hits.push({ faceId: r.id, distance: cosineDistance(embedding, v) });
      }
      return hits.sort(byDistance).slice(0, k);
    },
    async peopleInPhoto(photoId) {
      return (db.prepare('SELECT id, person_id FROM faces WHERE photo_id = ?').all(photoId) as Array<{ id: number; person_id: number | null }>)
        .map((r) => ({ faceId: r.id, personId: r.person_id }));
    },
    async addManualFace(photoId, f) {
      return writeTransaction(db, () => {
        checkIndexedPhoto(photoId, q.photo.get(photoId) as PhotoRow | undefined);
        return Number(q.insertFace.run({
          photoId, x: f.box.x, y: f.box.y, w: f.box.w, h: f.box.h, landmarks: JSON.stringify(f.landmarks),
          detScore: f.detScore, quality: f.quality, embedding: toBlob(f.embedding), model: f.model, thumbKey: f.thumbKey, manual: 1, doubtful: f.doubtful ? 1 : 0,
        }).lastInsertRowid);
      })();
    },
    async facesOfOtherModels(model, limit, photoModel) {
      const rows = db.prepare(`SELECT ${FACE_COLUMNS.split(', ').map((c) => `f.${c}`).join(', ')}, p.path AS path FROM faces f JOIN photos p ON p.id = f.photo_id
        WHERE f.model <> @model AND p.status = 'done' AND (@photoModel IS NULL OR p.model = @photoModel)
        ORDER BY f.photo_id, f.id LIMIT @limit`).all({ model, limit, photoModel: photoModel ?? null }) as Array<FaceRow & { path: string }>;
      return rows.map((r) => ({ ...toFace(r), path: r.path }));
    },
    async setFaceEmbeddings(updates) {
      const set = db.prepare('UPDATE faces SET embedding = ?, model = ?, landmarks = ?, quality = ? WHERE id = ?');
      writeTransaction(db, () => {
        for (const u of updates) set.run(toBlob(u.embedding), u.model, JSON.stringify(u.landmarks), u.quality, u.faceId);
      })();
    },
    async dismissFace(faceId) {
      return writeTransaction(db, () => {
        const f = db.prepare('SELECT id, photo_id, x, y, w, h, thumb_key, person_id FROM faces WHERE id = ?').get(faceId) as
          { id: number; photo_id: number; x: number; y: number; w: number; h: number; thumb_key: string | null; person_id: number | null } | undefined;
        if (!f) throw faceNotFound(faceId);
        db.prepare('INSERT INTO dismissals (photo_id, x, y, w, h, at) VALUES (?, ?, ?, ?, ?, ?)').run(f.photo_id, f.x, f.y, f.w, f.h, now());
        db.prepare('DELETE FROM faces WHERE id = ?').run(faceId);
        writes.prune([f.person_id]);
        return { removedThumbKeys: writes.orphaned([f.thumb_key]) };
      })();
    },
    async dismissedBoxes(path) {
      return db.prepare('SELECT d.x, d.y, d.w, d.h FROM dismissals d JOIN photos p ON p.id = d.photo_id WHERE p.path = ? ORDER BY d.id').all(path) as Box[];
    },
  };
}
