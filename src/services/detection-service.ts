import { z } from 'zod/v4';
import type { Logger } from '../log.js';
import type { LocalAnalysisPool } from '../vision/analysis-pool.js';
import type { RgbImage } from '../vision/image.js';
import { encodePng } from '../vision/image-codec.js';
import { checkModel, createServiceApp, errorResponses, imageBody, jsonSchemaOf, ServiceError } from './service-app.js';

/**
 * The face detection service (worker, port 5001): `POST /v1/detect` with an image as the body
 * answers the faces in it (boxes, five landmarks, scores, quality), and with `?aligned=true`
 * the faces aligned for the embedder (`alignedSize` square) as lossless PNG, ready for the
 * embedding service.
 */
export type DetectionAnalyser = Pick<LocalAnalysisPool, 'detect' | 'detectorId' | 'embedderId' | 'alignedSize'>;

const box = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).describe('pixels of the oriented full-resolution image; x, y is the top-left corner');

export const detectResponse = z.object({
  model: z.string().describe('detector id@version'),
  image: z.object({
    width: z.number(), height: z.number(), format: z.string(), orientation: z.number().describe('EXIF orientation as stored (already applied to boxes)'),
    takenAt: z.string().nullable().describe('EXIF time taken, ISO 8601'),
    gps: z.object({ lat: z.number(), lon: z.number(), alt: z.number().optional() }).nullable(),
    exifDropped: z.array(z.string()).optional().describe('EXIF values out of range, dropped (the photo is kept without them)'),
  }),
  faces: z.array(z.object({
    box,
    landmarks: z.array(z.tuple([z.number(), z.number()])).describe('left eye, right eye, nose tip, left and right mouth corners ("left" as seen in the image)'),
    score: z.number().describe('detection score 0..1'),
    faceness: z.number().nullable().describe('the landmarker\'s face-presence score 0..1 (detections under vision.minFaceness are not returned); null when the landmarker gives none'),
    quality: z.object({ quality: z.number(), size: z.number(), sharpness: z.number(), pose: z.number(), yaw: z.number() }),
    aligned: z.string().optional().describe('with ?aligned=true: the aligned face, a base64 PNG of alignedSize x alignedSize pixels'),
    thumbnail: z.string().optional().describe('with ?thumbnails=true: a 160x160 JPEG of the face with context, base64'),
  })),
  alignedSize: z.number().describe('side of the aligned faces (the embedder input)'),
  dropped: z.number().describe('faces found but smaller than vision.minFaceSizePx'),
  notFaces: z.number().describe('detections the face-presence check turned down (vision.minFaceness)'),
  timings: z.object({ decodeMs: z.number(), detectMs: z.number() }),
});
export type DetectResponse = z.output<typeof detectResponse>;

const query = z.object({
  aligned: z.enum(['true', 'false', '1', '0']).optional(),
  thumbnails: z.enum(['true', 'false', '1', '0']).optional(),
  model: z.string().optional(),
});

/** A lossless PNG of an RGB image: the embedding service sees exactly the pixels the pipeline embeds. */
export function rgbToPng(image: RgbImage): Promise<Buffer> {
  return encodePng(image, { compressionLevel: 3 });
}

export function createDetectionService(options: { analyser: DetectionAnalyser; log: Pick<Logger, 'error'>; maxBodyBytes: number; token?: string | undefined; version: string }) {
  const { analyser } = options;
  const paths = {
    '/v1/detect': {
      post: {
        summary: 'Find the faces in an image', operationId: 'postDetect',
        parameters: [
          { name: 'aligned', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] }, description: 'include each face aligned to the embedder template, as a base64 PNG' },
          { name: 'thumbnails', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] }, description: 'include a 160x160 JPEG thumbnail of each face' },
          { name: 'model', in: 'query', required: false, schema: { type: 'string' }, description: 'refuse (409) unless the service runs this detector id@version' },
        ],
        requestBody: { required: true, content: { 'image/*': { schema: { type: 'string', format: 'binary' } }, 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
        responses: { 200: { description: 'OK', content: { 'application/json': { schema: jsonSchemaOf(detectResponse) } } }, ...errorResponses([400, 401, 409, 413, 415, 422]) },
        security: [{}, { token: [] }],
      },
    },
  };
  const { app, registry } = createServiceApp({
    service: 'detection', maxBodyBytes: options.maxBodyBytes, token: options.token, log: options.log, paths, version: options.version,
    models: { detector: analyser.detectorId, embedder: analyser.embedderId },
    description: 'Face detection for facetag workers: POST an image, get boxes, landmarks, scores and quality (and aligned faces for the embedding service). Errors are `{error: {code, message}}`.',
  });
  app.post('/v1/detect', async (c) => {
    const q = query.safeParse(c.req.query());
    if (!q.success) throw new ServiceError(400, 'INVALID_INPUT', `query parameter ${q.error.issues[0]!.path.join('.')}: ${q.error.issues[0]!.message}`);
    checkModel(q.data.model, analyser.detectorId);
    const withAligned = q.data.aligned === 'true' || q.data.aligned === '1';
    const withThumbs = q.data.thumbnails === 'true' || q.data.thumbnails === '1';
    const input = await imageBody(c);
    const r = await analyser.detect(input, { thumbnails: withThumbs });
    const faces = await Promise.all(r.faces.map(async (f) => ({
      box: f.box, landmarks: f.landmarks, score: f.detScore, faceness: f.faceness, quality: f.quality,
      ...(withAligned ? { aligned: (await rgbToPng(f.aligned)).toString('base64') } : {}),
      ...(f.thumbnail ? { thumbnail: Buffer.from(f.thumbnail).toString('base64') } : {}),
    })));
    const body: DetectResponse = {
      model: analyser.detectorId,
      image: { width: r.meta.width, height: r.meta.height, format: r.meta.format, orientation: r.meta.orientation, takenAt: r.meta.takenAt, gps: r.meta.gps, ...(r.meta.exifDropped ? { exifDropped: r.meta.exifDropped } : {}) },
      faces, alignedSize: analyser.alignedSize, dropped: r.dropped, notFaces: r.notFaces,
      timings: { decodeMs: Math.round(r.timings.decodeMs), detectMs: Math.round(r.timings.detectMs) },
    };
    return c.json(body);
  });
  return { app, registry };
}
