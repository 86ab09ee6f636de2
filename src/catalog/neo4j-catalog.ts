import neo4j, { type Driver, type ManagedTransaction, type Session } from 'neo4j-driver';
import { AppError } from '../errors.js';
import type { Assignment, Catalog, FaceFilter, PeopleQuery, PhotoQuery } from './catalog.js';
import { neo4jAnnotations } from './neo4j-annotations.js';
import { neo4jDecisions } from './neo4j-decisions.js';
import { neo4jGraphQueries } from './neo4j-graph-queries.js';
import { migrateNeo4j } from './neo4j-migrations.js';
import { neo4jWriterTx } from './neo4j-writer-tx.js';
import {
  addRejections, livePerson, nextIds, peopleOfFaces, notFoundFace, notFoundPerson, orphaned, prune, setFaces, type Row, type Tx, type TxRunner,
} from './neo4j-tx.js';
import {
  CLUSTERABLE, FACE, FACE_VECTOR, MERGE, PERSON, PHOTO, faceProps, now, toEmbedding, toFace, toFaceVector,
  toMergeDetail, toPerson, toPhoto,
} from './neo4j-rows.js';

export interface Neo4jCatalogOptions {
  /** bolt:// or neo4j:// URL. */
  url: string;
  user: string;
  password: string;
  /** Database name; unset means the server's default database. */
  database?: string | undefined;
  /** How long a transaction is retried on transient errors (server gone, leader switch, deadlock). @default 30000 */
  maxRetryMs?: number;
  /** Connect timeout of one attempt. @default 5000 */
  connectTimeoutMs?: number;
}

const int = (n: number) => neo4j.int(n);

/** The driver's transaction as the adapter's other files see it: rows as plain objects, integers as Cypher integers. */
const wrap = (tx: ManagedTransaction): Tx => {
  const rows = async (cypher: string, params: Row = {}) => (await tx.run(cypher, params)).records.map((r) => r.toObject());
  return {
    rows,
    one: async (cypher, params) => (await rows(cypher, params))[0],
    run: async (cypher, params) => { await tx.run(cypher, params); },
    int,
  };
};

/** Driver failures as AppErrors that name the server and what to check. */
function storeError(error: unknown, url: string, database: string | undefined): AppError {
  if (error instanceof AppError) return error;
  const e = error as { code?: string; message?: string };
  const code = e.code ?? '';
  const why = e.message ?? String(error);
  if (code === 'Neo.ClientError.Security.Unauthorized' || code === 'Neo.ClientError.Security.AuthenticationRateLimit') {
    return new AppError('CONFIG_INVALID', `Neo4j at ${url} refused the login (${why}); check catalog.neo4jUser and catalog.neo4jPassword (env FACETAG_CATALOG_NEO4J_PASSWORD)`, { cause: error });
  }
  if (code === 'Neo.ClientError.Database.DatabaseNotFound') {
    return new AppError('CONFIG_INVALID', `Neo4j at ${url} has no database "${database}"; set catalog.neo4jDatabase to an existing database, or unset it for the default`, { cause: error });
  }
  if (code === 'ServiceUnavailable' || code === 'SessionExpired' || /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|connection/i.test(why)) {
    return new AppError('STORE_FAILED', `Neo4j at ${url} is unreachable (${why}); check that the server runs and that catalog.neo4jUrl (env FACETAG_CATALOG_NEO4J_URL) points at its Bolt port`, { cause: error });
  }
  return new AppError('STORE_FAILED', `Neo4j at ${url} failed: ${why} [${code || 'no code'}]`, { cause: error });
}

/**
 * The cluster catalog: photos, faces (with embeddings in a native vector index), people and every
 * human decision in Neo4j 5. Behaves as the SQLite catalog does (the contract suite runs both);
 * every method is one managed transaction, retried by the driver on transient errors.
 */
export interface Neo4jCatalog extends Catalog {
  /** The schema version reached at open. */
  readonly migrationVersion: number;
  /** Runs one Cypher statement in its own write transaction: for tests and administration, never for user input. */
  run(cypher: string, params?: Record<string, unknown>): Promise<Array<Record<string, unknown>>>;
}

export async function openNeo4jCatalog(options: Neo4jCatalogOptions): Promise<Neo4jCatalog> {
  const { url, database } = options;
  let driver: Driver;
  try {
    driver = neo4j.driver(url, neo4j.auth.basic(options.user, options.password), {
      disableLosslessIntegers: true,
      maxTransactionRetryTime: options.maxRetryMs ?? 30_000,
      connectionTimeout: options.connectTimeoutMs ?? 5_000,
      connectionAcquisitionTimeout: (options.connectTimeoutMs ?? 5_000) * 2,
      userAgent: 'facetag',
    });
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `catalog.neo4jUrl "${url}" is not a Neo4j URL (${(error as Error).message}); use bolt://HOST:7687 or neo4j://HOST:7687`);
  }

  const session = async <T>(mode: 'READ' | 'WRITE', fn: (s: Session) => Promise<T>): Promise<T> => {
    const s = driver.session({ database, defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE });
    try {
      return await fn(s);
    } catch (error) {
      throw storeError(error, url, database);
    } finally {
      await s.close().catch(() => undefined);
    }
  };
  const read: TxRunner = (work) => session('READ', (s) => s.executeRead((tx) => work(wrap(tx))));
  const write: TxRunner = (work) => session('WRITE', (s) => s.executeWrite((tx) => work(wrap(tx))));

  // A server still starting (a cluster booting, a restart) is waited for, up to maxRetryMs;
  // a refused login or a missing database fails at once.
  const deadline = Date.now() + (options.maxRetryMs ?? 30_000);
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      await driver.verifyConnectivity({ database });
      break;
    } catch (error) {
      const e = storeError(error, url, database);
      if (e.code !== 'STORE_FAILED' || Date.now() + wait > deadline) {
        await driver.close();
        throw e;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  let migrationVersion: number;
  try {
    migrationVersion = await migrateNeo4j(
      (cypher, params) => session('WRITE', async (s) => (await s.run(cypher, params)).records.map((r) => r.toObject())),
      (cypher, params) => write((tx) => tx.rows(cypher, params)),
    );
  } catch (error) {
    await driver.close();
    throw error;
  }

  const createFaces = async (tx: Tx, photoId: number, faces: ReturnType<typeof faceProps>[]) => {
    const ids = await nextIds(tx, 'Face', faces.length);
    await tx.run(`MATCH (ph:Photo {id: $photoId}) UNWIND $faces AS f
      CREATE (n:Face) SET n = f.props, n.id = f.id CREATE (n)-[:IN]->(ph)`,
    { photoId, faces: faces.map((props, i) => ({ id: tx.int(ids[i]!), props })) });
    return ids;
  };

  const catalog: Neo4jCatalog = {
    migrationVersion,
    ...neo4jAnnotations(read, write),
    ...neo4jGraphQueries((work) => read((tx) => work((cypher, params) => tx.rows(cypher, params)))),
    run: (cypher, params) => write((tx) => tx.rows(cypher, params)),
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
      params.skip = int(filter.offset ?? 0);
      params.limit = int(filter.limit ?? 0);
      const cypher = `${match} WITH f, ph, o, pe ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        RETURN ${FACE} AS r ORDER BY ${order} ${page}`;
      return (await read((tx) => tx.rows(cypher, params))).map((x) => toFace(x.r as Row));
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
        RETURN ${FACE_VECTOR} AS r ORDER BY f.id ${page ? 'LIMIT $limit' : ''}`, { model, afterId: page?.afterId ?? -1, ...(page ? { limit: int(page.limit) } : {}) }));
      return r.map((x) => toFaceVector(x.r as Row));
    },
    async getEmbedding(faceId) {
      const r = await read((tx) => tx.one('MATCH (f:Face {id: $faceId}) RETURN f.embedding AS e', { faceId }));
      return r ? toEmbedding(r.e) : null;
    },
    async createPerson(name = null, restore) {
      return write(async (tx) => {
        if (restore?.mergedInto != null) await livePerson(tx, restore.mergedInto);
        const [id] = await nextIds(tx, 'Person', 1);
        await tx.run('CREATE (p:Person {id: $id, hidden: $hidden, createdAt: $createdAt}) SET p.name = $name, p.mergedInto = toInteger($mergedInto)', {
          id: tx.int(id!), name, hidden: restore?.hidden ?? false, createdAt: restore?.createdAt ?? now(), mergedInto: restore?.mergedInto ?? null,
        });
        return id!;
      });
    },
    async getPerson(id) {
      const r = await read((tx) => tx.one(`MATCH (p:Person {id: $id}) RETURN ${PERSON} AS r`, { id }));
      return r ? toPerson(r.r as Row) : null;
    },
    async findPersonByName(name) {
      const r = await read((tx) => tx.one(`MATCH (p:Person {name: $name}) WHERE p.mergedInto IS NULL
        WITH p ORDER BY p.id LIMIT 1 RETURN ${PERSON} AS r`, { name }));
      return r ? toPerson(r.r as Row) : null;
    },
    async listPeople(options = {}) {
      const where = [options.includeMerged ? 'true' : 'p.mergedInto IS NULL', options.includeHidden ? 'true' : 'NOT p.hidden'];
      const r = await read((tx) => tx.rows(`MATCH (p:Person) WHERE ${where.join(' AND ')}
        WITH ${PERSON} AS r RETURN r ORDER BY r.faceCount DESC, r.id`));
      return r.map((x) => toPerson(x.r as Row));
    },
    async updatePerson(id, patch) {
      await write(async (tx) => {
        const r = await tx.one(`MATCH (p:Person {id: $id}) SET p.name = coalesce($name, p.name), p.hidden = coalesce($hidden, p.hidden) RETURN p.id AS id`, {
          id, name: patch.name ?? null, hidden: patch.hidden ?? null,
        });
        if (!r) throw notFoundPerson(id);
      });
    },
    async deletePerson(id) {
      return write(async (tx) => {
        if (!(await tx.one('MATCH (p:Person {id: $id}) RETURN p.id AS id', { id }))) throw notFoundPerson(id);
        const faces = await tx.rows('MATCH (f:Face)-[:OF]->(:Person {id: $id}) RETURN f.id AS id, f.thumbKey AS k ORDER BY f.id', { id });
        await tx.run('MATCH (f:Face)-[:OF]->(:Person {id: $id}) DETACH DELETE f', { id });
        await tx.run('MATCH (p:Person) WHERE p.id = $id OR p.mergedInto = $id DETACH DELETE p', { id });
        return { removedThumbKeys: await orphaned(tx, faces.map((f) => f.k as string | null)), faceIds: faces.map((f) => Number(f.id)) };
      });
    },
    async assign(assignments: Assignment[]) {
      await write(async (tx) => {
        const faceIds = assignments.map((a) => a.faceId);
        const found = new Set((await tx.rows('MATCH (f:Face) WHERE f.id IN $ids RETURN f.id AS id', { ids: faceIds })).map((r) => Number(r.id)));
        const missing = faceIds.find((id) => !found.has(id));
        if (missing !== undefined) throw notFoundFace(missing);
        const personIds = [...new Set(assignments.flatMap((a) => (a.personId === null ? [] : [a.personId])))];
        const people = new Set((await tx.rows('MATCH (p:Person) WHERE p.id IN $ids RETURN p.id AS id', { ids: personIds })).map((r) => Number(r.id)));
        const noPerson = personIds.find((id) => !people.has(id));
        if (noPerson !== undefined) throw notFoundPerson(noPerson);
        const touched = await peopleOfFaces(tx, faceIds);
        await setFaces(tx, assignments.map((a) => ({ ...a, source: a.personId === null ? null : a.source })), now());
        await prune(tx, touched);
      });
    },
    async reject(faceId, personId) {
      await write(async (tx) => {
        if (!(await tx.one('MATCH (f:Face {id: $faceId}) RETURN f.id AS id', { faceId }))) throw notFoundFace(faceId);
        if (!(await tx.one('MATCH (p:Person {id: $personId}) RETURN p.id AS id', { personId }))) throw notFoundPerson(personId);
        await addRejections(tx, [{ faceId, personId }], now());
        await tx.run('MATCH (:Face {id: $faceId})-[o:OF]->(:Person {id: $personId}) DELETE o', { faceId, personId });
      });
    },
    async rejectedPeople(faceId) {
      const r = await read((tx) => tx.rows('MATCH (:Face {id: $faceId})-[:NOT_OF]->(p:Person) RETURN p.id AS id ORDER BY id', { faceId }));
      return r.map((x) => Number(x.id));
    },
    async peopleInPhoto(photoId) {
      const r = await read((tx) => tx.rows(`MATCH (f:Face)-[:IN]->(:Photo {id: $photoId}) OPTIONAL MATCH (f)-[:OF]->(pe:Person)
        RETURN f.id AS faceId, pe.id AS personId ORDER BY faceId`, { photoId }));
      return r.map((x) => ({ faceId: Number(x.faceId), personId: x.personId === null ? null : Number(x.personId) }));
    },
    ...neo4jDecisions(read, write),
    async dismissFace(faceId) {
      return write(async (tx) => {
        const f = await tx.one(`MATCH (f:Face {id: $faceId})-[:IN]->(ph:Photo) OPTIONAL MATCH (f)-[:OF]->(pe:Person)
          RETURN f.x AS x, f.y AS y, f.w AS w, f.h AS h, f.thumbKey AS k, ph.id AS photoId, pe.id AS personId`, { faceId });
        if (!f) throw notFoundFace(faceId);
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
    async allRejections() {
      const r = await read((tx) => tx.rows('MATCH (f:Face)-[:NOT_OF]->(p:Person) RETURN f.id AS faceId, p.id AS personId ORDER BY faceId, personId'));
      return r.map((x) => ({ faceId: Number(x.faceId), personId: Number(x.personId) }));
    },
    async queryPeople(query: PeopleQuery = {}) {
      const where = ['p.mergedInto IS NULL'];
      const params: Row = {};
      const hidden = query.hidden ?? 'exclude';
      if (hidden === 'exclude') where.push('NOT p.hidden');
      if (hidden === 'only') where.push('p.hidden');
      const search = query.search?.trim();
      if (search) {
        where.push('(toLower(p.name) CONTAINS toLower($search) OR p.id = $searchId)');
        params.search = search;
        params.searchId = /^\d+$/.test(search) ? Number(search) : -1;
      }
      const sort = query.sort ?? 'faces';
      const order = [
        ...(query.unnamedFirst ? ['s.name IS NOT NULL'] : []),
        ...({ faces: ['s.faceCount DESC'], name: ['s.name IS NULL', 'toLower(s.name)'], newest: ['s.createdAt DESC', 's.id DESC'] }[sort]),
        's.id',
      ].join(', ');
      const filter = `MATCH (p:Person) WHERE ${where.join(' AND ')}`;
      // Sorted by face count, every matching person is counted; otherwise only the page's people are.
      const projection = sort === 'faces' ? 'p { .id, .name, .createdAt, faceCount: COUNT { (:Face)-[:OF]->(p) } }' : 'p { .id, .name, .createdAt }';
      return read(async (tx) => {
        const total = Number((await tx.one(`${filter} RETURN count(p) AS n`, params))!.n);
        const page = await tx.rows(`${filter} WITH p, ${projection} AS s ORDER BY ${order} SKIP $skip LIMIT $limit
          RETURN ${PERSON} AS r`, { ...params, skip: int(query.offset ?? 0), limit: int(query.limit ?? 50) });
        return { total, items: page.map((x) => toPerson(x.r as Row)) };
      });
    },
    async queryPhotos(query: PhotoQuery = {}) {
      const params: Row = {};
      const where = ["ph.status = 'done'"];
      const people = [...new Set(query.people ?? [])];
      let match = 'MATCH (ph:Photo)';
      if (people.length > 0) {
        params.people = people;
        params.n = people.length;
        const mode = query.mode ?? 'all';
        match = `MATCH (pe:Person)<-[:OF]-(:Face)-[:IN]->(ph:Photo) WHERE pe.id IN $people
          WITH ph, count(DISTINCT pe) AS n ${mode === 'any' ? '' : 'WHERE n = $n'}`;
        if (mode === 'only') where.push('NOT EXISTS { MATCH (ph)<-[:IN]-(:Face)-[:OF]->(o:Person) WHERE NOT o.id IN $people }');
      }
      if (query.takenFrom) { where.push('ph.takenAt >= $takenFrom'); params.takenFrom = query.takenFrom; }
      // A prefix compare: "2024-06-01" includes every time of that day.
      if (query.takenTo) { where.push('substring(ph.takenAt, 0, size($takenTo)) <= $takenTo'); params.takenTo = query.takenTo; }
      const filter = `${match} WITH ph WHERE ${where.join(' AND ')}`;
      return read(async (tx) => {
        const total = Number((await tx.one(`${filter} RETURN count(ph) AS n`, params))!.n);
        const page = await tx.rows(`${filter} WITH ph ORDER BY ph.takenAt IS NULL, ph.takenAt DESC, ph.id DESC SKIP $skip LIMIT $limit
          RETURN ${PHOTO} AS r`, { ...params, skip: int(query.offset ?? 0), limit: int(query.limit ?? 50) });
        return { total, items: page.map((x) => toPhoto(x.r as Row)) };
      });
    },
    async coOccurrences(personId, limit = 20) {
      // Derived on read from (:Person)<-[:OF]-(:Face)-[:IN]->(:Photo): always equal to the faces, never stale.
      const r = await read((tx) => tx.rows(`MATCH (a:Person {id: $personId})<-[:OF]-(:Face)-[:IN]->(ph:Photo)<-[:IN]-(:Face)-[:OF]->(b:Person)
        WHERE b <> a WITH b, count(DISTINCT ph) AS photos
        RETURN b.id AS personId, b.name AS name, photos ORDER BY photos DESC, personId LIMIT $limit`, { personId, limit: int(limit) }));
      return r.map((x) => ({ personId: Number(x.personId), name: (x.name as string | null) ?? null, photos: Number(x.photos) }));
    },
    async addManualFace(photoId, f) {
      return write(async (tx) => {
        const photo = await tx.one('MATCH (ph:Photo {id: $photoId}) RETURN ph.status AS status', { photoId });
        if (!photo || photo.status !== 'done') throw new AppError('NOT_FOUND', `photo ${photoId} does not exist or was not indexed; list photos with \`facetag photos list\``);
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
    async listMerges() {
      const r = await read((tx) => tx.rows(`MATCH (m:Merge) RETURN ${MERGE} AS r ORDER BY m.id`));
      return r.map((x) => toMergeDetail(x.r as Row));
    },
    async listDismissals() {
      const r = await read((tx) => tx.rows(`MATCH (d:DismissedBox)-[:ON]->(ph:Photo)
        RETURN ph.id AS photoId, d.x AS x, d.y AS y, d.w AS w, d.h AS h, d.at AS at ORDER BY d.id`));
      return r.map((d) => ({ photoId: Number(d.photoId), box: { x: Number(d.x), y: Number(d.y), w: Number(d.w), h: Number(d.h) }, at: d.at as string }));
    },
    async importMerge(m) {
      return write(async (tx) => {
        const [id] = await nextIds(tx, 'Merge', 1);
        await tx.run('CREATE (:Merge {id: $id, intoId: toInteger($intoId), fromId: toInteger($fromId), faces: $faces, rejections: $rejections, at: $at, undoneAt: $undoneAt})', {
          id: tx.int(id!), intoId: m.intoId, fromId: m.fromId, faces: JSON.stringify(m.faces), rejections: JSON.stringify(m.rejections), at: m.at, undoneAt: m.undoneAt,
        });
        return id!;
      });
    },
    async importDismissal(d) {
      await write(async (tx) => {
        const [id] = await nextIds(tx, 'DismissedBox', 1);
        const r = await tx.one(`MATCH (ph:Photo {id: $photoId}) CREATE (:DismissedBox {id: $id, x: $x, y: $y, w: $w, h: $h, at: $at})-[:ON]->(ph)
          RETURN ph.id AS id`, { photoId: d.photoId, id: tx.int(id!), ...d.box, at: d.at });
        if (!r) throw new AppError('NOT_FOUND', `photo ${d.photoId} does not exist; import the photos before their dismissed boxes`);
      });
    },
    async counts() {
      return read(async (tx) => {
        const r = (await tx.one(`CALL () { MATCH (ph:Photo {status: 'done'}) RETURN count(ph) AS photos }
          CALL () { MATCH (ph:Photo {status: 'failed'}) RETURN count(ph) AS photosFailed }
          CALL () { MATCH (f:Face) RETURN count(f) AS faces }
          CALL () { MATCH (p:Person) RETURN count(p) AS people }
          CALL () { MATCH (f:Face) WHERE NOT EXISTS { (f)-[:OF]->() } RETURN count(f) AS unassigned }
          RETURN photos, photosFailed, faces, people, unassigned`))!;
        return { photos: Number(r.photos), photosFailed: Number(r.photosFailed), faces: Number(r.faces), people: Number(r.people), unassigned: Number(r.unassigned) };
      });
    },
    writeBatch: (work) => write((tx) => work(neo4jWriterTx(tx))),
    async close() {
      await driver.close();
    },
  };
  return catalog;
}
