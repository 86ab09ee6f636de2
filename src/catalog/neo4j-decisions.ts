import type { AssignSource } from './catalog-records.js';
import type { DecisionCatalog } from './decision-catalog.js';
import { assignedSource, checkAssignable, checkLivePerson, planConfirm, planMerge, planMoveFace, planReject, planSplit, planUnmerge } from './decision-rules.js';
import { prune } from './neo4j-prune.js';
import { MERGE, now, toMergeDetail } from './neo4j-rows.js';
import {
  addRejections, dropRejections, faceFacts, nextIds, peopleOfFaces, personFacts, photoMates, setFaces, type Row, type TxRunner,
} from './neo4j-tx.js';

/**
 * The Neo4j adapter's decisions on people: assignments, rejections (NOT_OF), merges (undoable
 * tombstones), splits, moves and confirmations. What may happen and what changes is decided by
 * decision-rules.ts; this file reads what a rule needs and writes what it returns.
 */
export function neo4jDecisions(read: TxRunner, write: TxRunner): DecisionCatalog {
  const record = (r: Row) => {
    const { faces: _f, rejections: _r, cleared: _c, ...merge } = toMergeDetail(r);
    return merge;
  };
  return {
    async assign(assignments) {
      await write(async (tx) => {
        const faceIds = assignments.map((a) => a.faceId);
        const personIds = [...new Set(assignments.flatMap((a) => (a.personId === null ? [] : [a.personId])))];
        const faces = new Set((await tx.rows('MATCH (f:Face) WHERE f.id IN $ids RETURN f.id AS id', { ids: faceIds })).map((r) => Number(r.id)));
        const people = new Set((await tx.rows('MATCH (p:Person) WHERE p.id IN $ids RETURN p.id AS id', { ids: personIds })).map((r) => Number(r.id)));
        checkAssignable(assignments, faces, people);
        const touched = await peopleOfFaces(tx, faceIds);
        await setFaces(tx, assignments.map((a) => ({ ...a, source: assignedSource(a) })), now());
        await prune(tx, touched);
      });
    },
    async reject(faceId, personId) {
      await write(async (tx) => {
        const { unassign } = planReject(faceId, personId, (await faceFacts(tx, [faceId])).get(faceId), await personFacts(tx, personId));
        await addRejections(tx, [{ faceId, personId }], now());
        if (unassign) await tx.run('MATCH (:Face {id: $faceId})-[o:OF]->(:Person {id: $personId}) DELETE o', { faceId, personId });
      });
    },
    async rejectedPeople(faceId) {
      const r = await read((tx) => tx.rows('MATCH (:Face {id: $faceId})-[:NOT_OF]->(p:Person) RETURN p.id AS id ORDER BY id', { faceId }));
      return r.map((x) => Number(x.id));
    },
    async allRejections() {
      const r = await read((tx) => tx.rows('MATCH (f:Face)-[:NOT_OF]->(p:Person) RETURN f.id AS faceId, p.id AS personId ORDER BY faceId, personId'));
      return r.map((x) => ({ faceId: Number(x.faceId), personId: Number(x.personId) }));
    },
    async mergePeople(intoId, fromId) {
      return write(async (tx) => {
        const shared = await tx.rows(`MATCH (:Person {id: $intoId})<-[:OF]-(:Face)-[:IN]->(ph:Photo)<-[:IN]-(:Face)-[:OF]->(:Person {id: $fromId})
          RETURN DISTINCT ph.id AS photo LIMIT 5`, { intoId, fromId });
        const rejectedFrom = async (personId: number) =>
          (await tx.rows('MATCH (f:Face)-[:NOT_OF]->(:Person {id: $personId}) RETURN f.id AS id', { personId })).map((r) => Number(r.id));
        const faces = (await tx.rows('MATCH (f:Face)-[o:OF]->(:Person {id: $fromId}) RETURN f.id AS id, o.source AS source, o.distance AS distance ORDER BY f.id', { fromId }))
          .map((f) => ({ id: Number(f.id), source: f.source as AssignSource | null, distance: f.distance as number | null }));
        const { inherited, cleared } = planMerge(intoId, fromId, {
          into: await personFacts(tx, intoId), from: await personFacts(tx, fromId), sharedPhotos: shared.map((c) => Number(c.photo)),
          facesOfFrom: faces.map((f) => f.id), rejectedFromFrom: await rejectedFrom(fromId), rejectedFromInto: await rejectedFrom(intoId),
        });
        await tx.run(`MATCH (into:Person {id: $intoId}) MATCH (f:Face)-[o:OF]->(:Person {id: $fromId})
          CREATE (f)-[n:OF]->(into) SET n = properties(o) DELETE o`, { intoId, fromId });
        const at = now();
        await addRejections(tx, inherited, at);
        await dropRejections(tx, cleared);
        await tx.run('MATCH (p:Person) WHERE p.id = $fromId OR p.mergedInto = $fromId SET p.mergedInto = toInteger($intoId)', { intoId, fromId });
        const [id] = await nextIds(tx, 'Merge', 1);
        const ids = (list: Array<{ faceId: number }>) => JSON.stringify(list.map((r) => r.faceId));
        const m = await tx.one(`CREATE (m:Merge {id: $id, intoId: toInteger($intoId), fromId: toInteger($fromId), faces: $faces, rejections: $rejections,
          cleared: $cleared, at: $at}) RETURN ${MERGE} AS r`, { id: tx.int(id!), intoId, fromId, faces: JSON.stringify(faces), rejections: ids(inherited), cleared: ids(cleared), at });
        return record(m!.r as Row);
      });
    },
    async unmerge(mergeId) {
      return write(async (tx) => {
        const r = await tx.one(`MATCH (m:Merge {id: $mergeId}) RETURN ${MERGE} AS r`, { mergeId });
        const m = r ? toMergeDetail(r.r as Row) : undefined;
        const fromExists = m !== undefined && (await tx.one('MATCH (p:Person {id: $id}) RETURN p.id AS id', { id: m.fromId })) !== undefined;
        const plan = planUnmerge(mergeId, m, fromExists);
        await tx.run('MATCH (p:Person {id: $id}) SET p.mergedInto = null', { id: m!.fromId });
        await tx.run(`MATCH (from:Person {id: $fromId}) UNWIND $faces AS b
          MATCH (f:Face {id: b.id})-[o:OF]->(:Person {id: $intoId})
          CREATE (f)-[n:OF]->(from) SET n = properties(o), n.source = b.source, n.distance = b.distance DELETE o`,
        { fromId: m!.fromId, intoId: m!.intoId, faces: plan.moveBack });
        await dropRejections(tx, plan.dropRejections);
        await addRejections(tx, plan.restoreRejections, now()); // a face deleted since matches nothing
        const done = await tx.one(`MATCH (m:Merge {id: $mergeId}) SET m.undoneAt = $at RETURN ${MERGE} AS r`, { mergeId, at: now() });
        return record(done!.r as Row);
      });
    },
    async lastMerge(personId) {
      const r = await read((tx) => tx.one(`MATCH (m:Merge) WHERE m.undoneAt IS NULL AND ($personId IS NULL OR m.intoId = $personId OR m.fromId = $personId)
        RETURN ${MERGE} AS r ORDER BY m.id DESC LIMIT 1`, { personId: personId ?? null }));
      return r ? record(r.r as Row) : null;
    },
    async splitPerson(personId, faceIds) {
      return write(async (tx) => {
        const faces = await faceFacts(tx, [...faceIds]);
        const owners = new Map(faceIds.map((id) => [id, faces.get(id)?.personId ?? null]));
        const plan = planSplit(personId, faceIds, await personFacts(tx, personId), owners);
        const [newId] = await nextIds(tx, 'Person', 1);
        const at = now();
        await tx.run('CREATE (:Person {id: $id, hidden: false, createdAt: $at})', { id: tx.int(newId!), at });
        await setFaces(tx, plan.confirm.map((faceId) => ({ faceId, personId: newId!, source: 'confirmed' as const, distance: null })), at);
        await addRejections(tx, plan.reject, at);
        await prune(tx, plan.prune);
        return newId!;
      });
    },
    async moveFace(faceId, personId) {
      await write(async (tx) => {
        const person = await personFacts(tx, personId);
        const face = (await faceFacts(tx, [faceId])).get(faceId);
        const mates = face && face.personId !== personId ? (await photoMates(tx, [faceId])).get(faceId)! : [];
        const change = planMoveFace(faceId, personId, person, face, mates);
        const at = now();
        if (change.reject) await addRejections(tx, [change.reject], at);
        if (change.forget) await dropRejections(tx, [change.forget]);
        await setFaces(tx, [{ faceId, personId, source: change.source, distance: null }], at);
        if (change.moved) await prune(tx, change.prune);
      });
    },
    async confirmFaces(personId, faceIds) {
      return write(async (tx) => {
        const at = now();
        if (!faceIds) {
          checkLivePerson(personId, await personFacts(tx, personId));
          const r = await tx.one(`MATCH (:Face)-[o:OF {source: 'auto'}]->(:Person {id: $personId}) SET o.source = 'confirmed', o.at = $at
            RETURN count(o) AS n`, { personId, at });
          return Number(r!.n);
        }
        const plan = planConfirm(personId, faceIds, await personFacts(tx, personId), await faceFacts(tx, faceIds), await photoMates(tx, faceIds));
        await dropRejections(tx, plan.forget);
        await setFaces(tx, plan.confirm.map((faceId) => ({ faceId, personId, source: 'confirmed' as const, distance: null })), at);
        return plan.confirm.length;
      });
    },
  };
}
