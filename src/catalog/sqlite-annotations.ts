import type Database from 'better-sqlite3';
import { checkEventPhotos, checkUndecided, eventTitle } from './annotation-rules.js';
import { eventNotFound } from './catalog-errors.js';
import type { AnnotationCatalog } from './annotation-catalog.js';
import type { EventRecord, SuggestionFilter, SuggestionKind, SuggestionRecord, SuggestionStatus } from './catalog.js';
import { now } from './sqlite-rows.js';
import { writeTransaction } from './sqlite-write.js';

interface EventRow { id: number; title: string; type: string | null; place_name: string | null; created_at: string; photo_ids: string | null; start_at: string | null; end_at: string | null }
interface SuggestionRow {
  id: number; kind: SuggestionKind; subject: string; payload: string; evidence: string; model: string | null;
  status: SuggestionStatus; resolution: string | null; created_at: string; resolved_at: string | null;
}

const EVENT_SELECT = `SELECT e.id, e.title, e.type, e.place_name, e.created_at,
    (SELECT group_concat(photo_id) FROM (SELECT photo_id FROM event_photos WHERE event_id = e.id ORDER BY photo_id)) AS photo_ids,
    (SELECT min(p.taken_at) FROM event_photos ep JOIN photos p ON p.id = ep.photo_id WHERE ep.event_id = e.id) AS start_at,
    (SELECT max(p.taken_at) FROM event_photos ep JOIN photos p ON p.id = ep.photo_id WHERE ep.event_id = e.id) AS end_at
  FROM events e`;

const toEvent = (r: EventRow): EventRecord => ({
  id: r.id, title: r.title, type: r.type, placeName: r.place_name,
  photoIds: r.photo_ids ? r.photo_ids.split(',').map(Number) : [], startAt: r.start_at, endAt: r.end_at, createdAt: r.created_at,
});

const toSuggestion = (r: SuggestionRow): SuggestionRecord => ({
  id: r.id, kind: r.kind, subject: r.subject, payload: JSON.parse(r.payload), evidence: JSON.parse(r.evidence), model: r.model,
  status: r.status, resolution: r.resolution === null ? null : JSON.parse(r.resolution), createdAt: r.created_at, resolvedAt: r.resolved_at,
});

/** The SQLite adapter's events and suggestions (migration 5). */
export function sqliteAnnotations(db: Database.Database): AnnotationCatalog {
  const event = db.prepare(`${EVENT_SELECT} WHERE e.id = ?`);
  const suggestion = db.prepare('SELECT * FROM suggestions WHERE id = ?');
  const addMember = db.prepare('INSERT OR IGNORE INTO event_photos (event_id, photo_id) VALUES (?, ?)');
  const photoExists = db.prepare("SELECT 1 FROM photos WHERE id = ? AND status = 'done'").pluck();

  const setMembers = (eventId: number, photoIds: number[]) => {
    db.prepare('DELETE FROM event_photos WHERE event_id = ?').run(eventId);
    checkEventPhotos(photoIds, new Set(photoIds.filter((p) => photoExists.get(p))));
    for (const p of photoIds) addMember.run(eventId, p);
  };

  return {
    async createEvent(e) {
      return writeTransaction(db, () => {
        const id = Number(db.prepare('INSERT INTO events (title, type, place_name, created_at) VALUES (?, ?, ?, ?)')
          .run(eventTitle(e.title), e.type ?? null, e.placeName ?? null, now()).lastInsertRowid);
        setMembers(id, e.photoIds);
        return id;
      })();
    },
    async getEvent(id) {
      const r = event.get(id) as EventRow | undefined;
      return r ? toEvent(r) : null;
    },
    async listEvents() {
      return (db.prepare(`${EVENT_SELECT} ORDER BY start_at IS NULL, start_at DESC, e.id DESC`).all() as EventRow[]).map(toEvent);
    },
    async updateEvent(id, patch) {
      writeTransaction(db, () => {
        if (!event.get(id)) throw eventNotFound(id);
        if (patch.title !== undefined) db.prepare('UPDATE events SET title = ? WHERE id = ?').run(eventTitle(patch.title), id);
        if (patch.type !== undefined) db.prepare('UPDATE events SET type = ? WHERE id = ?').run(patch.type, id);
        if (patch.placeName !== undefined) db.prepare('UPDATE events SET place_name = ? WHERE id = ?').run(patch.placeName, id);
        if (patch.photoIds !== undefined) setMembers(id, patch.photoIds);
      })();
    },
    async deleteEvent(id) {
      const r = db.prepare('DELETE FROM events WHERE id = ?').run(id);
      if (r.changes === 0) throw eventNotFound(id);
    },

    async addSuggestion(s) {
      return Number(db.prepare('INSERT INTO suggestions (kind, subject, payload, evidence, model, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(s.kind, s.subject, JSON.stringify(s.payload), JSON.stringify(s.evidence), s.model, now()).lastInsertRowid);
    },
    async getSuggestion(id) {
      const r = suggestion.get(id) as SuggestionRow | undefined;
      return r ? toSuggestion(r) : null;
    },
    async listSuggestions(filter: SuggestionFilter = {}) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.kind) { where.push('kind = ?'); args.push(filter.kind); }
      if (filter.status) { where.push('status = ?'); args.push(filter.status); }
      if (filter.subject) { where.push('subject = ?'); args.push(filter.subject); }
      const sql = `SELECT * FROM suggestions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (db.prepare(sql).all(...args, filter.limit ?? 100) as SuggestionRow[]).map(toSuggestion);
    },
    async resolveSuggestion(id, status, resolution = null) {
      return writeTransaction(db, () => {
        const r = suggestion.get(id) as SuggestionRow | undefined;
        checkUndecided(id, r && { status: r.status, resolvedAt: r.resolved_at });
        db.prepare('UPDATE suggestions SET status = ?, resolution = ?, resolved_at = ? WHERE id = ?')
          .run(status, resolution === null ? null : JSON.stringify(resolution), now(), id);
        return toSuggestion(suggestion.get(id) as SuggestionRow);
      })();
    },
  };
}
