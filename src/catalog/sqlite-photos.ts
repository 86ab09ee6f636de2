import type Database from 'better-sqlite3';
import { resolvePhotoQuery } from './page-queries.js';
import type { PhotoCatalog } from './photo-catalog.js';
import { PHOTO_SELECT, toPhoto, type PhotoRow } from './sqlite-rows.js';
import { writeTransaction } from './sqlite-write.js';
import type { SqliteWrites } from './sqlite-writer-tx.js';

/** The SQLite adapter's photos: saved, failed, deleted, listed and searched by people and date. */
export function sqlitePhotos(db: Database.Database, writes: SqliteWrites): PhotoCatalog {
  const q = {
    photoByPath: db.prepare(`${PHOTO_SELECT} WHERE path = ?`),
    photo: db.prepare(`${PHOTO_SELECT} WHERE id = ?`),
    thumbsOfPhoto: db.prepare('SELECT thumb_key FROM faces WHERE photo_id = ? AND thumb_key IS NOT NULL'),
    peopleOfPhoto: db.prepare('SELECT DISTINCT person_id FROM faces WHERE photo_id = ? AND person_id IS NOT NULL').pluck(),
  };
  return {
    async getPhotoByPath(path) {
      const r = q.photoByPath.get(path) as PhotoRow | undefined;
      return r ? toPhoto(r) : null;
    },
    async getPhoto(id) {
      const r = q.photo.get(id) as PhotoRow | undefined;
      return r ? toPhoto(r) : null;
    },
    async savePhoto(result) {
      return writeTransaction(db, () => {
        const saved = writes.savePhoto(result);
        writes.prune(saved.touched);
        return { photoId: saved.photoId, faceIds: saved.faceIds, removedThumbKeys: saved.removedThumbKeys };
      })();
    },
    async recordFailure(f) {
      writeTransaction(db, () => {
        writes.prune(writes.recordFailure(f).touched);
      })();
    },
    async listFailures() {
      return (db.prepare(`${PHOTO_SELECT} WHERE status = 'failed' ORDER BY path`).all() as PhotoRow[]).map(toPhoto);
    },
    async deletePhoto(id) {
      return writeTransaction(db, () => {
        const thumbs = (q.thumbsOfPhoto.all(id) as Array<{ thumb_key: string }>).map((r) => r.thumb_key);
        const touched = q.peopleOfPhoto.all(id) as number[];
        db.prepare('DELETE FROM photos WHERE id = ?').run(id);
        writes.prune(touched);
        return { removedThumbKeys: writes.orphaned(thumbs) };
      })();
    },
    async listPhotos() {
      return (db.prepare(`${PHOTO_SELECT} ORDER BY path`).all() as PhotoRow[]).map(toPhoto);
    },
    async queryPhotos(asked) {
      const query = resolvePhotoQuery(asked);
      const where = ["p.status = 'done'"];
      const args: unknown[] = [];
      const { people, mode } = query;
      if (people.length > 0) {
        const list = people.map(() => '?').join(', ');
        where.push(`p.id IN (SELECT photo_id FROM faces WHERE person_id IN (${list}) GROUP BY photo_id
          ${mode === 'any' ? '' : 'HAVING count(DISTINCT person_id) = ?'})`);
        args.push(...people, ...(mode === 'any' ? [] : [people.length]));
        if (mode === 'only') {
          where.push(`NOT EXISTS (SELECT 1 FROM faces o WHERE o.photo_id = p.id AND o.person_id IS NOT NULL AND o.person_id NOT IN (${list}))`);
          args.push(...people);
        }
      }
      if (query.takenFrom) { where.push('p.taken_at >= ?'); args.push(query.takenFrom); }
      if (query.takenTo) { where.push('substr(p.taken_at, 1, ?) <= ?'); args.push(query.takenTo.length, query.takenTo); }
      const filter = where.join(' AND ');
      const total = (db.prepare(`SELECT count(*) AS n FROM photos p WHERE ${filter}`).get(...args) as { n: number }).n;
      const rows = db.prepare(`${PHOTO_SELECT} WHERE ${filter} ORDER BY p.taken_at IS NULL, p.taken_at DESC, p.id DESC LIMIT ? OFFSET ?`)
        .all(...args, query.limit, query.offset) as PhotoRow[];
      return { total, items: rows.map(toPhoto) };
    },
  };
}
