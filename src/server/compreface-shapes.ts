import type { Context } from 'hono';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Box, Point } from '../vision/image.js';
import { HttpError } from './http-error.js';

/**
 * How facetag speaks CompreFace's REST API (docs/Rest-API-description.md of exadel-inc/CompreFace,
 * and what its JavaScript SDK sends and reads): boxes, image ids and errors in its shapes.
 */

/** Paths answered in CompreFace's shapes, errors included. */
export const COMPREFACE_PREFIX = '/api/v1/';
export const isCompreFacePath = (path: string) => path.startsWith(COMPREFACE_PREFIX);

/** CompreFace's box: integer pixel edges of the face in the (oriented) image, and the detection score. */
export interface CompreFaceBox {
  probability: number;
  x_max: number;
  y_max: number;
  x_min: number;
  y_min: number;
}

const round5 = (v: number) => Math.round(v * 100_000) / 100_000;

export function toCompreFaceBox(box: Box, detScore: number, size: { width: number; height: number }): CompreFaceBox {
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, Math.round(v)));
  return {
    probability: round5(detScore),
    x_max: clamp(box.x + box.w, size.width),
    y_max: clamp(box.y + box.h, size.height),
    x_min: clamp(box.x, size.width),
    y_min: clamp(box.y, size.height),
  };
}

export const toCompreFaceLandmarks = (points: readonly Point[]) => points.map(([x, y]) => [Math.round(x), Math.round(y)]);

/**
 * CompreFace names examples by UUID; facetag's are face ids. An example's `image_id` is the face
 * id in the last 12 hex digits of a version-8 UUID, so clients that check for a UUID accept it.
 */
export function toImageId(faceId: number): string {
  return `00000000-0000-8000-8000-${faceId.toString(16).padStart(12, '0')}`;
}

/** The face id of an `image_id` (or of a plain face id); null when it is neither. */
export function fromImageId(imageId: string): number | null {
  const m = /^00000000-0000-8000-8000-([0-9a-f]{12})$/i.exec(imageId) ?? /^()(\d{1,15})$/.exec(imageId);
  if (!m) return null;
  const id = m[1] ? Number.parseInt(m[1], 16) : Number(m[2]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * CompreFace's numeric error codes (its `CommonExceptionCode`) for facetag's error codes. Its
 * clients read `code`: Double Take treats 28 ("No face is found in the given image") as "nobody
 * here" rather than a failure. Failures CompreFace does not have answer 0 (its "undefined").
 */
const CODES: Record<string, number> = {
  NO_FACE: 28,
  TOO_MANY_FACES: 31,
  SUBJECT_NOT_FOUND: 42,
  SUBJECT_EXISTS: 43,
  EXAMPLE_NOT_FOUND: 44,
  NOT_FOUND: 44,
  INVALID_INPUT: 26,
  USAGE: 36,
  CONFLICT: 36,
  PHOTO_UNSUPPORTED: 21,
  UNSUPPORTED_MEDIA_TYPE: 21,
  PHOTO_EMPTY: 36,
  PHOTO_CORRUPT: 36,
  PHOTO_TOO_LARGE: 36,
  PAYLOAD_TOO_LARGE: 36,
  UNAUTHENTICATED: 20,
  FORBIDDEN: 32,
  CSRF_FAILED: 32,
};

export interface CompreFaceError {
  message: string;
  code: number;
}

/** The answer to an error on a CompreFace path: `{message, code}` with facetag's HTTP status. */
export function compreFaceErrorResponse(c: Context, error: unknown, log: Pick<Logger, 'error'>): Response {
  if (error instanceof HttpError || error instanceof AppError) {
    const status = error instanceof HttpError ? error.status : error.httpStatus;
    if (error instanceof HttpError) for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
    return c.json({ message: error.message, code: CODES[error.code] ?? 0 } satisfies CompreFaceError, status as 400);
  }
  // Only what went wrong in the code, never the request: no file name, no image, no face.
  log.error({ err: { message: (error as Error).message, stack: (error as Error).stack }, route: c.req.routePath }, 'request failed');
  return c.json({ message: 'Something went wrong, please try again; the server log has the details', code: 0 } satisfies CompreFaceError, 500);
}

/** The face plugins facetag answers (`landmarks`: five points; `calculator`: the embedding); any other is ignored. */
export const parsePlugins = (value: string) => new Set(value.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p === 'landmarks' || p === 'calculator'));

export interface AnalysedForCompreFace {
  meta: { width: number; height: number };
  faces: ReadonlyArray<{ box: Box; detScore: number; landmarks: Point[]; embedding: Float32Array }>;
  timings: { decodeMs: number; detectMs: number; embedMs: number };
  models: { detector: string; embedder: string };
}

/**
 * One face as CompreFace answers it: the box, and what the plugins asked for (`landmarks`,
 * `calculator`); with `status`, the time each step took (the photo's detection, the face's share
 * of the embedding).
 */
export function compreFaceFace(analysis: AnalysedForCompreFace, face: AnalysedForCompreFace['faces'][number], plugins: Set<string>, status: boolean) {
  const ms = (v: number) => Math.round(v);
  return {
    box: toCompreFaceBox(face.box, face.detScore, analysis.meta),
    ...(plugins.has('landmarks') ? { landmarks: toCompreFaceLandmarks(face.landmarks) } : {}),
    ...(plugins.has('calculator') ? { embedding: Array.from(face.embedding) } : {}),
    ...(status ? { execution_time: { detector: ms(analysis.timings.decodeMs + analysis.timings.detectMs), calculator: ms(analysis.timings.embedMs / Math.max(1, analysis.faces.length)) } } : {}),
  };
}

/** `plugins_versions`, answered with `status=true`: the models facetag ran. */
export const pluginsVersions = (analysis: Pick<AnalysedForCompreFace, 'models'>) => ({ detector: analysis.models.detector, calculator: analysis.models.embedder });
