import { z } from 'zod/v4';
import { assignFaces } from '../../clustering/incremental-assign.js';
import { AppError } from '../../errors.js';
import { imageResponse, PREVIEW_SIZES } from '../images.js';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';
import { box, face, idParam, page, paging, photo } from './schemas.js';
import { isDoubtfulDrawing } from '../../vision/face-check.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?$/, 'use an ISO date, 2024-06-01, or date-time, 2024-06-01T10:00');

/** Photos: search by people and date, one photo with its faces, previews, and faces drawn by hand. */
export function photoRoutes(deps: Pick<ServerServices, 'catalog' | 'blobs' | 'images' | 'faceIndex' | 'cluster' | 'faceCheck' | 'analyser' | 'log' | 'readPhoto'>): AnyRoute[] {
  const { catalog } = deps;
  const get = async (id: number) => {
    const p = await catalog.getPhoto(id);
    if (!p) throw new AppError('NOT_FOUND', `photo ${id} does not exist`);
    return p;
  };
  return [
    route({
      method: 'get', path: '/api/photos', tag: 'photos',
      summary: 'Photos by people (all / any / only these) and date taken, newest first',
      query: z.object({
        people: z.string().regex(/^\d+(,\d+)*$/, 'give person ids separated by commas: 3,17').optional()
          .transform((s) => (s ? s.split(',').map(Number) : [])).describe('person ids, comma-separated'),
        mode: z.enum(['all', 'any', 'only']).default('all'),
        from: isoDate.optional().describe('taken on or after'),
        to: isoDate.optional().describe('taken on or before (a date includes the whole day)'),
        ...paging,
      }),
      response: page(photo),
      handle: ({ query }) => catalog.queryPhotos({
        people: query.people, mode: query.mode, takenFrom: query.from, takenTo: query.to, limit: query.limit, offset: query.offset,
      }),
    }),
    route({
      method: 'get', path: '/api/photos/:id', tag: 'photos', params: idParam,
      summary: 'One photo with its faces and the names of their people',
      response: photo.extend({ faces: z.array(face.extend({ personName: z.string().nullable() })) }),
      async handle({ params }) {
        const p = await get(params.id);
        const faces = await catalog.listFaces({ photoId: p.id });
        const names = new Map<number, string | null>();
        for (const f of faces) if (f.personId !== null && !names.has(f.personId)) names.set(f.personId, (await catalog.getPerson(f.personId))?.name ?? null);
        return { ...p, faces: faces.map((f) => ({ ...f, personName: f.personId === null ? null : names.get(f.personId) ?? null })) };
      },
    }),
    route({
      method: 'get', path: '/api/photos/:id/preview', tag: 'photos', params: idParam,
      summary: `The photo, oriented and fitted in a square of ${PREVIEW_SIZES.join(', ')} px, as JPEG; ETag and Cache-Control set`,
      query: z.object({ size: z.coerce.number().pipe(z.union(PREVIEW_SIZES.map((s) => z.literal(s)))).default(1280) }),
      response: { media: 'image/jpeg' },
      async handle({ params, query, c }) {
        return imageResponse(await deps.images.photoPreview(await get(params.id), query.size), c.req.header('if-none-match'));
      },
    }),
    route({
      method: 'post', path: '/api/photos/:id/faces', tag: 'photos', params: idParam, status: 201,
      summary: 'Add a face the detector missed, drawn by hand: it is embedded, then put on personId or placed by clustering like any face. A box where the face check sees no face (a wall, a pattern) is kept but doubtful: it stays out of clustering until it is put on someone, and `warning` says so',
      body: z.object({ box, personId: z.number().int().positive().optional() }),
      response: face.extend({ warning: z.string().optional().describe('set when the box does not look like a face') }),
      async handle({ params, body }) {
        const p = await get(params.id);
        if (p.status !== 'done' || !p.sha256 || !p.width || !p.height) throw new AppError('CONFLICT', `photo ${p.id} was not indexed; faces can be drawn on indexed photos only`);
        const b = body.box;
        if (b.x + b.w > p.width + 1 || b.y + b.h > p.height + 1) {
          throw new AppError('INVALID_INPUT', `box ${JSON.stringify(b)} is not inside the ${p.width}x${p.height} photo; draw it on the photo`);
        }
        if (Math.min(b.w, b.h) < 8) throw new AppError('INVALID_INPUT', 'the box is smaller than 8 px; draw it around the whole face');
        if (body.personId !== undefined && !(await catalog.getPerson(body.personId))) throw new AppError('NOT_FOUND', `person ${body.personId} does not exist`);
        const pool = await deps.analyser();
        const analysis = await pool.analyse(await deps.readPhoto(p.path, p.id), b);
        const found = analysis.faces[0];
        if (!found) throw new AppError('INVALID_INPUT', 'no face could be embedded in that box; draw it around the whole face');
        const thumbKey = `faces/${p.sha256.slice(0, 2)}/${p.sha256}-m${Date.now().toString(36)}.jpg`;
        await deps.blobs.put(thumbKey, Buffer.from(found.thumbnail), 'image/jpeg');
        // Put on someone by the person who drew it, a box is a face whatever the check says.
        const doubtful = body.personId === undefined && isDoubtfulDrawing(found.faceness, deps.faceCheck);
        const faceId = await catalog.addManualFace(p.id, {
          box: found.box, landmarks: found.landmarks, detScore: found.detScore, quality: found.quality.quality,
          embedding: found.embedding, model: pool.embedderId, thumbKey, manual: true, doubtful,
        });
        if (body.personId !== undefined) {
          await catalog.moveFace(faceId, body.personId);
          await deps.faceIndex.add(faceId, found.embedding);
        } else if (!doubtful) {
          const index = await deps.faceIndex.get();
          index.add(faceId, found.embedding);
          await assignFaces({ catalog, index }, [faceId], deps.cluster);
        }
        deps.log.info({ photoId: p.id, faceId, doubtful }, 'face drawn by hand');
        const saved = (await catalog.getFace(faceId))!;
        return doubtful
          ? { ...saved, warning: `this box does not look like a face (face presence ${found.faceness!.toFixed(2)}); it is kept, but stays out of clustering until you put it on someone` }
          : saved;
      },
    }),
  ];
}
