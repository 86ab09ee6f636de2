import { PHOTO, toPhoto } from './neo4j-rows.js';
import { prune } from './neo4j-prune.js';
import { orphaned, peopleOfFaces, type Row, type TxRunner } from './neo4j-tx.js';
import { neo4jWriterTx } from './neo4j-writer-tx.js';
import { resolvePhotoQuery } from './page-queries.js';
import type { PhotoCatalog } from './photo-catalog.js';

/** The Neo4j adapter's photos: saved, failed, deleted, listed and searched by people and date. */
export function neo4jPhotos(read: TxRunner, write: TxRunner): PhotoCatalog {
  return {
    async getPhotoByPath(path) {
      const r = await read((tx) => tx.one(`MATCH (ph:Photo {path: $path}) RETURN ${PHOTO} AS r`, { path }));
      return r ? toPhoto(r.r as Row) : null;
    },
    async getPhoto(id) {
      const r = await read((tx) => tx.one(`MATCH (ph:Photo {id: $id}) RETURN ${PHOTO} AS r`, { id }));
      return r ? toPhoto(r.r as Row) : null;
    },
    async savePhoto(result) {
      return write(async (tx) => {
        const [saved] = await neo4jWriterTx(tx).savePhotos([result]);
        await prune(tx, saved!.touched);
        return { photoId: saved!.photoId, faceIds: saved!.faceIds, removedThumbKeys: saved!.removedThumbKeys };
      });
    },
    async recordFailure(f) {
      await write(async (tx) => prune(tx, (await neo4jWriterTx(tx).recordFailures([f])).touched));
    },
    async listFailures() {
      const r = await read((tx) => tx.rows(`MATCH (ph:Photo {status: 'failed'}) RETURN ${PHOTO} AS r ORDER BY ph.path`));
      return r.map((x) => toPhoto(x.r as Row));
    },
    async deletePhoto(id) {
      return write(async (tx) => {
        const faces = await tx.rows('MATCH (f:Face)-[:IN]->(:Photo {id: $id}) RETURN f.id AS id, f.thumbKey AS k', { id });
        const thumbs = faces.map((r) => r.k as string | null);
        const touched = await peopleOfFaces(tx, faces.map((r) => Number(r.id)));
        await tx.run(`MATCH (ph:Photo {id: $id})
          CALL (ph) { MATCH (f:Face)-[:IN]->(ph) DETACH DELETE f }
          CALL (ph) { MATCH (d:DismissedBox)-[:ON]->(ph) DETACH DELETE d }
          DETACH DELETE ph`, { id });
        await prune(tx, touched);
        return { removedThumbKeys: await orphaned(tx, thumbs) };
      });
    },
    async listPhotos() {
      const r = await read((tx) => tx.rows(`MATCH (ph:Photo) RETURN ${PHOTO} AS r ORDER BY ph.path`));
      return r.map((x) => toPhoto(x.r as Row));
    },
    async queryPhotos(asked) {
      const query = resolvePhotoQuery(asked);
      const params: Row = {};
      const where = ["ph.status = 'done'"];
      const { people, mode } = query;
      let match = 'MATCH (ph:Photo)';
      if (people.length > 0) {
        params.people = people;
        params.n = people.length;
        match = `MATCH (pe:Person)<-[:OF]-(:Face)-[:IN]->(ph:Photo) WHERE pe.id IN $people
          WITH ph, count(DISTINCT pe) AS n ${mode === 'any' ? '' : 'WHERE n = $n'}`;
        if (mode === 'only') where.push('NOT EXISTS { MATCH (ph)<-[:IN]-(:Face)-[:OF]->(o:Person) WHERE NOT o.id IN $people }');
      }
      if (query.takenFrom) { where.push('ph.takenAt >= $takenFrom'); params.takenFrom = query.takenFrom; }
      if (query.takenTo) { where.push('substring(ph.takenAt, 0, size($takenTo)) <= $takenTo'); params.takenTo = query.takenTo; }
      const filter = `${match} WITH ph WHERE ${where.join(' AND ')}`;
      return read(async (tx) => {
        const total = Number((await tx.one(`${filter} RETURN count(ph) AS n`, params))!.n);
        const page = await tx.rows(`${filter} WITH ph ORDER BY ph.takenAt IS NULL, ph.takenAt DESC, ph.id DESC SKIP $skip LIMIT $limit
          RETURN ${PHOTO} AS r`, { ...params, skip: tx.int(query.offset), limit: tx.int(query.limit) });
        return { total, items: page.map((x) => toPhoto(x.r as Row)) };
      });
    },
  };
}
