import type Database from 'better-sqlite3';
import type { PersonRef, PhotoChain } from './catalog-records.js';
import { personNotFound } from './catalog-errors.js';
import type { GraphQueryCatalog } from './graph-query-catalog.js';
import { checkHops, groupByMonth } from './graph-queries.js';

/** The graph questions of the port, answered from the SQLite tables (a BFS for chains). */
export function sqliteGraphQueries(db: Database.Database): GraphQueryCatalog {
  const person = db.prepare('SELECT id AS personId, name FROM people WHERE id = ?');
  const mustExist = (id: number) => {
    const p = person.get(id) as PersonRef | undefined;
    if (!p) throw personNotFound(id);
    return p;
  };
  /** (photo, person) pairs one photo away from a person. */
  const neighbours = db.prepare(`SELECT DISTINCT b.photo_id AS photo, b.person_id AS person FROM faces a
    JOIN faces b ON b.photo_id = a.photo_id AND b.person_id IS NOT NULL AND b.person_id <> a.person_id
    WHERE a.person_id = ? ORDER BY photo, person`);

  return {
    async coOccurrences(personId, limit = 20) {
      const rows = db.prepare(`SELECT b.person_id AS personId, pe.name AS name, count(DISTINCT a.photo_id) AS photos
        FROM faces a JOIN faces b ON b.photo_id = a.photo_id AND b.person_id IS NOT NULL AND b.person_id <> a.person_id
        JOIN people pe ON pe.id = b.person_id
        WHERE a.person_id = ? GROUP BY b.person_id ORDER BY photos DESC, b.person_id LIMIT ?`).all(personId, limit);
      return rows as Array<{ personId: number; name: string | null; photos: number }>;
    },
    async topPairs(limit = 20) {
      const rows = db.prepare(`SELECT a.person_id AS a, pa.name AS aName, b.person_id AS b, pb.name AS bName, count(DISTINCT a.photo_id) AS photos
        FROM faces a JOIN faces b ON b.photo_id = a.photo_id AND b.person_id > a.person_id
        JOIN people pa ON pa.id = a.person_id JOIN people pb ON pb.id = b.person_id
        GROUP BY a.person_id, b.person_id ORDER BY photos DESC, a.person_id, b.person_id LIMIT ?`).all(limit) as Array<{
        a: number; aName: string | null; b: number; bName: string | null; photos: number;
      }>;
      return rows.map((r) => ({ a: { personId: r.a, name: r.aName }, b: { personId: r.b, name: r.bName }, photos: r.photos }));
    },
    async photoChain(fromId, toId, maxHops = 6) {
      checkHops(maxHops);
      const from = mustExist(fromId);
      mustExist(toId);
      if (fromId === toId) return { people: [from], photos: [] };
      // Distances to the target, layer by layer, until the start is reached.
      const dist = new Map<number, number>([[toId, 0]]);
      let layer = [toId];
      for (let d = 1; d <= maxHops && !dist.has(fromId) && layer.length > 0; d++) {
        const next: number[] = [];
        for (const p of layer) {
          for (const n of neighbours.all(p) as Array<{ person: number }>) {
            if (!dist.has(n.person)) { dist.set(n.person, d); next.push(n.person); }
          }
        }
        layer = next;
      }
      const hops = dist.get(fromId);
      if (hops === undefined) return null;
      // Walk from the start, always to the lowest (photo, person) that stays on a shortest chain.
      const chain: PhotoChain = { people: [from], photos: [] };
      let at = fromId;
      for (let left = hops; left > 0; left--) {
        const step = (neighbours.all(at) as Array<{ photo: number; person: number }>).find((n) => dist.get(n.person) === left - 1)!;
        const photo = db.prepare('SELECT id AS photoId, path, taken_at AS takenAt FROM photos WHERE id = ?').get(step.photo) as PhotoChain['photos'][number];
        chain.photos.push(photo);
        chain.people.push(person.get(step.person) as PersonRef);
        at = step.person;
      }
      return chain;
    },
    async personTimeline(personId) {
      mustExist(personId);
      const photos = db.prepare(`SELECT DISTINCT p.id AS photoId, p.path, p.taken_at AS takenAt FROM faces f JOIN photos p ON p.id = f.photo_id
        WHERE f.person_id = ?`).all(personId) as Array<{ photoId: number; path: string; takenAt: string | null }>;
      const others = db.prepare(`SELECT DISTINCT pe.id AS personId, pe.name FROM faces f JOIN people pe ON pe.id = f.person_id
        WHERE f.photo_id = ? AND f.person_id <> ?`);
      return groupByMonth(photos.map((p) => ({ ...p, with: others.all(p.photoId, personId) as PersonRef[] })));
    },
  };
}
