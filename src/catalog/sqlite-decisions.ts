import type Database from 'better-sqlite3';
import type { AssignSource } from './catalog-records.js';
import type { DecisionCatalog } from './decision-catalog.js';
import {
  checkAssignable, checkLivePerson, planConfirm, planMerge, planMoveFace, planReject, planSplit, planUnmerge, type FaceFacts, type Rejection,
} from './decision-rules.js';
import { now, toMerge, type MergeRow } from './sqlite-rows.js';
import { writeTransaction } from './sqlite-write.js';
import type { SqliteWrites } from './sqlite-writer-tx.js';

/**
 * The SQLite adapter's decisions on people: assignments, rejections, merges and their undo,
 * splits, moves and confirmations. What may happen and what changes is decided by
 * decision-rules.ts; this file reads what a rule needs and writes what it returns.
 */
export function sqliteDecisions(db: Database.Database, writes: SqliteWrites): DecisionCatalog {
  const q = {
    setFace: db.prepare('UPDATE faces SET person_id = ?, source = ?, distance = ?, assigned_at = ? WHERE id = ?'),
    insertPerson: db.prepare('INSERT INTO people (name, created_at) VALUES (?, ?) RETURNING id'),
    face: db.prepare('SELECT person_id FROM faces WHERE id = ?'),
    reject: db.prepare('INSERT OR IGNORE INTO rejections (face_id, person_id, at) VALUES (?, ?, ?)'),
    forget: db.prepare('DELETE FROM rejections WHERE face_id = ? AND person_id = ?'),
    rejectedFrom: db.prepare('SELECT face_id FROM rejections WHERE person_id = ?').pluck(),
  };
  const faceFacts = (id: number): FaceFacts | undefined => {
    const f = q.face.get(id) as { person_id: number | null } | undefined;
    return f && { personId: f.person_id };
  };
  const reject = (list: Rejection[], at: string) => { for (const r of list) q.reject.run(r.faceId, r.personId, at); };
  const forget = (list: Rejection[]) => { for (const r of list) q.forget.run(r.faceId, r.personId); };
  const existing = (table: 'faces' | 'people', ids: number[]) => {
    const has = db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).pluck();
    return new Set([...new Set(ids)].filter((id) => has.get(id) !== undefined));
  };

  return {
    async assign(assignments) {
      writeTransaction(db, () => {
        checkAssignable(assignments, existing('faces', assignments.map((a) => a.faceId)),
          existing('people', assignments.flatMap((a) => (a.personId === null ? [] : [a.personId]))));
        const touched = assignments.map((a) => faceFacts(a.faceId)!.personId);
        writes.assign(assignments);
        writes.prune(touched);
      })();
    },
    async reject(faceId, personId) {
      writeTransaction(db, () => {
        const { unassign } = planReject(faceId, personId, faceFacts(faceId), writes.personFacts(personId));
        reject([{ faceId, personId }], now());
        if (unassign) q.setFace.run(null, null, null, null, faceId);
      })();
    },
    async rejectedPeople(faceId) {
      return (db.prepare('SELECT person_id FROM rejections WHERE face_id = ?').all(faceId) as Array<{ person_id: number }>).map((r) => r.person_id);
    },
    async allRejections() {
      return (db.prepare('SELECT face_id, person_id FROM rejections ORDER BY face_id').all() as Array<{ face_id: number; person_id: number }>)
        .map((r) => ({ faceId: r.face_id, personId: r.person_id }));
    },
    async mergePeople(intoId, fromId) {
      return writeTransaction(db, () => {
        const shared = db.prepare(`SELECT DISTINCT a.photo_id FROM faces a JOIN faces b ON a.photo_id = b.photo_id
          WHERE a.person_id = ? AND b.person_id = ? LIMIT 5`).pluck().all(intoId, fromId) as number[];
        const faces = db.prepare('SELECT id, source, distance FROM faces WHERE person_id = ? ORDER BY id').all(fromId) as Array<{ id: number }>;
        const { inherited, cleared } = planMerge(intoId, fromId, {
          into: writes.personFacts(intoId), from: writes.personFacts(fromId), sharedPhotos: shared, facesOfFrom: faces.map((f) => f.id),
          rejectedFromFrom: q.rejectedFrom.all(fromId) as number[], rejectedFromInto: q.rejectedFrom.all(intoId) as number[],
        });
        db.prepare('UPDATE faces SET person_id = ? WHERE person_id = ?').run(intoId, fromId);
        const at = now();
        reject(inherited, at);
        forget(cleared);
        db.prepare('UPDATE people SET merged_into = ? WHERE id = ?').run(intoId, fromId);
        db.prepare('UPDATE people SET merged_into = ? WHERE merged_into = ?').run(intoId, fromId);
        const ids = (list: Rejection[]) => JSON.stringify(list.map((r) => r.faceId));
        const row = db.prepare('INSERT INTO merges (into_id, from_id, faces, rejections, cleared, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *')
          .get(intoId, fromId, JSON.stringify(faces), ids(inherited), ids(cleared), at) as MergeRow;
        return toMerge(row);
      })();
    },
    async unmerge(mergeId) {
      return writeTransaction(db, () => {
        const m = db.prepare('SELECT * FROM merges WHERE id = ?').get(mergeId) as MergeRow | undefined;
        const plan = planUnmerge(mergeId, m && {
          intoId: m.into_id, fromId: m.from_id, undoneAt: m.undone_at,
          faces: JSON.parse(m.faces) as Array<{ id: number; source: AssignSource | null; distance: number | null }>, rejections: JSON.parse(m.rejections) as number[],
          cleared: JSON.parse(m.cleared) as number[],
        }, m !== undefined && db.prepare('SELECT 1 FROM people WHERE id = ?').get(m.from_id) !== undefined);
        db.prepare('UPDATE people SET merged_into = NULL WHERE id = ?').run(m!.from_id);
        const move = db.prepare('UPDATE faces SET person_id = ?, source = ?, distance = ? WHERE id = ? AND person_id = ?');
        for (const f of plan.moveBack) move.run(m!.from_id, f.source, f.distance, f.id, m!.into_id);
        forget(plan.dropRejections);
        // A face deleted since the merge has no rejection to get back.
        reject(plan.restoreRejections.filter((r) => faceFacts(r.faceId) !== undefined), now());
        const done = db.prepare('UPDATE merges SET undone_at = ? WHERE id = ? RETURNING *').get(now(), mergeId) as MergeRow;
        return toMerge(done);
      })();
    },
    async lastMerge(personId) {
      const r = (personId === undefined
        ? db.prepare('SELECT * FROM merges WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1').get()
        : db.prepare('SELECT * FROM merges WHERE undone_at IS NULL AND (into_id = ? OR from_id = ?) ORDER BY id DESC LIMIT 1').get(personId, personId)) as MergeRow | undefined;
      return r ? toMerge(r) : null;
    },
    async splitPerson(personId, faceIds) {
      return writeTransaction(db, () => {
        const owners = new Map(faceIds.map((id) => [id, faceFacts(id)?.personId ?? null]));
        const plan = planSplit(personId, faceIds, writes.personFacts(personId), owners);
        const newId = (q.insertPerson.get(null, now()) as { id: number }).id;
        const at = now();
        for (const id of plan.confirm) q.setFace.run(newId, 'confirmed', null, at, id);
        reject(plan.reject, at);
        writes.prune(plan.prune);
        return newId;
      })();
    },
    async moveFace(faceId, personId) {
      writeTransaction(db, () => {
        const change = planMoveFace(faceId, personId, writes.personFacts(personId), faceFacts(faceId), writes.photoMates(faceId));
        const at = now();
        if (change.reject) reject([change.reject], at);
        if (change.forget) forget([change.forget]);
        q.setFace.run(personId, change.source, null, at, faceId);
        if (change.moved) writes.prune(change.prune);
      })();
    },
    async confirmFaces(personId, faceIds) {
      return writeTransaction(db, () => {
        const at = now();
        if (!faceIds) {
          checkLivePerson(personId, writes.personFacts(personId));
          return db.prepare(`UPDATE faces SET source = 'confirmed', assigned_at = ? WHERE person_id = ? AND source = 'auto'`).run(at, personId).changes;
        }
        const faces = new Map(faceIds.flatMap((id) => { const f = faceFacts(id); return f ? [[id, f] as const] : []; }));
        const mates = new Map(faceIds.map((id) => [id, writes.photoMates(id)]));
        const plan = planConfirm(personId, faceIds, writes.personFacts(personId), faces, mates);
        forget(plan.forget);
        for (const id of plan.confirm) q.setFace.run(personId, 'confirmed', null, at, id);
        return plan.confirm.length;
      })();
    },
  };
}
