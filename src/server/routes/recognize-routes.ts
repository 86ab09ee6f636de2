import { z } from 'zod/v4';
import { MATCH_SIMILARITY } from '../../recognition/similarity.js';
import { selectFaces } from '../../recognition/recognize-faces.js';
import { readImages } from '../image-upload.js';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';
import { box } from './schemas.js';

const personMatch = z.object({
  personId: z.number(), name: z.string(),
  similarity: z.number().describe(`0-1, calibrated: ${MATCH_SIMILARITY} at the library's match threshold`),
  distance: z.number().describe('cosine distance to the person\'s nearest face'),
  match: z.boolean().describe('at or within the match threshold: facetag would put the face on this person'),
});

export const recognition = z.object({
  faces: z.array(z.object({
    box, detScore: z.number(), quality: z.number(),
    people: z.array(personMatch).describe('the nearest named people, nearest first (hidden people never)'),
  })),
  threshold: z.object({ distance: z.number(), similarity: z.number() }).describe('the library\'s match threshold, as a distance and as a similarity'),
  photo: z.object({ width: z.number(), height: z.number() }),
  models: z.string(),
  stored: z.object({ photoId: z.number(), faceIds: z.array(z.number().nullable()) }).nullable().describe('with store=true: the photo as indexed'),
});

/** Who is in a photo sent by another program: the native recognition API. */
export function recognizeRoutes(deps: Pick<ServerServices, 'recognition' | 'config'>): AnyRoute[] {
  const { recognition: service, config } = deps;
  return [
    route({
      method: 'post', path: '/api/recognize', tag: 'recognition', recognition: true, images: ['file'],
      summary: 'Who is in this photo: every face with its box and the nearest named people, with a calibrated similarity. Nothing is kept unless store=true',
      query: z.object({
        limit: z.coerce.number().int().min(1).max(100).default(1).describe('named people per face, nearest first'),
        minDetScore: z.coerce.number().min(0).max(1).default(0).describe('leave out faces the detector scored under this'),
        store: z.stringbool().default(false).describe('also index the photo into the library, like any other'),
      }),
      response: recognition,
      async handle({ query, c }) {
        service.admit(c.get('caller')!);
        const { file } = await readImages(c, ['file'], config.index.maxFileBytes);
        const analysis = await service.analyse(file);
        const faces = selectFaces(analysis.faces, { minDetScore: query.minDetScore });
        const found = await service.identify(faces, query.limit);
        const stored = query.store ? await service.store(file, analysis) : null;
        return {
          faces: found.map(({ face, people }) => ({
            box: face.box, detScore: face.detScore, quality: face.quality.quality,
            people: people.map((p) => ({ personId: p.personId, name: p.name, similarity: p.similarity, distance: p.distance, match: p.match })),
          })),
          threshold: { distance: service.threshold, similarity: MATCH_SIMILARITY },
          photo: { width: analysis.meta.width, height: analysis.meta.height },
          models: `${analysis.models.detector}+${analysis.models.embedder}`,
          stored: stored && { photoId: stored.photoId, faceIds: faces.map((f) => stored.faceIds[analysis.faces.indexOf(f)] ?? null) },
        };
      },
    }),
  ];
}
