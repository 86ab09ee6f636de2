import type Database from 'better-sqlite3';
import type { MergeDetail } from './catalog-records.js';
import { dismissalPhotoMissing } from './catalog-errors.js';
import type { DumpCatalog } from './dump-catalog.js';
import { toMerge, type MergeRow } from './sqlite-rows.js';

/** The SQLite adapter's history for dumps: every merge and every dismissed box, listed and restored. */
export function sqliteDump(db: Database.Database): DumpCatalog {
  return {
    async listMerges() {
      return (db.prepare('SELECT * FROM merges ORDER BY id').all() as MergeRow[]).map((r): MergeDetail => ({
        ...toMerge(r), faces: JSON.parse(r.faces) as MergeDetail['faces'], rejections: JSON.parse(r.rejections) as number[],
        cleared: JSON.parse(r.cleared) as number[],
      }));
    },
    async listDismissals() {
      return (db.prepare('SELECT photo_id, x, y, w, h, at FROM dismissals ORDER BY id').all() as Array<{ photo_id: number; x: number; y: number; w: number; h: number; at: string }>)
        .map((d) => ({ photoId: d.photo_id, box: { x: d.x, y: d.y, w: d.w, h: d.h }, at: d.at }));
    },
    async importMerge(m) {
      return (db.prepare('INSERT INTO merges (into_id, from_id, faces, rejections, cleared, at, undone_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id')
        .get(m.intoId, m.fromId, JSON.stringify(m.faces), JSON.stringify(m.rejections), JSON.stringify(m.cleared), m.at, m.undoneAt) as { id: number }).id;
    },
    async importDismissal(d) {
      if (!db.prepare('SELECT 1 FROM photos WHERE id = ?').get(d.photoId)) throw dismissalPhotoMissing(d.photoId);
      db.prepare('INSERT INTO dismissals (photo_id, x, y, w, h, at) VALUES (?, ?, ?, ?, ?, ?)').run(d.photoId, d.box.x, d.box.y, d.box.w, d.box.h, d.at);
    },
  };
}
