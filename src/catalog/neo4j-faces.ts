import type { FaceFilter } from './catalog-records.js';
import { checkIndexedPhoto, faceNotFound } from './catalog-errors.js';
import type { FaceCatalog } from './face-catalog.js';
import { byDistance, cosineDistance } from './cosine-distance.js';
import { FACE_VECTOR_INDEX } from './neo4j-migrations.js';
import { prune } from './neo4j-prune.js';
import { CLUSTERABLE, FACE, FACE_VECTOR, faceProps, now, toEmbedding, toFace, toFaceVector } from './neo4j-rows.js';
import { nextIds, orphaned, type Row, type Tx, type TxRunner } from './neo4j-tx.js';
import { neo4jWriterTx } from './neo4j-writer-tx.js';

/** The Neo4j adapter's faces: boxes and embeddings, the nearest faces (the vector index), faces drawn by hand, "not a face". */
export function neo4jFaces(read: TxRunner, write: TxRunner): FaceCatalog {
  const createFaces = async (tx: Tx, photoId: number, faces: ReturnType<typeof faceProps>[]) => {
    const ids = await nextIds(tx, 'Face', faces.length);
    await tx.run(`MATCH (ph:Photo {id: $photoId}) UNWIND $faces AS f
      CREATE (n:Face) SET n = f.props, n.id = f.id CREATE (n)-[:IN]->(ph)`,
    { photoId, faces: faces.map((props, i) => ({ id: tx.int(ids[i]!), props })) });
    return ids;
  };
  return {
    async getFace(id) {
      const r = await read((tx) => tx.one(`MATCH (f:Face {id: $id})-[:IN]->(ph:Photo) OPTIONAL MATCH (f)-[o:OF]->(pe:Person) RETURN ${FACE} AS r`, { id }));
      return r ? toFace(r.r as Row) : null;
    },
    async listFaces(filter: FaceFilter = {}) {
      const where: string[] = [];
      const params: Row = {};
      if (filter.photoId !== undefined) { where.push('ph.id = $photoId'); params.photoId = filter.photoId; }
      if (filter.unassigned) where.push('pe IS NULL');
      if (filter.source !== undefined) { where.push('o.source = $source'); params.source = filter.source; }
      if (filter.minDistance !== undefined) { where.push('o.distance >= $minDistance'); params.minDistance = filter.minDistance; }
      const match = filter.personId !== undefined
        ? 'MATCH (pe:Person {id: $personId})<-[o:OF]-(f:Face)-[:IN]->(ph:Photo)'
        : 'MATCH (f:Face)-[:IN]->(ph:Photo) OPTIONAL MATCH (f)-[o:OF]->(pe:Person)';
      if (filter.personId !== undefined) params.personId = filter.personId;
      const order = filter.order === 'distance-desc' ? 'o.distance IS NULL, o.distance DESC, f.id' : 'f.id';
      const page = `${filter.offset ? 'SKIP $skip' : ''} ${filter.limit !== undefined ? 'LIMIT $limit' : ''}`;
      const cypher = `${match} WITH f, ph, o, pe ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        RETURN ${FACE} AS r ORDER BY ${order} ${page}`;
      return (await read((tx) => tx.rows(cypher, { ...params, skip: tx.int(filter.offset ?? 0), limit: tx.int(filter.limit ?? 0) }))).map((x) => toFace(x.r as Row));
    },
    async getFaceVectors(ids) {
      if (ids.length === 0) return [];
      const r = await read((tx) => tx.rows(`MATCH (f:Face)-[:IN]->(ph:Photo) WHERE f.id IN $ids OPTIONAL MATCH (f)-[o:OF]->(pe:Person)
        RETURN ${FACE_VECTOR} AS r ORDER BY f.id`, { ids }));
      return r.map((x) => toFaceVector(x.r as Row));
    },
    faceStates: (ids) => read((tx) => neo4jWriterTx(tx).faceStates(ids)),
    async allFaceVectors(model, page) {
      const r = await read((tx) => tx.rows(`MATCH (f:Face {model: $model})-[:IN]->(ph:Photo) WHERE f.id > $afterId OPTIONAL MATCH (f)-[o:OF]->(pe:Person)
        WITH f, ph, o, pe WHERE ${CLUSTERABLE}
        RETURN ${FACE_VECTOR} AS r ORDER BY f.id ${page ? 'LIMIT $limit' : ''}`, { model, afterId: page?.afterId ?? -1, ...(page ? { limit: tx.int(page.limit) } : {}) }));
      return r.map((x) => toFaceVector(x.r as Row));
    },
    async getEmbedding(faceId) {
      const r = await read((tx) => tx.one('MATCH (f:Face {id: $faceId}) RETURN f.embedding AS e', { faceId }));
      return r ? toEmbedding(r.e) : null;
    },
    async peopleInPhoto(photoId) {
      const r = await read((tx) => tx.rows(`MATCH (f:Face)-[:IN]->(:Photo {id: $photoId}) OPTIONAL MATCH (f)-[:OF]->(pe:Person)
        RETURN f.id AS faceId, pe.id AS personId ORDER BY faceId`, { photoId }));
      return r.map((x) => ({ faceId: Number(x.faceId), personId: x.personId === null ? null : Number(x.personId) }));
    },
    async addManualFace(photoId, f) {
      return write(async (tx) => {
        const photo = await tx.one('MATCH (ph:Photo {id: $photoId}) RETURN ph.status AS status', { photoId });
        checkIndexedPhoto(photoId, photo as { status: string } | undefined);
        const [id] = await createFaces(tx, photoId, [faceProps({ ...f, manual: true })]);
        return id!;
      });
    },
    async facesOfOtherModels(model, limit, photoModel) {
      const r = await read((tx) => tx.rows(`MATCH (f:Face)-[:IN]->(ph:Photo {status: 'done'}) WHERE f.model <> $model AND ($photoModel IS NULL OR ph.model = $photoModel)
        OPTIONAL MATCH (f)-[o:OF]->(pe:Person)
        RETURN ${FACE} AS r, ph.path AS path ORDER BY ph.id, f.id LIMIT toInteger($limit)`, { model, limit, photoModel: photoModel ?? null }));
      return r.map((x) => ({ ...toFace(x.r as Row), path: x.path as string }));
    },
    async setFaceEmbeddings(updates) {
      if (updates.length === 0) return;
      await write((tx) => tx.run(`UNWIND $updates AS u MATCH (f:Face {id: u.faceId})
        SET f.embedding = u.embedding, f.model = u.model, f.landmarks = u.landmarks, f.quality = u.quality`, {
        updates: updates.map((u) => ({ faceId: tx.int(u.faceId), embedding: Array.from(u.embedding), model: u.model, landmarks: JSON.stringify(u.landmarks), quality: u.quality })),
      }));
    },
    async dismissFace(faceId) {
      return write(async (tx) => {
        const f = await tx.one(`MATCH (f:Face {id: $faceId})-[:IN]->(ph:Photo) OPTIONAL MATCH (f)-[:OF]->(pe:Person)
          RETURN f.x AS x, f.y AS y, f.w AS w, f.h AS h, f.thumbKey AS k, ph.id AS photoId, pe.id AS personId`, { faceId });
        if (!f) throw faceNotFound(faceId);
        const [id] = await nextIds(tx, 'DismissedBox', 1);
        await tx.run(`MATCH (ph:Photo {id: $photoId}) CREATE (:DismissedBox {id: $id, x: $x, y: $y, w: $w, h: $h, at: $at})-[:ON]->(ph)`,
          { photoId: f.photoId, id: tx.int(id!), x: f.x, y: f.y, w: f.w, h: f.h, at: now() });
        await tx.run('MATCH (f:Face {id: $faceId}) DETACH DELETE f', { faceId });
        await prune(tx, [f.personId === null ? null : Number(f.personId)]);
        return { removedThumbKeys: await orphaned(tx, [f.k as string | null]) };
      });
    },
    async dismissedBoxes(path) {
      const r = await read((tx) => tx.rows('MATCH (d:DismissedBox)-[:ON]->(:Photo {path: $path}) RETURN d.x AS x, d.y AS y, d.w AS w, d.h AS h ORDER BY d.id', { path }));
      return r.map((b) => ({ x: Number(b.x), y: Number(b.y), w: Number(b.w), h: Number(b.h) }));
    },
    async nearestFaces(embedding, k, model) {
      if (k <= 0) return [];
      const query = Array.from(embedding);
      // The index is approximate (HNSW, quantised) and knows nothing of models: ask it for more
      // candidates than needed, keep this model's, rank them by exact distance; widen when short.
      return read(async (tx) => {
        for (let fetch = Math.max(4 * k, 32); ; fetch *= 4) {
          // Doubtful faces (drawn where the face check saw none) count only once a person decided about them.
          const found = await tx.rows(`CALL db.index.vector.queryNodes($index, toInteger($fetch), $query) YIELD node
            OPTIONAL MATCH (node)-[o:OF]->(:Person)
            RETURN node.id AS id, node.model AS model, node.embedding AS embedding,
              coalesce(node.doubtful, false) = false OR o.source IN ['confirmed', 'manual', 'xmp'] AS clusterable`, { index: FACE_VECTOR_INDEX, fetch, query });
          const hits = found.filter((r) => r.model === model && r.clusterable === true)
            .map((r) => ({ faceId: Number(r.id), distance: cosineDistance(embedding, toEmbedding(r.embedding)) }))
            .sort(byDistance);
          if (hits.length >= k || found.length < fetch || fetch >= 100_000) return hits.slice(0, k);
        }
      });
    },
  };
}
