import type { Box } from '../vision/image.js';
import { assignedSource } from './decision-rules.js';
import { planFaceSave, type PriorFaceState } from './face-continuity.js';
import type { AssignSource, FaceState, PhotoFailure, PhotoResult } from './catalog.js';
import { prune } from './neo4j-prune.js';
import { orphaned, setFaces, type Row, type Tx } from './neo4j-tx.js';
import { FACE_VECTOR, PHOTO, faceProps, now, toFaceVector, toPhoto } from './neo4j-rows.js';
import type { ExistingPhoto, SavedPhoto, WriterTx } from './writer-tx.js';

/** A face of an earlier version of a photo, with what a person decided about it. */
interface OldFace extends Box {
  pid: number;
  id: number;
  quality: number;
  manual: boolean;
  k: string | null;
  personId: number | null;
  source: AssignSource | null;
  rejected: number[];
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const toState = (r: Row): FaceState => ({
  id: Number(r.id), photoId: Number(r.photoId), personId: num(r.personId), source: (r.source as AssignSource | null) ?? null, quality: Number(r.quality),
});
const STATE = 'f.id AS id, ph.id AS photoId, pe.id AS personId, o.source AS source, f.quality AS quality';

/**
 * `n` fresh ids for each kind, from the `(:Counter)` nodes, in one statement. Counters are taken
 * in name order, as every other transaction takes them one at a time, so two writers never wait
 * on each other in a cycle.
 */
async function nextIdsOf(tx: Tx, wants: Record<string, number>): Promise<Record<string, number[]>> {
  const list = Object.entries(wants).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => ({ name, n: tx.int(n) }));
  const out: Record<string, number[]> = {};
  for (const name of Object.keys(wants)) out[name] = [];
  if (list.length === 0) return out;
  const rows = await tx.rows(`UNWIND $list AS w MERGE (c:Counter {name: w.name}) ON CREATE SET c.value = 0
    SET c.value = c.value + w.n RETURN w.name AS name, c.value AS last`, { list });
  for (const r of rows) {
    const n = wants[r.name as string]!;
    const last = Number(r.last);
    out[r.name as string] = Array.from({ length: n }, (_, i) => last - n + 1 + i);
  }
  return out;
}

/** The ids of the photos at these paths (null: none there), from `known` where it has them. */
async function photoIdsByPath(tx: Tx, paths: string[], known: Map<string, number | null>): Promise<Map<string, number | null>> {
  const missing = paths.filter((p) => !known.has(p));
  if (missing.length > 0) {
    for (const p of missing) known.set(p, null);
    for (const r of await tx.rows('UNWIND $paths AS path MATCH (ph:Photo {path: path}) RETURN path, ph.id AS id', { paths: missing })) known.set(r.path as string, Number(r.id));
  }
  return known;
}

/**
 * Creates or updates photos by path (their property maps), each with its new faces, in one
 * statement; new photos' ids and the faces' ids come from the counters first (one more).
 * Returns the photos' ids, in order, and the faces' ids, photo after photo.
 */
async function upsertPhotos(tx: Tx, rows: Array<{ props: Row; faces: Row[] }>, known: Map<string, number | null>): Promise<{ photoIds: number[]; faceIds: number[] }> {
  const ids = await photoIdsByPath(tx, rows.map((r) => r.props.path as string), known);
  const fresh = rows.filter((r) => ids.get(r.props.path as string) === null);
  const { Photo: photoIds, Face: faceIds } = await nextIdsOf(tx, { Photo: fresh.length, Face: rows.reduce((n, r) => n + r.faces.length, 0) });
  fresh.forEach((r, i) => ids.set(r.props.path as string, photoIds![i]!));
  let next = 0;
  await tx.run(`UNWIND $rows AS r MERGE (ph:Photo {path: r.props.path}) ON CREATE SET ph.id = r.id SET ph += r.props
    WITH ph, r UNWIND r.faces AS f CREATE (n:Face) SET n = f.props, n.id = f.id CREATE (n)-[:IN]->(ph)`, {
    rows: rows.map((r) => ({ props: r.props, id: tx.int(ids.get(r.props.path as string)!), faces: r.faces.map((props) => ({ props, id: tx.int(faceIds![next++]!) })) })),
  });
  return { photoIds: rows.map((r) => ids.get(r.props.path as string)!), faceIds: faceIds! };
}

/** What a face taken over by a new detection gets from it (its id, photo and decisions stay). */
const continuedProps = (f: PhotoResult['faces'][number]): Row => {
  const { manual: _manual, ...props } = faceProps(f);
  return props;
};

const photoProps = (result: PhotoResult): Row => ({
  path: result.path, sha256: result.sha256, size: result.size, mtimeMs: result.mtimeMs, width: result.width, height: result.height,
  takenAt: result.takenAt, gpsLat: result.gps?.lat ?? null, gpsLon: result.gps?.lon ?? null, gpsAlt: result.gps?.alt ?? null,
  status: 'done', errorCode: null, errorMessage: null, model: result.model, indexedAt: now(),
});

/**
 * The single writer's transaction on Neo4j: every call is one or a few parameterised UNWIND
 * statements over the whole batch, so a batch of photos costs a handful of round trips. New
 * faces carry their embedding property, which the native vector index takes in at commit.
 */
export function neo4jWriterTx(tx: Tx): WriterTx {
  /** Photo ids by path as this transaction has seen them (null: no photo there), so a batch looks each path up once. */
  const known = new Map<string, number | null>();
  return {
    remote: true,
    async existingPhotos(paths) {
      for (const p of paths) known.set(p, null);
      const rows = await tx.rows(`UNWIND $paths AS path MATCH (ph:Photo {path: path})
        RETURN path, ${PHOTO} AS r,
          COLLECT { MATCH (d:DismissedBox)-[:ON]->(ph) RETURN d { .x, .y, .w, .h } ORDER BY d.id } AS dismissed,
          COLLECT { MATCH (f:Face)-[:IN]->(ph) WHERE f.manual RETURN f { .id, .x, .y, .w, .h } ORDER BY f.id } AS manual`, { paths });
      const box = (b: Row): Box => ({ x: Number(b.x), y: Number(b.y), w: Number(b.w), h: Number(b.h) });
      for (const r of rows) known.set(r.path as string, Number((r.r as Row).id));
      return new Map(rows.map((r): [string, ExistingPhoto] => [r.path as string, {
        record: toPhoto(r.r as Row),
        dismissed: (r.dismissed as Row[]).map(box),
        manual: (r.manual as Row[]).map((f) => ({ id: Number(f.id), box: box(f) })),
      }]));
    },

    async savePhotos(results) {
      if (results.length === 0) return [];
      const ids = await photoIdsByPath(tx, results.map((r) => r.path), known);
      const before = new Map(results.flatMap((r) => (ids.get(r.path) === null ? [] : [[r.path, ids.get(r.path)!] as const])));
      const old = before.size === 0 ? [] : (await tx.rows(`UNWIND $pids AS pid MATCH (f:Face)-[:IN]->(ph:Photo {id: pid})
        OPTIONAL MATCH (f)-[o:OF]->(pe:Person)
        RETURN pid, ph.sha256 AS sha, f.id AS id, f.quality AS quality, f.manual AS manual, f.x AS x, f.y AS y, f.w AS w, f.h AS h, f.thumbKey AS k,
          pe.id AS personId, o.source AS source, COLLECT { MATCH (f)-[:NOT_OF]->(r:Person) RETURN r.id } AS rejected ORDER BY f.id`, { pids: [...before.values()] }))
        .map((r) => ({ ...r, pid: Number(r.pid), id: Number(r.id), quality: Number(r.quality), manual: r.manual === true, personId: num(r.personId), rejected: (r.rejected as unknown[]).map(Number) }) as OldFace & { sha: string });
      // The new faces in the places of the old ones take them over (same ids, decisions kept); see face-continuity.ts.
      const plans = results.map((result) => {
        const pid = before.get(result.path);
        const mine = pid === undefined ? [] : old.filter((f) => f.pid === pid);
        const prior = mine.map((f): PriorFaceState => ({
          id: f.id, photoId: f.pid, quality: f.quality, box: { x: f.x, y: f.y, w: f.w, h: f.h }, personId: f.personId, source: f.source, manual: f.manual, rejected: f.rejected,
        }));
        return planFaceSave(prior, result.faces, mine.length > 0 && mine[0]!.sha === result.sha256);
      });
      const drop = plans.flatMap((p) => p.drop);
      if (drop.length > 0) await tx.run('UNWIND $ids AS id MATCH (f:Face {id: id}) DETACH DELETE f', { ids: drop.map((id) => tx.int(id)) });
      const unassign = plans.flatMap((p) => p.unassign);
      if (unassign.length > 0) await tx.run('UNWIND $ids AS id MATCH (:Face {id: id})-[o:OF]->(:Person) DELETE o', { ids: unassign.map((id) => tx.int(id)) });
      const taken = results.flatMap((result, p) => result.faces.flatMap((f, k) => {
        const id = plans[p]!.continues[k];
        return id === null || id === undefined ? [] : [{ id: tx.int(id), props: continuedProps(f) }];
      }));
      if (taken.length > 0) await tx.run('UNWIND $rows AS r MATCH (f:Face {id: r.id}) SET f += r.props', { rows: taken });

      const fresh = results.map((result, p) => result.faces.filter((_, k) => plans[p]!.continues[k] === null));
      const { photoIds, faceIds } = await upsertPhotos(tx, results.map((r, p) => ({ props: photoProps(r), faces: fresh[p]!.map(faceProps) })), known);
      let next = 0;
      const saved = results.map((result, p): SavedPhoto => {
        const plan = plans[p]!;
        return {
          photoId: photoIds[p]!, faceIds: plan.continues.map((id) => id ?? faceIds[next++]!), faces: plan.faces, kept: plan.kept,
          removed: plan.removed, removedThumbKeys: [], touched: plan.touched,
        };
      });
      if (old.length > 0) {
        // Thumbnails of the earlier faces that no face (new ones included) uses any more.
        const gone = new Set(await orphaned(tx, old.map((f) => f.k)));
        saved.forEach((s, p) => {
          const pid = before.get(results[p]!.path);
          s.removedThumbKeys = [...new Set(old.filter((f) => f.pid === pid && f.k !== null && gone.has(f.k)).map((f) => f.k!))];
        });
      }
      return saved;
    },

    async recordFailures(failures: PhotoFailure[]) {
      if (failures.length === 0) return { touched: [] };
      const paths = failures.map((f) => f.path);
      const touched = (await tx.rows('UNWIND $paths AS path MATCH (:Photo {path: path})<-[:IN]-(:Face)-[:OF]->(p:Person) RETURN DISTINCT p.id AS id', { paths }))
        .map((r) => Number(r.id));
      await tx.run('UNWIND $paths AS path MATCH (f:Face)-[:IN]->(:Photo {path: path}) DETACH DELETE f', { paths });
      await upsertPhotos(tx, failures.map((f) => ({
        props: {
          path: f.path, sha256: f.sha256, size: f.size, mtimeMs: f.mtimeMs, width: null, height: null, takenAt: null,
          gpsLat: null, gpsLon: null, gpsAlt: null, status: 'failed', errorCode: f.code, errorMessage: f.message, model: null, indexedAt: now(),
        },
        faces: [],
      })), known);
      return { touched };
    },

    async faceStates(ids) {
      if (ids.length === 0) return [];
      return (await tx.rows(`MATCH (f:Face)-[:IN]->(ph:Photo) WHERE f.id IN $ids OPTIONAL MATCH (f)-[o:OF]->(pe:Person)
        RETURN ${STATE} ORDER BY id`, { ids: ids.map((id) => tx.int(id)) })).map(toState);
    },
    async faceVectors(ids) {
      if (ids.length === 0) return [];
      return (await tx.rows(`MATCH (f:Face)-[:IN]->(ph:Photo) WHERE f.id IN $ids OPTIONAL MATCH (f)-[o:OF]->(pe:Person)
        RETURN ${FACE_VECTOR} AS r ORDER BY f.id`, { ids: ids.map((id) => tx.int(id)) })).map((x) => toFaceVector(x.r as Row));
    },
    async facesOfPhotos(photoIds) {
      if (photoIds.length === 0) return [];
      return (await tx.rows(`MATCH (f:Face)-[:IN]->(ph:Photo) WHERE ph.id IN $ids OPTIONAL MATCH (f)-[o:OF]->(pe:Person)
        RETURN ${STATE} ORDER BY id`, { ids: photoIds.map((id) => tx.int(id)) })).map(toState);
    },
    async rejectedPeople(faceIds) {
      const out = new Map<number, number[]>();
      if (faceIds.length === 0) return out;
      const rows = await tx.rows('MATCH (f:Face)-[:NOT_OF]->(p:Person) WHERE f.id IN $ids RETURN f.id AS faceId, p.id AS personId ORDER BY personId',
        { ids: faceIds.map((id) => tx.int(id)) });
      for (const r of rows) out.set(Number(r.faceId), [...(out.get(Number(r.faceId)) ?? []), Number(r.personId)]);
      return out;
    },
    async peopleByName(names) {
      const unique = [...new Set(names)];
      if (unique.length === 0) return new Map();
      const rows = await tx.rows(`UNWIND $names AS name
        CALL (name) { MATCH (p:Person {name: name}) WHERE p.mergedInto IS NULL RETURN p.id AS id ORDER BY p.id LIMIT 1 }
        RETURN name, id`, { names: unique });
      return new Map(rows.map((r) => [r.name as string, Number(r.id)]));
    },
    async createPeople(names) {
      if (names.length === 0) return [];
      const r = await tx.one(`MERGE (c:Counter {name: 'Person'}) ON CREATE SET c.value = 0
        WITH c, c.value AS before SET c.value = before + size($names)
        WITH before UNWIND range(0, size($names) - 1) AS i
        CREATE (n:Person {id: before + 1 + i, hidden: false, createdAt: $at}) SET n.name = $names[i]
        WITH before, count(n) AS made RETURN before`, { names, at: now() });
      const before = Number(r!.before);
      return names.map((_, i) => before + 1 + i);
    },
    async assign(assignments) {
      // A face given twice ends on its last assignment (one statement may apply its rows in any order).
      const last = new Map(assignments.map((a) => [a.faceId, a]));
      if (last.size === 0) return;
      await setFaces(tx, [...last.values()].map((a) => ({ ...a, source: assignedSource(a) })), now());
    },
    prune: (touched, options = {}) => prune(tx, touched, options.stale ?? false),
  };
}
