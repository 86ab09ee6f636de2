import type { AssignSource, FaceRecord, FaceVector, MergeDetail, PersonRecord, PhotoRecord } from './catalog.js';

/**
 * The Neo4j catalog's Cypher projections and their mapping to the port's records. The graph:
 * (:Face)-[:IN]->(:Photo), (:Face)-[:OF {source, distance, at}]->(:Person),
 * (:Face)-[:NOT_OF {at}]->(:Person), (:DismissedBox)-[:ON]->(:Photo), (:Merge) records, and
 * (:Counter {name, value}) nodes that hand out the integer ids.
 */
export const now = () => new Date().toISOString();

/** A photo `ph` with its face count. */
export const PHOTO = `ph { .id, .path, .sha256, .size, .mtimeMs, .width, .height, .takenAt, .gpsLat, .gpsLon, .gpsAlt,
  .status, .errorCode, .errorMessage, .model, .indexedAt, faceCount: COUNT { (:Face)-[:IN]->(ph) } }`;

/** A face `f` of photo `ph`, with its assignment `o` to person `pe` (both may be null). */
export const FACE = `f { .id, .x, .y, .w, .h, .landmarks, .detScore, .quality, .model, .thumbKey, .manual, .doubtful,
  photoId: ph.id, personId: pe.id, source: o.source, distance: o.distance }`;

/** What clustering needs of a face `f` on photo `ph`, assigned by `o` to `pe`. */
export const FACE_VECTOR = 'f { .id, .quality, .embedding, photoId: ph.id, personId: pe.id, source: o.source }';

/** Sources a human stands behind: their faces make the better cover. */
const COVER_ORDER = "CASE WHEN o.source IN ['confirmed', 'manual', 'xmp'] THEN 0 ELSE 1 END, f.quality DESC, f.id";

/** A person `p` with their face count and cover face (best quality, human-decided first). */
export const PERSON = `p { .id, .name, .hidden, .createdAt, .mergedInto,
  faceCount: COUNT { (:Face)-[:OF]->(p) },
  coverFaceId: COLLECT { MATCH (f:Face)-[o:OF]->(p) RETURN f.id ORDER BY ${COVER_ORDER} LIMIT 1 }[0] }`;

/** A merge `m`; `cleared` is absent on one recorded before merges kept it (read as none). */
export const MERGE = 'm { .id, .intoId, .fromId, .faces, .rejections, .cleared, .at, .undoneAt }';

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export const toPhoto = (r: Row): PhotoRecord => ({
  id: Number(r.id), path: r.path as string, sha256: (r.sha256 as string | null) ?? null, size: Number(r.size), mtimeMs: Number(r.mtimeMs),
  width: num(r.width), height: num(r.height), takenAt: (r.takenAt as string | null) ?? null,
  gps: r.gpsLat !== null && r.gpsLat !== undefined && r.gpsLon !== null && r.gpsLon !== undefined
    ? { lat: Number(r.gpsLat), lon: Number(r.gpsLon), ...(r.gpsAlt !== null && r.gpsAlt !== undefined ? { alt: Number(r.gpsAlt) } : {}) }
    : null,
  status: r.status as 'done' | 'failed', errorCode: (r.errorCode as string | null) ?? null, errorMessage: (r.errorMessage as string | null) ?? null,
  model: (r.model as string | null) ?? null, indexedAt: r.indexedAt as string, faceCount: Number(r.faceCount),
});

export const toFace = (r: Row): FaceRecord => ({
  id: Number(r.id), photoId: Number(r.photoId), box: { x: Number(r.x), y: Number(r.y), w: Number(r.w), h: Number(r.h) },
  landmarks: JSON.parse(r.landmarks as string), detScore: Number(r.detScore), quality: Number(r.quality), model: r.model as string,
  personId: num(r.personId), source: (r.source as AssignSource | null) ?? null, distance: num(r.distance),
  thumbKey: (r.thumbKey as string | null) ?? null, manual: r.manual === true, doubtful: r.doubtful === true,
});

export const toPerson = (r: Row): PersonRecord => ({
  id: Number(r.id), name: (r.name as string | null) ?? null, hidden: r.hidden === true, faceCount: Number(r.faceCount ?? 0),
  coverFaceId: num(r.coverFaceId), createdAt: r.createdAt as string, mergedInto: num(r.mergedInto),
});

export const toMergeDetail = (r: Row): MergeDetail => {
  const faces = JSON.parse(r.faces as string) as MergeDetail['faces'];
  return {
    id: Number(r.id), intoId: Number(r.intoId), fromId: Number(r.fromId), faceCount: faces.length, at: r.at as string,
    undoneAt: (r.undoneAt as string | null) ?? null, faces, rejections: JSON.parse(r.rejections as string) as number[],
    cleared: typeof r.cleared === 'string' ? (JSON.parse(r.cleared) as number[]) : [],
  };
};

export const toEmbedding = (v: unknown) => Float32Array.from(v as number[]);

export const toFaceVector = (r: Row): FaceVector => ({
  id: Number(r.id), photoId: Number(r.photoId), personId: num(r.personId), source: (r.source as AssignSource | null) ?? null,
  quality: Number(r.quality), embedding: toEmbedding(r.embedding),
});

/** Face properties as stored, from a new face; the embedding as a list of floats (exact for Float32 values). */
export const faceProps = (f: { box: { x: number; y: number; w: number; h: number }; landmarks: unknown; detScore: number; quality: number;
  embedding: Float32Array; model: string; thumbKey: string | null; manual?: boolean | undefined; doubtful?: boolean | undefined }) => ({
  x: f.box.x, y: f.box.y, w: f.box.w, h: f.box.h, landmarks: JSON.stringify(f.landmarks), detScore: f.detScore, quality: f.quality,
  embedding: Array.from(f.embedding), model: f.model, thumbKey: f.thumbKey, manual: f.manual === true, doubtful: f.doubtful === true,
});

/** Faces clustering may use (`f`, assigned by `o`): all but doubtful ones no person decided about. */
export const CLUSTERABLE = "(coalesce(f.doubtful, false) = false OR o.source IN ['confirmed', 'manual', 'xmp'])";
