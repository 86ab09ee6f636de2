import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { AssignSource, Catalog, NewFace } from './catalog.js';

/**
 * A portable dump of a whole catalog, through the Catalog port only, so that any adapter can
 * write it and any adapter can read it (a library moves from SQLite on a laptop to Neo4j on a
 * cluster without re-indexing). NDJSON, one record a line, in this order:
 *
 *   header     {format, version, exportedAt}
 *   photo      every photo (done and failed) with its faces, each face WITH its embedding
 *              (little-endian float32, base64: exact) and its assignment (person, source, distance)
 *   person     live people in id order, then the tombstones of merges
 *   rejection  (face, person) pairs: NOT_OF
 *   dismissal  boxes a person said are not faces
 *   merge      every merge, with what undoing it needs
 *   end        the counts written, so a cut-off file is detected
 *
 * Ids in the file are the source catalog's; import gives new ids and remaps every reference.
 * Face thumbnails are blobs, not catalog data: they are named (thumbKey) but not copied.
 */
export const DUMP_FORMAT = 'facetag-catalog-dump';
export const DUMP_VERSION = 1;

const source = z.enum(['auto', 'confirmed', 'manual', 'xmp']).nullable();
const box = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() });
const faceLine = z.object({
  id: z.number().int(), box, landmarks: z.array(z.tuple([z.number(), z.number()])), detScore: z.number(), quality: z.number(),
  model: z.string(), thumbKey: z.string().nullable(), manual: z.boolean(), doubtful: z.boolean().default(false), embedding: z.string(),
  personId: z.number().int().nullable(), source, distance: z.number().nullable(),
});
const line = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), format: z.literal(DUMP_FORMAT), version: z.literal(DUMP_VERSION), exportedAt: z.string() }),
  z.object({
    type: z.literal('photo'), id: z.number().int(), path: z.string(), sha256: z.string().nullable(), size: z.number(), mtimeMs: z.number(),
    width: z.number().nullable(), height: z.number().nullable(), takenAt: z.string().nullable(),
    gps: z.object({ lat: z.number(), lon: z.number(), alt: z.number().optional() }).nullable(),
    status: z.enum(['done', 'failed']), errorCode: z.string().nullable(), errorMessage: z.string().nullable(), model: z.string().nullable(),
    faces: z.array(faceLine),
  }),
  z.object({
    type: z.literal('person'), id: z.number().int(), name: z.string().nullable(), hidden: z.boolean(), createdAt: z.string(),
    mergedInto: z.number().int().nullable(),
  }),
  z.object({ type: z.literal('rejection'), faceId: z.number().int(), personId: z.number().int() }),
  z.object({ type: z.literal('dismissal'), photoId: z.number().int(), box, at: z.string() }),
  z.object({
    type: z.literal('merge'), id: z.number().int(), intoId: z.number().int(), fromId: z.number().int(),
    faces: z.array(z.object({ id: z.number().int(), source, distance: z.number().nullable() })), rejections: z.array(z.number().int()),
    // Absent from a dump written before merges kept the rejections they cleared: none.
    cleared: z.array(z.number().int()).default([]),
    at: z.string(), undoneAt: z.string().nullable(),
  }),
  z.object({ type: z.literal('end'), counts: z.record(z.number()) }),
]);
type Line = z.infer<typeof line>;

export interface DumpCounts {
  photos: number;
  faces: number;
  people: number;
  rejections: number;
  dismissals: number;
  merges: number;
}

const encode = (v: Float32Array) => {
  const bytes = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString('base64');
};
const decode = (s: string) => {
  const bytes = Buffer.from(s, 'base64');
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
};

/** Writes the whole catalog to `out` as NDJSON (see above); waits for `out` to drain. Does not end `out`. */
export async function exportCatalog(catalog: Catalog, out: NodeJS.WritableStream): Promise<DumpCounts> {
  const counts: DumpCounts = { photos: 0, faces: 0, people: 0, rejections: 0, dismissals: 0, merges: 0 };
  const write = async (record: Line) => {
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
  };
  await write({ type: 'header', format: DUMP_FORMAT, version: DUMP_VERSION, exportedAt: new Date().toISOString() });
  for (const p of (await catalog.listPhotos()).sort((a, b) => a.id - b.id)) {
    const faces = await catalog.listFaces({ photoId: p.id });
    const vectors = new Map((await catalog.getFaceVectors(faces.map((f) => f.id))).map((v) => [v.id, v.embedding]));
    await write({
      type: 'photo', id: p.id, path: p.path, sha256: p.sha256, size: p.size, mtimeMs: p.mtimeMs, width: p.width, height: p.height,
      takenAt: p.takenAt, gps: p.gps, status: p.status, errorCode: p.errorCode, errorMessage: p.errorMessage, model: p.model,
      faces: faces.map((f) => ({
        id: f.id, box: f.box, landmarks: f.landmarks as Array<[number, number]>, detScore: f.detScore, quality: f.quality, model: f.model,
        thumbKey: f.thumbKey, manual: f.manual, doubtful: f.doubtful, embedding: encode(vectors.get(f.id)!), personId: f.personId, source: f.source, distance: f.distance,
      })),
    });
    counts.photos++;
    counts.faces += faces.length;
  }
  const people = (await catalog.listPeople({ includeHidden: true, includeMerged: true }))
    .sort((a, b) => Number(a.mergedInto !== null) - Number(b.mergedInto !== null) || a.id - b.id);
  for (const p of people) {
    await write({ type: 'person', id: p.id, name: p.name, hidden: p.hidden, createdAt: p.createdAt, mergedInto: p.mergedInto });
    counts.people++;
  }
  for (const r of await catalog.allRejections()) {
    await write({ type: 'rejection', faceId: r.faceId, personId: r.personId });
    counts.rejections++;
  }
  for (const d of await catalog.listDismissals()) {
    await write({ type: 'dismissal', photoId: d.photoId, box: d.box, at: d.at });
    counts.dismissals++;
  }
  for (const m of await catalog.listMerges()) {
    await write({
      type: 'merge', id: m.id, intoId: m.intoId, fromId: m.fromId, faces: m.faces, rejections: m.rejections, cleared: m.cleared, at: m.at, undoneAt: m.undoneAt,
    });
    counts.merges++;
  }
  await write({ type: 'end', counts: { ...counts } });
  return counts;
}

/**
 * Reads a dump into an EMPTY catalog (of any driver), giving new ids. Refuses a catalog that
 * holds anything, and a dump that is cut off or not a dump. Human decisions come back whole:
 * names, hidden people, assignments with their source, rejections, dismissed boxes, merges (undoable).
 */
export async function importCatalog(catalog: Catalog, input: Readable, name = 'the dump'): Promise<DumpCounts> {
  const have = await catalog.counts();
  const merges = await catalog.listMerges();
  if (have.photos + have.photosFailed + have.faces + have.people + merges.length > 0) {
    throw new AppError('CONFLICT', `the catalog is not empty (${have.photos + have.photosFailed} photos, ${have.faces} faces, ${have.people} people); import ${name} into an empty catalog: a new data folder (--data DIR) or an empty Neo4j database`);
  }
  const counts: DumpCounts = { photos: 0, faces: 0, people: 0, rejections: 0, dismissals: 0, merges: 0 };
  const photoIds = new Map<number, number>();
  const faceIds = new Map<number, number>();
  const personIds = new Map<number, number>();
  const assignments: Array<{ faceId: number; personId: number; source: AssignSource | null; distance: number | null }> = [];
  const rejections: Array<{ faceId: number; personId: number }> = [];
  const dismissals: Array<Extract<Line, { type: 'dismissal' }>> = [];
  const mergeLines: Array<Extract<Line, { type: 'merge' }>> = [];
  const map = (ids: Map<number, number>, id: number, what: string, at: number) => {
    const to = ids.get(id);
    if (to === undefined) throw new AppError('INVALID_INPUT', `${name} line ${at}: ${what} ${id} is not in the dump before this line; the file is damaged: export it again`);
    return to;
  };
  let n = 0;
  let header = false;
  let end: Record<string, number> | null = null;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (text.trim() === '') continue;
    let record: Line;
    try {
      record = line.parse(JSON.parse(text));
    } catch (error) {
      throw new AppError('INVALID_INPUT', `${name} line ${n} is not a catalog dump record (${(error as Error).message.slice(0, 200)}); give a file written by \`facetag graph export\``);
    }
    if (!header && record.type !== 'header') throw new AppError('INVALID_INPUT', `${name} does not start with a ${DUMP_FORMAT} header; give a file written by \`facetag graph export\``);
    if (end) throw new AppError('INVALID_INPUT', `${name} line ${n} comes after the end record; the file is damaged: export it again`);
    switch (record.type) {
      case 'header':
        header = true;
        break;
      case 'photo': {
        let id: number;
        if (record.status === 'done') {
          const faces: NewFace[] = record.faces.map((f) => ({
            box: f.box, landmarks: f.landmarks, detScore: f.detScore, quality: f.quality, embedding: decode(f.embedding), model: f.model,
            thumbKey: f.thumbKey, manual: f.manual, doubtful: f.doubtful,
          }));
          const saved = await catalog.savePhoto({
            path: record.path, sha256: record.sha256 ?? '', size: record.size, mtimeMs: record.mtimeMs, width: record.width ?? 0,
            height: record.height ?? 0, takenAt: record.takenAt, gps: record.gps, model: record.model ?? '', faces,
          });
          id = saved.photoId;
          record.faces.forEach((f, i) => {
            faceIds.set(f.id, saved.faceIds[i]!);
            if (f.personId !== null) assignments.push({ faceId: f.id, personId: f.personId, source: f.source, distance: f.distance });
          });
          counts.faces += faces.length;
        } else {
          await catalog.recordFailure({
            path: record.path, sha256: record.sha256, size: record.size, mtimeMs: record.mtimeMs, code: record.errorCode ?? 'INTERNAL', message: record.errorMessage ?? '',
          });
          id = (await catalog.getPhotoByPath(record.path))!.id;
        }
        photoIds.set(record.id, id);
        counts.photos++;
        break;
      }
      case 'person': {
        const mergedInto = record.mergedInto === null ? null : map(personIds, record.mergedInto, 'person', n);
        personIds.set(record.id, await catalog.createPerson(record.name, { createdAt: record.createdAt, hidden: record.hidden, mergedInto }));
        counts.people++;
        break;
      }
      case 'rejection':
        rejections.push({ faceId: map(faceIds, record.faceId, 'face', n), personId: map(personIds, record.personId, 'person', n) });
        break;
      case 'dismissal':
        dismissals.push(record);
        break;
      case 'merge':
        mergeLines.push(record);
        break;
      case 'end':
        end = record.counts;
        break;
    }
  }
  if (!end || end.photos !== counts.photos || end.people !== counts.people) {
    throw new AppError('INVALID_INPUT', `${name} ${end ? 'does not hold the records its end line counts' : 'has no end record'}: it was cut off or damaged (${n} lines read); export it again. The catalog holds a partial import: empty it before trying again`);
  }
  // Rejections first, then every assignment in one transaction: an unnamed person is only ever
  // pruned when it has no face and no rejection, and here it gets both before any prune runs.
  for (const r of rejections) await catalog.reject(r.faceId, r.personId);
  counts.rejections = rejections.length;
  if (assignments.length > 0) {
    await catalog.assign(assignments.map((a) => ({
      faceId: map(faceIds, a.faceId, 'face', n), personId: map(personIds, a.personId, 'person', n), source: a.source ?? 'auto', distance: a.distance,
    })));
  }
  for (const d of dismissals) {
    await catalog.importDismissal({ photoId: map(photoIds, d.photoId, 'photo', n), box: d.box, at: d.at });
    counts.dismissals++;
  }
  for (const m of mergeLines) {
    // A merge whose people were deleted since can never be undone: it is not carried over.
    if (!personIds.has(m.intoId) || !personIds.has(m.fromId)) continue;
    await catalog.importMerge({
      intoId: map(personIds, m.intoId, 'person', n), fromId: map(personIds, m.fromId, 'person', n), at: m.at, undoneAt: m.undoneAt,
      // Faces deleted since the merge are dropped from it, as they are from the catalog.
      faces: m.faces.flatMap((f) => (faceIds.has(f.id) ? [{ ...f, id: faceIds.get(f.id)! }] : [])),
      rejections: m.rejections.flatMap((id) => (faceIds.has(id) ? [faceIds.get(id)!] : [])),
      cleared: m.cleared.flatMap((id) => (faceIds.has(id) ? [faceIds.get(id)!] : [])),
    });
    counts.merges++;
  }
  return counts;
}
