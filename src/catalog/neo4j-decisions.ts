import { AppError } from '../errors.js';
import type { AssignSource, Catalog } from './catalog.js';
import { MERGE, now, toMergeDetail } from './neo4j-rows.js';
import {
  addRejections, cannotLink, dropRejection, livePerson, nextIds, notFoundFace, prune, setFaces, type Row, type TxRunner,
} from './neo4j-tx.js';

type Decisions = Pick<Catalog, 'mergePeople' | 'unmerge' | 'lastMerge' | 'splitPerson' | 'moveFace' | 'confirmFaces'>;

/** A person's decisions on people in the Neo4j catalog: merges (undoable tombstones), splits, moves, confirmations. */
export function neo4jDecisions(read: TxRunner, write: TxRunner): Decisions {
  return {
    async mergePeople(intoId, fromId) {
      return write(async (tx) => {
        if (intoId === fromId) throw new AppError('INVALID_INPUT', `cannot merge person ${intoId} into itself; give two different people`);
        for (const id of [intoId, fromId]) await livePerson(tx, id);
        const clash = await tx.rows(`MATCH (:Person {id: $intoId})<-[:OF]-(:Face)-[:IN]->(ph:Photo)<-[:IN]-(:Face)-[:OF]->(:Person {id: $fromId})
          RETURN DISTINCT ph.id AS photo LIMIT 5`, { intoId, fromId });
        if (clash.length > 0) {
          throw new AppError('CONFLICT', `people ${intoId} and ${fromId} both appear in ${clash.length === 1 ? 'photo' : 'photos'} ${clash.map((c) => c.photo).join(', ')}, so they are two people; move the wrong face first (\`facetag people move-face FACE PERSON\`)`, { details: { photoIds: clash.map((c) => c.photo), people: [intoId, fromId] } });
        }
        const faces = (await tx.rows('MATCH (f:Face)-[o:OF]->(:Person {id: $fromId}) RETURN f.id AS id, o.source AS source, o.distance AS distance ORDER BY f.id', { fromId }))
          .map((f) => ({ id: Number(f.id), source: f.source as AssignSource | null, distance: f.distance as number | null }));
        // The surviving person inherits the merged person's rejections; remember which were new, for undo.
        const added = (await tx.rows(`MATCH (f:Face)-[:NOT_OF]->(:Person {id: $fromId})
          WHERE NOT EXISTS { (f)-[:NOT_OF]->(:Person {id: $intoId}) } RETURN f.id AS id ORDER BY id`, { fromId, intoId })).map((r) => Number(r.id));
        await tx.run(`MATCH (into:Person {id: $intoId}) MATCH (f:Face)-[o:OF]->(:Person {id: $fromId})
          CREATE (f)-[n:OF]->(into) SET n = properties(o) DELETE o`, { intoId, fromId });
        const at = now();
        await addRejections(tx, added.map((faceId) => ({ faceId, personId: intoId })), at);
        await tx.run('MATCH (p:Person) WHERE p.id = $fromId OR p.mergedInto = $fromId SET p.mergedInto = toInteger($intoId)', { intoId, fromId });
        const [id] = await nextIds(tx, 'Merge', 1);
        const m = await tx.one(`CREATE (m:Merge {id: $id, intoId: toInteger($intoId), fromId: toInteger($fromId), faces: $faces, rejections: $rejections, at: $at})
          RETURN ${MERGE} AS r`, { id: tx.int(id!), intoId, fromId, faces: JSON.stringify(faces), rejections: JSON.stringify(added), at });
        const { faces: _f, rejections: _r, ...record } = toMergeDetail(m!.r as Row);
        return record;
      });
    },
    async unmerge(mergeId) {
      return write(async (tx) => {
        const r = await tx.one(`MATCH (m:Merge {id: $mergeId}) RETURN ${MERGE} AS r`, { mergeId });
        if (!r) throw new AppError('NOT_FOUND', `merge ${mergeId} does not exist; \`facetag people unmerge PERSON\` undoes a person's latest merge`);
        const m = toMergeDetail(r.r as Row);
        if (m.undoneAt) throw new AppError('CONFLICT', `merge ${mergeId} was already undone at ${m.undoneAt}`);
        if (!(await tx.one('MATCH (p:Person {id: $id}) RETURN p.id AS id', { id: m.fromId }))) {
          throw new AppError('CONFLICT', `person ${m.fromId} of merge ${mergeId} was deleted since; the merge cannot be undone`);
        }
        await tx.run('MATCH (p:Person {id: $id}) SET p.mergedInto = null', { id: m.fromId });
        await tx.run(`MATCH (from:Person {id: $fromId}) UNWIND $faces AS b
          MATCH (f:Face {id: b.id})-[o:OF]->(:Person {id: $intoId})
          CREATE (f)-[n:OF]->(from) SET n = properties(o), n.source = b.source, n.distance = b.distance DELETE o`,
        { fromId: m.fromId, intoId: m.intoId, faces: m.faces });
        await tx.run('UNWIND $ids AS id MATCH (:Face {id: id})-[n:NOT_OF]->(:Person {id: $intoId}) DELETE n', { ids: m.rejections, intoId: m.intoId });
        const done = await tx.one(`MATCH (m:Merge {id: $mergeId}) SET m.undoneAt = $at RETURN ${MERGE} AS r`, { mergeId, at: now() });
        const { faces: _f, rejections: _r, ...record } = toMergeDetail(done!.r as Row);
        return record;
      });
    },
    async lastMerge(personId) {
      const r = await read((tx) => tx.one(`MATCH (m:Merge) WHERE m.undoneAt IS NULL AND ($personId IS NULL OR m.intoId = $personId OR m.fromId = $personId)
        RETURN ${MERGE} AS r ORDER BY m.id DESC LIMIT 1`, { personId: personId ?? null }));
      if (!r) return null;
      const { faces: _f, rejections: _r, ...record } = toMergeDetail(r.r as Row);
      return record;
    },
    async splitPerson(personId, faceIds) {
      return write(async (tx) => {
        await livePerson(tx, personId);
        if (faceIds.length === 0) throw new AppError('INVALID_INPUT', 'split needs at least one face id of the person');
        for (const id of faceIds) {
          if (!(await tx.one('MATCH (f:Face {id: $id})-[:OF]->(:Person {id: $personId}) RETURN f.id AS id', { id, personId }))) {
            throw new AppError('INVALID_INPUT', `face ${id} is not a face of person ${personId}; see \`facetag people show ${personId}\``);
          }
        }
        const [newId] = await nextIds(tx, 'Person', 1);
        const at = now();
        await tx.run('CREATE (:Person {id: $id, hidden: false, createdAt: $at})', { id: tx.int(newId!), at });
        await setFaces(tx, faceIds.map((faceId) => ({ faceId, personId: newId!, source: 'confirmed' as const, distance: null })), at);
        await addRejections(tx, faceIds.map((faceId) => ({ faceId, personId })), at);
        await prune(tx, [personId]);
        return newId!;
      });
    },
    async moveFace(faceId, personId) {
      await write(async (tx) => {
        await livePerson(tx, personId);
        const f = await tx.one('MATCH (f:Face {id: $faceId}) OPTIONAL MATCH (f)-[:OF]->(p:Person) RETURN p.id AS personId', { faceId });
        if (!f) throw notFoundFace(faceId);
        const at = now();
        const current = f.personId === null ? null : Number(f.personId);
        if (current === personId) {
          await setFaces(tx, [{ faceId, personId, source: 'manual', distance: null }], at);
          return;
        }
        await cannotLink(tx, personId, [faceId]);
        if (current !== null) await addRejections(tx, [{ faceId, personId: current }], at);
        await dropRejection(tx, faceId, personId);
        await setFaces(tx, [{ faceId, personId, source: 'manual', distance: null }], at);
        await prune(tx, [current]);
      });
    },
    async confirmFaces(personId, faceIds) {
      return write(async (tx) => {
        await livePerson(tx, personId);
        const at = now();
        if (!faceIds) {
          const r = await tx.one(`MATCH (:Face)-[o:OF {source: 'auto'}]->(:Person {id: $personId}) SET o.source = 'confirmed', o.at = $at
            RETURN count(o) AS n`, { personId, at });
          return Number(r!.n);
        }
        const attach: number[] = [];
        for (const id of faceIds) {
          const f = await tx.one('MATCH (f:Face {id: $id}) OPTIONAL MATCH (f)-[:OF]->(p:Person) RETURN p.id AS personId', { id });
          if (!f) throw notFoundFace(id);
          if (f.personId !== null && Number(f.personId) !== personId) {
            throw new AppError('CONFLICT', `face ${id} belongs to person ${f.personId}; move it with \`facetag people move-face ${id} ${personId}\``);
          }
          if (f.personId === null) attach.push(id);
        }
        await cannotLink(tx, personId, attach);
        for (const id of faceIds) await dropRejection(tx, id, personId);
        await setFaces(tx, faceIds.map((faceId) => ({ faceId, personId, source: 'confirmed' as const, distance: null })), at);
        return faceIds.length;
      });
    },
  };
}
