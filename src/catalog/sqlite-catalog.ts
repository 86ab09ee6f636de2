import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import type { Box } from '../vision/image.js';
import type { AssignSource, Assignment, Catalog, FaceFilter, FaceVector, MergeDetail, PeopleQuery, PhotoQuery } from './catalog.js';
import { byDistance, cosineDistance } from './cosine-distance.js';
import { sqliteAnnotations } from './sqlite-annotations.js';
import { sqliteGraphQueries } from './sqlite-graph-queries.js';
import { migrate } from './sqlite-migrations.js';
import { sqliteWrites } from './sqlite-writer-tx.js';
import { oneBatchAtATime } from './one-batch-at-a-time.js';
import { busyAsAppError, configureConnection, writeTransaction } from './sqlite-write.js';
import {
  CLUSTERABLE, FACE_COLUMNS, PERSON_SELECT, PHOTO_SELECT, fromBlob, now, toBlob, toFace, toMerge, toPerson, toPhoto,
  type FaceRow, type MergeRow, type PersonRow, type PhotoRow,
} from './sqlite-rows.js';

/** The embedded catalog: one SQLite file in WAL mode. */
export function openSqliteCatalog(file: string): Catalog & { db: Database.Database } {
  mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    throw new AppError('STORE_FAILED', `cannot open the catalog ${file} (${(error as Error).message}); check the data folder's permissions`);
  }
  configureConnection(db);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw busyAsAppError(error, file);
  }

  const q = {
    photoByPath: db.prepare(`${PHOTO_SELECT} WHERE path = ?`),
    photo: db.prepare(`${PHOTO_SELECT} WHERE id = ?`),
    face: db.prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE id = ?`),
    thumbsOfPhoto: db.prepare('SELECT thumb_key FROM faces WHERE photo_id = ? AND thumb_key IS NOT NULL'),
    thumbUsers: db.prepare('SELECT count(*) AS n FROM faces WHERE thumb_key = ?'),
    insertFace: db.prepare(`INSERT INTO faces (photo_id, x, y, w, h, landmarks, det_score, quality, embedding, model, thumb_key, manual, doubtful)
      VALUES (@photoId, @x, @y, @w, @h, @landmarks, @detScore, @quality, @embedding, @model, @thumbKey, @manual, @doubtful)`),
    setFace: db.prepare('UPDATE faces SET person_id = ?, source = ?, distance = ?, assigned_at = ? WHERE id = ?'),
    person: db.prepare(`${PERSON_SELECT} WHERE p.id = ?`),
    insertPerson: db.prepare('INSERT INTO people (name, created_at) VALUES (?, ?) RETURNING id'),
    pruneEmpty: db.prepare(`DELETE FROM people WHERE name IS NULL AND hidden = 0 AND merged_into IS NULL
      AND NOT EXISTS (SELECT 1 FROM people m WHERE m.merged_into = people.id)
      AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = people.id)
      AND NOT EXISTS (SELECT 1 FROM rejections r WHERE r.person_id = people.id)`),
  };

  /** Thumbnails that no face points at any more, among `keys`. */
  const orphaned = (keys: Array<string | null>) =>
    [...new Set(keys.filter((k): k is string => !!k))].filter((k) => (q.thumbUsers.get(k) as { n: number }).n === 0);

  /** A person that exists and was not merged away, or a clear error. */
  const livePerson = (id: number) => {
    const p = db.prepare('SELECT id, merged_into FROM people WHERE id = ?').get(id) as { id: number; merged_into: number | null } | undefined;
    if (!p) throw new AppError('NOT_FOUND', `person ${id} does not exist; list people with \`facetag people list\``);
    if (p.merged_into !== null) throw new AppError('CONFLICT', `person ${id} was merged into person ${p.merged_into}; use ${p.merged_into}, or undo with \`facetag people unmerge ${id}\``);
  };

  /** Two faces of one photo are never one person. */
  const cannotLink = (personId: number, faceIds: number[]) => {
    const clash = db.prepare(`SELECT a.id AS face, b.id AS other, a.photo_id AS photo FROM faces a JOIN faces b ON a.photo_id = b.photo_id AND a.id <> b.id
      WHERE a.id = ? AND b.person_id = ? LIMIT 1`);
    for (const id of faceIds) {
      const c = clash.get(id, personId) as { face: number; other: number; photo: number } | undefined;
      if (c) throw new AppError('CONFLICT', `person ${personId} already has face ${c.other} in photo ${c.photo}, where face ${c.face} is; two faces of one photo are two people: move face ${c.other} out first`);
    }
  };

  const writes = sqliteWrites(db);
  const assignTx = writeTransaction(db, (assignments: Assignment[]) => {
    const missing = assignments.find((a) => !q.face.get(a.faceId));
    if (missing) throw new AppError('NOT_FOUND', `face ${missing.faceId} does not exist; list faces with \`facetag faces list\``);
    writes.assign(assignments);
    writes.prune();
  });

  const catalog: Catalog & { db: Database.Database } = {
    ...sqliteAnnotations(db),
    db,
    ...sqliteGraphQueries(db),
    async getPhotoByPath(path) {
      const r = q.photoByPath.get(path) as PhotoRow | undefined;
      return r ? toPhoto(r) : null;
    },
    async getPhoto(id) {
      const r = q.photo.get(id) as PhotoRow | undefined;
      return r ? toPhoto(r) : null;
    },
    async savePhoto(result) {
      return writeTransaction(db, () => {
        const saved = writes.savePhoto(result);
        writes.prune();
        return { photoId: saved.photoId, faceIds: saved.faceIds, removedThumbKeys: saved.removedThumbKeys };
      })();
    },
    async recordFailure(f) {
      writeTransaction(db, () => {
        writes.recordFailure(f);
        writes.prune();
      })();
    },
    async listFailures() {
      return (db.prepare(`${PHOTO_SELECT} WHERE status = 'failed' ORDER BY path`).all() as PhotoRow[]).map(toPhoto);
    },
    async deletePhoto(id) {
      return writeTransaction(db, () => {
        const thumbs = (q.thumbsOfPhoto.all(id) as Array<{ thumb_key: string }>).map((r) => r.thumb_key);
        db.prepare('DELETE FROM photos WHERE id = ?').run(id);
        q.pruneEmpty.run();
        return { removedThumbKeys: orphaned(thumbs) };
      })();
    },
    async listPhotos() {
      return (db.prepare(`${PHOTO_SELECT} ORDER BY path`).all() as PhotoRow[]).map(toPhoto);
    },
    async getFace(id) {
      const r = q.face.get(id) as FaceRow | undefined;
      return r ? toFace(r) : null;
    },
    async listFaces(filter: FaceFilter = {}) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.personId !== undefined) { where.push('person_id = ?'); args.push(filter.personId); }
      if (filter.photoId !== undefined) { where.push('photo_id = ?'); args.push(filter.photoId); }
      if (filter.unassigned) where.push('person_id IS NULL');
      if (filter.source !== undefined) { where.push('source = ?'); args.push(filter.source); }
      if (filter.minDistance !== undefined) { where.push('distance >= ?'); args.push(filter.minDistance); }
      const order = filter.order === 'distance-desc' ? 'distance DESC, id' : 'id';
      const sql = `SELECT ${FACE_COLUMNS} FROM faces ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ? OFFSET ?`;
      return (db.prepare(sql).all(...args, filter.limit ?? -1, filter.offset ?? 0) as FaceRow[]).map(toFace);
    },
    async getFaceVectors(ids) {
      if (ids.length === 0) return [];
      const rows = db.prepare(`SELECT id, photo_id, person_id, source, quality, embedding FROM faces WHERE id IN (${ids.map(() => '?').join(',')})`)
        .all(...ids) as Array<{ id: number; photo_id: number; person_id: number | null; source: AssignSource | null; quality: number; embedding: Buffer }>;
      return rows.map((r) => ({ id: r.id, photoId: r.photo_id, personId: r.person_id, source: r.source, quality: r.quality, embedding: fromBlob(r.embedding) }));
    },
    faceStates: async (ids) => writes.faceStates(ids),
    async allFaceVectors(model, page) {
      const out: FaceVector[] = [];
      for (const r of db.prepare(`SELECT id, photo_id, person_id, source, quality, embedding FROM faces f WHERE model = ? AND id > ? AND ${CLUSTERABLE} ORDER BY id LIMIT ?`)
        .iterate(model, page?.afterId ?? -1, page?.limit ?? -1) as Iterable<{
        id: number; photo_id: number; person_id: number | null; source: AssignSource | null; quality: number; embedding: Buffer;
      }>) {
        out.push({ id: r.id, photoId: r.photo_id, personId: r.person_id, source: r.source, quality: r.quality, embedding: fromBlob(r.embedding) });
      }
      return out;
    },
    async getEmbedding(faceId) {
      const r = db.prepare('SELECT embedding FROM faces WHERE id = ?').get(faceId) as { embedding: Buffer } | undefined;
      return r ? fromBlob(r.embedding) : null;
    },
    async createPerson(name = null, restore) {
      return writeTransaction(db, () => {
        if (restore?.mergedInto != null) livePerson(restore.mergedInto);
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
    async updatePerson(id, patch) {
      const r = db.prepare('UPDATE people SET name = coalesce(?, name), hidden = coalesce(?, hidden) WHERE id = ?').run(
        patch.name === undefined ? null : patch.name, patch.hidden === undefined ? null : patch.hidden ? 1 : 0, id);
      if (r.changes === 0) throw new AppError('NOT_FOUND', `person ${id} does not exist; list people with \`facetag people list\``);
    },
    async deletePerson(id) {
      return writeTransaction(db, () => {
        if (!q.person.get(id)) throw new AppError('NOT_FOUND', `person ${id} does not exist; list people with \`facetag people list\``);
        const faces = db.prepare('SELECT id, thumb_key FROM faces WHERE person_id = ?').all(id) as Array<{ id: number; thumb_key: string | null }>;
        db.prepare('DELETE FROM faces WHERE person_id = ?').run(id);
        db.prepare('DELETE FROM people WHERE id = ? OR merged_into = ?').run(id, id);
        return { removedThumbKeys: orphaned(faces.map((f) => f.thumb_key)), faceIds: faces.map((f) => f.id) };
      })();
    },
    async assign(assignments) {
      assignTx(assignments);
    },
    async reject(faceId, personId) {
      writeTransaction(db, () => {
        db.prepare('INSERT OR IGNORE INTO rejections (face_id, person_id, at) VALUES (?, ?, ?)').run(faceId, personId, now());
        db.prepare('UPDATE faces SET person_id = NULL, source = NULL, distance = NULL, assigned_at = NULL WHERE id = ? AND person_id = ?').run(faceId, personId);
      })();
    },
    async rejectedPeople(faceId) {
      return (db.prepare('SELECT person_id FROM rejections WHERE face_id = ?').all(faceId) as Array<{ person_id: number }>).map((r) => r.person_id);
    },
    async peopleInPhoto(photoId) {
      return (db.prepare('SELECT id, person_id FROM faces WHERE photo_id = ?').all(photoId) as Array<{ id: number; person_id: number | null }>)
        .map((r) => ({ faceId: r.id, personId: r.person_id }));
    },
    async mergePeople(intoId, fromId) {
      return writeTransaction(db, () => {
        if (intoId === fromId) throw new AppError('INVALID_INPUT', `cannot merge person ${intoId} into itself; give two different people`);
        for (const id of [intoId, fromId]) livePerson(id);
        const clash = db.prepare(`SELECT DISTINCT a.photo_id AS photo FROM faces a JOIN faces b ON a.photo_id = b.photo_id
          WHERE a.person_id = ? AND b.person_id = ? LIMIT 5`).all(intoId, fromId) as Array<{ photo: number }>;
        if (clash.length > 0) {
          throw new AppError('CONFLICT', `people ${intoId} and ${fromId} both appear in ${clash.length === 1 ? 'photo' : 'photos'} ${clash.map((c) => c.photo).join(', ')}, so they are two people; move the wrong face first (\`facetag people move-face FACE PERSON\`)`, { details: { photoIds: clash.map((c) => c.photo), people: [intoId, fromId] } });
        }
        const faces = db.prepare('SELECT id, source, distance FROM faces WHERE person_id = ?').all(fromId);
        // The surviving person inherits the merged person's rejections; remember which were new, for undo.
        const added = (db.prepare(`SELECT r.face_id AS faceId FROM rejections r WHERE r.person_id = ?
          AND NOT EXISTS (SELECT 1 FROM rejections s WHERE s.face_id = r.face_id AND s.person_id = ?)`).all(fromId, intoId) as Array<{ faceId: number }>)
          .map((r) => r.faceId);
        db.prepare('UPDATE faces SET person_id = ? WHERE person_id = ?').run(intoId, fromId);
        const at = now();
        for (const faceId of added) db.prepare('INSERT INTO rejections (face_id, person_id, at) VALUES (?, ?, ?)').run(faceId, intoId, at);
        db.prepare('UPDATE people SET merged_into = ? WHERE id = ?').run(intoId, fromId);
        db.prepare('UPDATE people SET merged_into = ? WHERE merged_into = ?').run(intoId, fromId);
        const row = db.prepare('INSERT INTO merges (into_id, from_id, faces, rejections, at) VALUES (?, ?, ?, ?, ?) RETURNING *')
          .get(intoId, fromId, JSON.stringify(faces), JSON.stringify(added), at) as MergeRow;
        return toMerge(row);
      })();
    },
    async unmerge(mergeId) {
      return writeTransaction(db, () => {
        const m = db.prepare('SELECT * FROM merges WHERE id = ?').get(mergeId) as MergeRow | undefined;
        if (!m) throw new AppError('NOT_FOUND', `merge ${mergeId} does not exist; \`facetag people unmerge PERSON\` undoes a person's latest merge`);
        if (m.undone_at) throw new AppError('CONFLICT', `merge ${mergeId} was already undone at ${m.undone_at}`);
        const from = db.prepare('SELECT id FROM people WHERE id = ?').get(m.from_id);
        if (!from) throw new AppError('CONFLICT', `person ${m.from_id} of merge ${mergeId} was deleted since; the merge cannot be undone`);
        db.prepare('UPDATE people SET merged_into = NULL WHERE id = ?').run(m.from_id);
        const move = db.prepare('UPDATE faces SET person_id = ?, source = ?, distance = ? WHERE id = ? AND person_id = ?');
        for (const f of JSON.parse(m.faces) as Array<{ id: number; source: AssignSource | null; distance: number | null }>) {
          move.run(m.from_id, f.source, f.distance, f.id, m.into_id);
        }
        const dropInherited = db.prepare('DELETE FROM rejections WHERE face_id = ? AND person_id = ?');
        for (const faceId of JSON.parse(m.rejections) as number[]) dropInherited.run(faceId, m.into_id);
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
        livePerson(personId);
        if (faceIds.length === 0) throw new AppError('INVALID_INPUT', 'split needs at least one face id of the person');
        const owner = db.prepare('SELECT person_id FROM faces WHERE id = ?');
        for (const id of faceIds) {
          const f = owner.get(id) as { person_id: number | null } | undefined;
          if (!f || f.person_id !== personId) throw new AppError('INVALID_INPUT', `face ${id} is not a face of person ${personId}; see \`facetag people show ${personId}\``);
        }
        const newId = (q.insertPerson.get(null, now()) as { id: number }).id;
        const at = now();
        for (const id of faceIds) {
          q.setFace.run(newId, 'confirmed', null, at, id);
          db.prepare('INSERT OR IGNORE INTO rejections (face_id, person_id, at) VALUES (?, ?, ?)').run(id, personId, at);
        }
        q.pruneEmpty.run();
        return newId;
      })();
    },
    async moveFace(faceId, personId) {
      writeTransaction(db, () => {
        livePerson(personId);
        const f = db.prepare('SELECT id, photo_id, person_id FROM faces WHERE id = ?').get(faceId) as { id: number; photo_id: number; person_id: number | null } | undefined;
        if (!f) throw new AppError('NOT_FOUND', `face ${faceId} does not exist; list faces with \`facetag faces list\``);
        if (f.person_id === personId) {
          q.setFace.run(personId, 'manual', null, now(), faceId);
          return;
        }
        cannotLink(personId, [faceId]);
        const at = now();
        if (f.person_id !== null) db.prepare('INSERT OR IGNORE INTO rejections (face_id, person_id, at) VALUES (?, ?, ?)').run(faceId, f.person_id, at);
        db.prepare('DELETE FROM rejections WHERE face_id = ? AND person_id = ?').run(faceId, personId);
        q.setFace.run(personId, 'manual', null, at, faceId);
        q.pruneEmpty.run();
      })();
    },
    async confirmFaces(personId, faceIds) {
      return writeTransaction(db, () => {
        livePerson(personId);
        const at = now();
        if (!faceIds) {
          return db.prepare(`UPDATE faces SET source = 'confirmed', assigned_at = ? WHERE person_id = ? AND source = 'auto'`).run(at, personId).changes;
        }
        const get = db.prepare('SELECT id, person_id, source FROM faces WHERE id = ?');
        const attach = faceIds.filter((id) => {
          const f = get.get(id) as { person_id: number | null } | undefined;
          if (!f) throw new AppError('NOT_FOUND', `face ${id} does not exist; list faces with \`facetag faces list\``);
          if (f.person_id !== null && f.person_id !== personId) {
            throw new AppError('CONFLICT', `face ${id} belongs to person ${f.person_id}; move it with \`facetag people move-face ${id} ${personId}\``);
          }
          return f.person_id === null;
        });
        cannotLink(personId, attach);
        for (const id of faceIds) {
          db.prepare('DELETE FROM rejections WHERE face_id = ? AND person_id = ?').run(id, personId);
          q.setFace.run(personId, 'confirmed', null, at, id);
        }
        return faceIds.length;
      })();
    },
    async dismissFace(faceId) {
      return writeTransaction(db, () => {
        const f = db.prepare('SELECT id, photo_id, x, y, w, h, thumb_key FROM faces WHERE id = ?').get(faceId) as
          { id: number; photo_id: number; x: number; y: number; w: number; h: number; thumb_key: string | null } | undefined;
        if (!f) throw new AppError('NOT_FOUND', `face ${faceId} does not exist; list faces with \`facetag faces list\``);
        db.prepare('INSERT INTO dismissals (photo_id, x, y, w, h, at) VALUES (?, ?, ?, ?, ?, ?)').run(f.photo_id, f.x, f.y, f.w, f.h, now());
        db.prepare('DELETE FROM faces WHERE id = ?').run(faceId);
        q.pruneEmpty.run();
        return { removedThumbKeys: orphaned([f.thumb_key]) };
      })();
    },
    async dismissedBoxes(path) {
      return db.prepare('SELECT d.x, d.y, d.w, d.h FROM dismissals d JOIN photos p ON p.id = d.photo_id WHERE p.path = ? ORDER BY d.id').all(path) as Box[];
    },
    async allRejections() {
      return (db.prepare('SELECT face_id, person_id FROM rejections ORDER BY face_id').all() as Array<{ face_id: number; person_id: number }>)
        .map((r) => ({ faceId: r.face_id, personId: r.person_id }));
    },
    async queryPeople(query: PeopleQuery = {}) {
      const where = ['p.merged_into IS NULL'];
      const args: unknown[] = [];
      const hidden = query.hidden ?? 'exclude';
      if (hidden === 'exclude') where.push('p.hidden = 0');
      if (hidden === 'only') where.push('p.hidden = 1');
      const search = query.search?.trim();
      if (search) {
        where.push("(p.name LIKE ? ESCAPE '\\' OR p.id = ?)");
        args.push(`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, /^\d+$/.test(search) ? Number(search) : -1);
      }
      const order = [
        ...(query.unnamedFirst ? ['(p.name IS NOT NULL)'] : []),
        ...({ faces: ['face_count DESC'], name: ['(p.name IS NULL)', 'p.name COLLATE NOCASE'], newest: ['p.created_at DESC', 'p.id DESC'] }[query.sort ?? 'faces']),
        'p.id',
      ];
      const filter = where.join(' AND ');
      const total = (db.prepare(`SELECT count(*) AS n FROM people p WHERE ${filter}`).get(...args) as { n: number }).n;
      // Sorted by face count: the counts of every person, from one scan of the person index.
      // Otherwise the page is picked first and only its people are counted.
      const byFaces = (query.sort ?? 'faces') === 'faces';
      const rows = (byFaces
        ? db.prepare(`WITH counts AS (SELECT person_id, count(*) AS n FROM faces WHERE person_id IS NOT NULL GROUP BY person_id)
            SELECT p.id, p.name, p.hidden, p.created_at, p.merged_into, coalesce(c.n, 0) AS face_count
            FROM people p LEFT JOIN counts c ON c.person_id = p.id WHERE ${filter} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`)
        : db.prepare(`SELECT p.id, p.name, p.hidden, p.created_at, p.merged_into, 0 AS face_count
            FROM people p WHERE ${filter} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`))
        .all(...args, query.limit ?? 50, query.offset ?? 0) as Array<Omit<PersonRow, 'cover_face_id'>>;
      if (!byFaces) {
        const count = db.prepare('SELECT count(*) FROM faces WHERE person_id = ?').pluck();
        for (const r of rows) r.face_count = count.get(r.id) as number;
      }
      const cover = db.prepare(`SELECT f.id FROM faces f WHERE f.person_id = ?
        ORDER BY (f.source IN ('confirmed', 'manual', 'xmp')) DESC, f.quality DESC, f.id LIMIT 1`).pluck();
      return { total, items: rows.map((r) => toPerson({ ...r, cover_face_id: (cover.get(r.id) as number | undefined) ?? null })) };
    },
    async queryPhotos(query: PhotoQuery = {}) {
      const where = ["p.status = 'done'"];
      const args: unknown[] = [];
      const people = [...new Set(query.people ?? [])];
      if (people.length > 0) {
        const list = people.map(() => '?').join(', ');
        const mode = query.mode ?? 'all';
        where.push(`p.id IN (SELECT photo_id FROM faces WHERE person_id IN (${list}) GROUP BY photo_id
          ${mode === 'any' ? '' : 'HAVING count(DISTINCT person_id) = ?'})`);
        args.push(...people, ...(mode === 'any' ? [] : [people.length]));
        if (mode === 'only') {
          where.push(`NOT EXISTS (SELECT 1 FROM faces o WHERE o.photo_id = p.id AND o.person_id IS NOT NULL AND o.person_id NOT IN (${list}))`);
          args.push(...people);
        }
      }
      if (query.takenFrom) { where.push('p.taken_at >= ?'); args.push(query.takenFrom); }
      // A prefix compare: "2024-06-01" includes every time of that day.
      if (query.takenTo) { where.push('substr(p.taken_at, 1, ?) <= ?'); args.push(query.takenTo.length, query.takenTo); }
      const filter = where.join(' AND ');
      const total = (db.prepare(`SELECT count(*) AS n FROM photos p WHERE ${filter}`).get(...args) as { n: number }).n;
      const rows = db.prepare(`${PHOTO_SELECT} WHERE ${filter} ORDER BY p.taken_at IS NULL, p.taken_at DESC, p.id DESC LIMIT ? OFFSET ?`)
        .all(...args, query.limit ?? 50, query.offset ?? 0) as PhotoRow[];
      return { total, items: rows.map(toPhoto) };
    },
    async coOccurrences(personId, limit = 20) {
      const rows = db.prepare(`SELECT b.person_id AS personId, pe.name AS name, count(DISTINCT a.photo_id) AS photos
        FROM faces a JOIN faces b ON b.photo_id = a.photo_id AND b.person_id IS NOT NULL AND b.person_id <> a.person_id
        JOIN people pe ON pe.id = b.person_id
        WHERE a.person_id = ? GROUP BY b.person_id ORDER BY photos DESC, b.person_id LIMIT ?`).all(personId, limit);
      return rows as Array<{ personId: number; name: string | null; photos: number }>;
    },
    async addManualFace(photoId, f) {
      return writeTransaction(db, () => {
        const photo = q.photo.get(photoId) as PhotoRow | undefined;
        if (!photo || photo.status !== 'done') throw new AppError('NOT_FOUND', `photo ${photoId} does not exist or was not indexed; list photos with \`facetag photos list\``);
        return Number(q.insertFace.run({
          photoId, x: f.box.x, y: f.box.y, w: f.box.w, h: f.box.h, landmarks: JSON.stringify(f.landmarks),
          detScore: f.detScore, quality: f.quality, embedding: toBlob(f.embedding), model: f.model, thumbKey: f.thumbKey, manual: 1, doubtful: f.doubtful ? 1 : 0,
        }).lastInsertRowid);
      })();
    },
    async facesOfOtherModels(model, limit, photoModel) {
      const rows = db.prepare(`SELECT ${FACE_COLUMNS.split(', ').map((c) => `f.${c}`).join(', ')}, p.path AS path FROM faces f JOIN photos p ON p.id = f.photo_id
        WHERE f.model <> @model AND p.status = 'done' AND (@photoModel IS NULL OR p.model = @photoModel)
        ORDER BY f.photo_id, f.id LIMIT @limit`).all({ model, limit, photoModel: photoModel ?? null }) as Array<FaceRow & { path: string }>;
      return rows.map((r) => ({ ...toFace(r), path: r.path }));
    },
    async setFaceEmbeddings(updates) {
      const set = db.prepare('UPDATE faces SET embedding = ?, model = ?, landmarks = ?, quality = ? WHERE id = ?');
      writeTransaction(db, () => {
        for (const u of updates) set.run(toBlob(u.embedding), u.model, JSON.stringify(u.landmarks), u.quality, u.faceId);
      })();
    },
    async nearestFaces(embedding, k, model) {
      // An exact scan: right for the embedded library sizes; cluster mode uses Neo4j's vector index.
      if (k <= 0) return [];
      const hits: Array<{ faceId: number; distance: number }> = [];
      for (const r of db.prepare(`SELECT id, embedding FROM faces f WHERE model = ? AND ${CLUSTERABLE}`).iterate(model) as Iterable<{ id: number; embedding: Buffer }>) {
        const v = fromBlob(r.embedding);
        if (v.length === embedding.length) hits.push({ faceId: r.id, distance: cosineDistance(embedding, v) });
      }
      return hits.sort(byDistance).slice(0, k);
    },
    async listMerges() {
      return (db.prepare('SELECT * FROM merges ORDER BY id').all() as MergeRow[]).map((r): MergeDetail => ({
        ...toMerge(r), faces: JSON.parse(r.faces) as MergeDetail['faces'], rejections: JSON.parse(r.rejections) as number[],
      }));
    },
    async listDismissals() {
      return (db.prepare('SELECT photo_id, x, y, w, h, at FROM dismissals ORDER BY id').all() as Array<{ photo_id: number; x: number; y: number; w: number; h: number; at: string }>)
        .map((d) => ({ photoId: d.photo_id, box: { x: d.x, y: d.y, w: d.w, h: d.h }, at: d.at }));
    },
    async importMerge(m) {
      return (db.prepare('INSERT INTO merges (into_id, from_id, faces, rejections, at, undone_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id')
        .get(m.intoId, m.fromId, JSON.stringify(m.faces), JSON.stringify(m.rejections), m.at, m.undoneAt) as { id: number }).id;
    },
    async importDismissal(d) {
      if (!q.photo.get(d.photoId)) throw new AppError('NOT_FOUND', `photo ${d.photoId} does not exist; import the photos before their dismissed boxes`);
      db.prepare('INSERT INTO dismissals (photo_id, x, y, w, h, at) VALUES (?, ?, ?, ?, ?, ?)').run(d.photoId, d.box.x, d.box.y, d.box.w, d.box.h, d.at);
    },
    async counts() {
      const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      return {
        photos: one("SELECT count(*) AS n FROM photos WHERE status = 'done'"),
        photosFailed: one("SELECT count(*) AS n FROM photos WHERE status = 'failed'"),
        faces: one('SELECT count(*) AS n FROM faces'),
        people: one('SELECT count(*) AS n FROM people'),
        unassigned: one('SELECT count(*) AS n FROM faces WHERE person_id IS NULL'),
      };
    },
    async writeBatch(work) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(writes.tx);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
  return oneBatchAtATime(withBusyErrors(catalog, file));
}

/** Every method of the catalog, with a write that waited out the busy timeout failing as STORE_FAILED. */
function withBusyErrors<T extends object>(catalog: T, file: string): T {
  const out = { ...catalog } as Record<string, unknown>;
  for (const [key, value] of Object.entries(catalog)) {
    if (typeof value !== 'function') continue;
    out[key] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => unknown).apply(catalog, args);
      } catch (error) {
        throw busyAsAppError(error, file);
      }
    };
  }
  return out as T;
}
