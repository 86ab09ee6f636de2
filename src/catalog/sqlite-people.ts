import type Database from 'better-sqlite3';
import { personNotFound } from './catalog-errors.js';
import { checkLivePerson } from './decision-rules.js';
import { resolvePeopleQuery } from './page-queries.js';
import type { PeopleCatalog } from './people-catalog.js';
import { PERSON_SELECT, now, toPerson, type PersonRow } from './sqlite-rows.js';
import { writeTransaction } from './sqlite-write.js';
import type { SqliteWrites } from './sqlite-writer-tx.js';

/** The SQLite adapter's people: created (or restored from a dump), named, hidden, found, listed and deleted. */
export function sqlitePeople(db: Database.Database, writes: SqliteWrites): PeopleCatalog {
  const q = {
    person: db.prepare(`${PERSON_SELECT} WHERE p.id = ?`),
    insertPerson: db.prepare('INSERT INTO people (name, created_at) VALUES (?, ?) RETURNING id'),
  };
  return {
    async createPerson(name = null, restore) {
      return writeTransaction(db, () => {
        if (restore?.mergedInto != null) checkLivePerson(restore.mergedInto, writes.personFacts(restore.mergedInto));
        const id = (q.insertPerson.get(name, restore?.createdAt ?? now()) as { id: number }).id;
        if (restore) db.prepare('UPDATE people SET hidden = ?, merged_into = ? WHERE id = ?').run(restore.hidden ? 1 : 0, restore.mergedInto, id);
        return id;
      })();
    },
    async getPerson(id) {
      const r = q.person.get(id) as PersonRow | undefined;
      return r ? toPerson(r) : null;
    },
    async findPersonByName(name) {
      const r = db.prepare(`${PERSON_SELECT} WHERE p.name = ? AND p.merged_into IS NULL ORDER BY p.id LIMIT 1`).get(name) as PersonRow | undefined;
      return r ? toPerson(r) : null;
    },
    async listPeople(options = {}) {
      const sql = `${PERSON_SELECT} WHERE ${options.includeMerged ? '1' : 'p.merged_into IS NULL'} ${options.includeHidden ? '' : 'AND p.hidden = 0'} ORDER BY face_count DESC, p.id`;
      return (db.prepare(sql).all() as PersonRow[]).map(toPerson);
    },
    async queryPeople(asked) {
      const query = resolvePeopleQuery(asked);
      const where = ['p.merged_into IS NULL'];
      const args: unknown[] = [];
      if (query.hidden === 'exclude') where.push('p.hidden = 0');
      if (query.hidden === 'only') where.push('p.hidden = 1');
      const { search } = query;
      if (search !== null) {
        where.push("(p.name LIKE ? ESCAPE '\\' OR p.id = ?)");
        args.push(`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, query.searchId ?? -1);
      }
      const order = [
        ...(query.unnamedFirst ? ['(p.name IS NOT NULL)'] : []),
        ...({ faces: ['face_count DESC'], name: ['(p.name IS NULL)', 'p.name COLLATE NOCASE'], newest: ['p.created_at DESC', 'p.id DESC'] }[query.sort]),
        'p.id',
      ];
      const filter = where.join(' AND ');
      const total = (db.prepare(`SELECT count(*) AS n FROM people p WHERE ${filter}`).get(...args) as { n: number }).n;
      // Sorted by face count: the counts of every person, from one scan of the person index.
      // Otherwise the page is picked first and only its people are counted.
      const byFaces = query.sort === 'faces';
      const rows = (byFaces
        ? db.prepare(`WITH counts AS (SELECT person_id, count(*) AS n FROM faces WHERE person_id IS NOT NULL GROUP BY person_id)
            SELECT p.id, p.name, p.hidden, p.created_at, p.merged_into, coalesce(c.n, 0) AS face_count
            FROM people p LEFT JOIN counts c ON c.person_id = p.id WHERE ${filter} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`)
        : db.prepare(`SELECT p.id, p.name, p.hidden, p.created_at, p.merged_into, 0 AS face_count
            FROM people p WHERE ${filter} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`))
        .all(...args, query.limit, query.offset) as Array<Omit<PersonRow, 'cover_face_id'>>;
      if (!byFaces) {
        const count = db.prepare('SELECT count(*) FROM faces WHERE person_id = ?').pluck();
        for (const r of rows) r.face_count = count.get(r.id) as number;
      }
      const cover = db.prepare(`SELECT f.id FROM faces f WHERE f.person_id = ?
        ORDER BY (f.source IN ('confirmed', 'manual', 'xmp')) DESC, f.quality DESC, f.id LIMIT 1`).pluck();
      return { total, items: rows.map((r) => toPerson({ ...r, cover_face_id: (cover.get(r.id) as number | undefined) ?? null })) };
    },
    async updatePerson(id, patch) {
      const r = db.prepare('UPDATE people SET name = coalesce(?, name), hidden = coalesce(?, hidden) WHERE id = ?').run(
        patch.name === undefined ? null : patch.name, patch.hidden === undefined ? null : patch.hidden ? 1 : 0, id);
      if (r.changes === 0) throw personNotFound(id);
    },
    async deletePerson(id) {
      return writeTransaction(db, () => {
        if (!q.person.get(id)) throw personNotFound(id);
        const faces = db.prepare('SELECT id, thumb_key FROM faces WHERE person_id = ?').all(id) as Array<{ id: number; thumb_key: string | null }>;
        db.prepare('DELETE FROM faces WHERE person_id = ?').run(id);
        db.prepare('DELETE FROM people WHERE id = ? OR merged_into = ?').run(id, id);
        return { removedThumbKeys: writes.orphaned(faces.map((f) => f.thumb_key)), faceIds: faces.map((f) => f.id) };
      })();
    },
  };
}
