/**
 * The job registry: each job name has one payload type, parsed with zod where a job enters a
 * process (payloads come from Redis, written by another machine).
 *
 * - `analyse` (management → workers): read one photo from the source, detect and embed its faces,
 *   store their thumbnails, and send the result back as a `commit` job. Id `analyse:<sha256>`.
 * - `commit` (workers → the management's single writer): apply one photo's result, or its
 *   failure, to the catalog. Id `commit:<sha256>`.
 */
import { z } from 'zod';

const sourcePhoto = z.object({
  key: z.string().min(1), size: z.number().int().nonnegative(), mtimeMs: z.number(),
  /** The XMP sidecars the management's listing saw beside the photo; absent (jobs of older versions): each is looked for. */
  sidecars: z.array(z.enum(['full', 'base'])).readonly().optional(),
});

/**
 * Where a worker reads the photo: a folder every node mounts at the same path, or a bucket of the
 * cluster's S3 server (each worker connects with its own `storage.*` settings; nothing secret
 * travels in a job).
 */
const photoSourceRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), root: z.string().min(1) }),
  z.object({ kind: z.literal('s3'), bucket: z.string().min(3).max(63), prefix: z.string() }),
]);

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const box = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() });

const encodedFace = z.object({
  box,
  landmarks: z.array(z.tuple([z.number(), z.number()])),
  detScore: z.number(),
  /** The landmarker's face-presence score; null when it gives none (absent in jobs of older versions). */
  faceness: z.number().nullable().default(null),
  quality: z.object({ quality: z.number(), size: z.number(), sharpness: z.number(), pose: z.number(), yaw: z.number() }),
  /** Little-endian float32, base64: 2.7 KB for 512 dimensions, a third of JSON numbers. */
  embedding: z.string(),
  /** Blob key of the face thumbnail, already stored by the worker. */
  thumbKey: z.string().min(1),
});

/** The photo's XMP regions and keywords, read by the worker (the writer never reads the photo). */
const encodedXmp = z.object({
  /** Named face regions; `face`: embedded from the region's box when no detected face matched it. */
  regions: z.array(z.object({ name: z.string(), box, face: encodedFace.nullable() })),
  personKeywords: z.array(z.string()),
  keywords: z.array(z.string()),
  problems: z.array(z.string()),
});

export const encodedAnalysisSchema = z.object({
  meta: z.object({
    width: z.number(), height: z.number(), format: z.string(), orientation: z.number(),
    takenAt: z.string().nullable(),
    gps: z.object({ lat: z.number(), lon: z.number(), alt: z.number().optional() }).nullable(),
    exifDropped: z.array(z.string()).optional(),
  }),
  faces: z.array(encodedFace),
  dropped: z.number(),
  /** Detections the face-presence check turned down (absent in jobs of older versions). */
  notFaces: z.number().default(0),
  timings: z.object({ decodeMs: z.number(), detectMs: z.number(), embedMs: z.number() }),
  /** The worker's models (`detector@v+landmarker@v+embedder@v`), checked again by the writer. */
  modelKey: z.string(),
  /** Absent in results of older workers: no XMP is imported for those photos. */
  xmp: encodedXmp.optional(),
});

export const jobPayloads = {
  analyse: z.object({
    sha256,
    photo: sourcePhoto,
    source: photoSourceRef,
    /** The models the management expects; a worker with others refuses the job. */
    modelKey: z.string().min(1),
    /**
     * Where the management reads face crops (`fs`, or `s3://<cropsBucket>`); a worker that would
     * store them elsewhere refuses the job. Absent in jobs of older versions (not checked).
     */
    crops: z.string().min(1).optional(),
  }),
  commit: z.object({
    sha256,
    photo: sourcePhoto,
    source: photoSourceRef,
    result: z.discriminatedUnion('outcome', [
      z.object({ outcome: z.literal('done'), analysis: encodedAnalysisSchema }),
      z.object({ outcome: z.literal('failed'), code: z.string(), message: z.string() }),
    ]),
  }),
};

export type JobName = keyof typeof jobPayloads;
export type JobPayload<N extends JobName> = z.infer<(typeof jobPayloads)[N]>;
export type EncodedAnalysis = z.infer<typeof encodedAnalysisSchema>;
export type PhotoSourceRef = z.infer<typeof photoSourceRef>;

export const jobNames = Object.keys(jobPayloads) as JobName[];

/** Content keys: the same photo bytes always give the same job id. */
export const jobId = (name: JobName, sha: string) => `${name}:${sha}`;

/** Parses a payload that came from outside this process. */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return jobPayloads[name].parse(data) as JobPayload<N>;
}
