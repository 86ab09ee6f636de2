import type { AssignSource, FaceRecord, MergeRecord, PersonRecord, PhotoRecord } from './catalog.js';

/** Rows as SQLite returns them, their mapping to the port's records, and shared SELECTs. */
export interface PhotoRow {
  id: number; path: string; sha256: string | null; size: number; mtime_ms: number; width: number | null; height: number | null;
  taken_at: string | null; gps_lat: number | null; gps_lon: number | null; gps_alt: number | null;
  status: 'done' | 'failed'; error_code: string | null; error_message: string | null; model: string | null; indexed_at: string; face_count: number;
}
export interface FaceRow {
  id: number; photo_id: number; x: number; y: number; w: number; h: number; landmarks: string; det_score: number;
  quality: number; model: string; person_id: number | null; source: AssignSource | null; distance: number | null;
  thumb_key: string | null; manual: number; doubtful: number;
}
export interface PersonRow { id: number; name: string | null; hidden: number; created_at: string; face_count: number; cover_face_id: number | null; merged_into: number | null }
export interface MergeRow { id: number; into_id: number; from_id: number; faces: string; rejections: string; cleared: string; at: string; undone_at: string | null }

export const FACE_COLUMNS = 'id, photo_id, x, y, w, h, landmarks, det_score, quality, model, person_id, source, distance, thumb_key, manual, doubtful';

/** Faces clustering may use: all but doubtful ones no person decided about (`f` is the faces table). */
export const CLUSTERABLE = "(f.doubtful = 0 OR f.source IN ('confirmed', 'manual', 'xmp'))";
export const now = () => new Date().toISOString();

export const toPhoto = (r: PhotoRow): PhotoRecord => ({
  id: r.id, path: r.path, sha256: r.sha256, size: r.size, mtimeMs: r.mtime_ms, width: r.width, height: r.height,
  takenAt: r.taken_at,
  gps: r.gps_lat !== null && r.gps_lon !== null ? { lat: r.gps_lat, lon: r.gps_lon, ...(r.gps_alt !== null ? { alt: r.gps_alt } : {}) } : null,
  status: r.status, errorCode: r.error_code, errorMessage: r.error_message, model: r.model, indexedAt: r.indexed_at,
  faceCount: r.face_count,
});
export const toFace = (r: FaceRow): FaceRecord => ({
  id: r.id, photoId: r.photo_id, box: { x: r.x, y: r.y, w: r.w, h: r.h }, landmarks: JSON.parse(r.landmarks),
  detScore: r.det_score, quality: r.quality, model: r.model, personId: r.person_id, source: r.source,
  distance: r.distance, thumbKey: r.thumb_key, manual: r.manual === 1, doubtful: r.doubtful === 1,
});
export const toPerson = (r: PersonRow): PersonRecord => ({
  id: r.id, name: r.name, hidden: r.hidden === 1, faceCount: r.face_count, coverFaceId: r.cover_face_id, createdAt: r.created_at,
  mergedInto: r.merged_into,
});
export const toMerge = (r: MergeRow): MergeRecord => ({
  id: r.id, intoId: r.into_id, fromId: r.from_id, faceCount: (JSON.parse(r.faces) as unknown[]).length, at: r.at, undoneAt: r.undone_at,
});
export const toBlob = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
export const fromBlob = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export const PHOTO_SELECT = 'SELECT p.*, (SELECT count(*) FROM faces f WHERE f.photo_id = p.id) AS face_count FROM photos p';

/** People with their face count and best face (highest quality, confirmed first). */
export const PERSON_SELECT = `
  SELECT p.id, p.name, p.hidden, p.created_at, p.merged_into,
    (SELECT count(*) FROM faces f WHERE f.person_id = p.id) AS face_count,
    (SELECT f.id FROM faces f WHERE f.person_id = p.id
      ORDER BY (f.source IN ('confirmed', 'manual', 'xmp')) DESC, f.quality DESC, f.id LIMIT 1) AS cover_face_id
  FROM people p`;

