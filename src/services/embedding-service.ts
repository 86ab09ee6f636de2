import { z } from 'zod/v4';
import type { Logger } from '../log.js';
import type { LocalAnalysisPool } from '../vision/analysis-pool.js';
import type { RgbImage } from '../vision/image.js';
import { checkModel, createServiceApp, errorResponses, jsonBody, jsonSchemaOf, ServiceError } from './service-app.js';
import { decodeRgb } from '../vision/image-codec.js';
import { photoFormat } from '../vision/image-format.js';

/**
 * The embedding service (worker, port 5002): `POST /v1/embed` with aligned faces (the
 * `aligned` PNGs of the detection service) or an image and face boxes answers L2-normalised
 * embeddings, with the embedder's id@version. A request naming another model is refused (409):
 * embeddings of two models must never be compared.
 */
export type EmbeddingAnalyser = Pick<LocalAnalysisPool, 'embedAligned' | 'analyse' | 'embedderId' | 'alignedSize'>;

const MAX_FACES = 256;

export const embedRequest = z.object({
  model: z.string().optional().describe('embedder id@version the caller expects; refused (409) if the service runs another'),
  crops: z.array(z.string().min(1)).min(1).max(MAX_FACES).optional().describe('aligned faces, each a base64 PNG (or JPEG) of alignedSize x alignedSize pixels'),
  image: z.string().min(1).optional().describe('a whole image, base64, with boxes'),
  boxes: z.array(z.object({ x: z.number(), y: z.number(), w: z.number().positive(), h: z.number().positive() })).min(1).max(MAX_FACES).optional()
    .describe('faces in `image`, pixels of the oriented image'),
}).strict().refine((b) => (b.crops !== undefined) !== (b.image !== undefined), { message: 'send either crops, or image with boxes' })
  .refine((b) => (b.image === undefined) === (b.boxes === undefined), { message: 'image and boxes go together' });

export const embedResponse = z.object({
  model: z.string().describe('embedder id@version: store it with every embedding'),
  dimensions: z.number(),
  embeddings: z.array(z.array(z.number())).describe('one L2-normalised vector per crop or box, in order'),
});
export type EmbedResponse = z.output<typeof embedResponse>;

async function decodeCrop(b64: string, index: number, size: number): Promise<RgbImage> {
  const bytes = Buffer.from(b64, 'base64');
  const format = photoFormat(bytes);
  if (format !== 'png' && format !== 'jpeg') throw new ServiceError(422, 'PHOTO_UNSUPPORTED', `crops[${index}] is not a PNG or JPEG image; send base64 of the image bytes`);
  try {
    const image = await decodeRgb(bytes);
    if (image.width !== size || image.height !== size) {
      throw new ServiceError(400, 'INVALID_INPUT', `crops[${index}] is ${image.width}x${image.height}; send faces aligned to ${size}x${size} (the detection service's ?aligned=true crops), or send image with boxes`);
    }
    return image;
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    throw new ServiceError(422, 'PHOTO_CORRUPT', `crops[${index}] is not a PNG or JPEG image (${(error as Error).message}); send base64 of the image bytes`);
  }
}

export function createEmbeddingService(options: { analyser: EmbeddingAnalyser; log: Pick<Logger, 'error'>; maxBodyBytes: number; token?: string | undefined; version: string }) {
  const { analyser } = options;
  const paths = {
    '/v1/embed': {
      post: {
        summary: 'Embed aligned faces, or the faces in boxes of an image', operationId: 'postEmbed',
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(embedRequest) } } },
        responses: { 200: { description: 'OK', content: { 'application/json': { schema: jsonSchemaOf(embedResponse) } } }, ...errorResponses([400, 401, 409, 413, 415, 422]) },
        security: [{}, { token: [] }],
      },
    },
  };
  const { app, registry } = createServiceApp({
    service: 'embedding', maxBodyBytes: options.maxBodyBytes, token: options.token, log: options.log, paths, version: options.version,
    models: { embedder: analyser.embedderId },
    description: `Face embeddings for facetag workers: POST aligned ${analyser.alignedSize}x${analyser.alignedSize} faces (or an image and boxes), get L2-normalised vectors and the model id@version. Errors are \`{error: {code, message}}\`.`,
  });
  app.post('/v1/embed', async (c) => {
    const body = await jsonBody(c, embedRequest);
    checkModel(body.model, analyser.embedderId);
    const vectors: Float32Array[] = [];
    if (body.crops) {
      const crops = await Promise.all(body.crops.map((b64, i) => decodeCrop(b64, i, analyser.alignedSize)));
      vectors.push(...await analyser.embedAligned(crops));
    } else {
      const image = Buffer.from(body.image!, 'base64');
      // Each box on a thread of its own.
      vectors.push(...await Promise.all(body.boxes!.map(async (b) => (await analyser.analyse(image, b)).faces[0]!.embedding)));
    }
    const answer: EmbedResponse = { model: analyser.embedderId, dimensions: vectors[0]?.length ?? 0, embeddings: vectors.map((v) => Array.from(v)) };
    return c.json(answer);
  });
  return { app, registry };
}
