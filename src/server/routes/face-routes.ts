import { z } from 'zod/v4';
import { suggestPeopleForFace } from '../../clustering/suggestions.js';
import { AppError } from '../../errors.js';
import { imageResponse, THUMB_SIZES } from '../images.js';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';
import { face, idParam, page, paging } from './schemas.js';

/** Faces: lists, thumbnails, suggestions, and putting a face on a person. */
export function faceRoutes(deps: Pick<ServerServices, 'catalog' | 'images' | 'faceIndex' | 'cluster' | 'blobs'>): AnyRoute[] {
  const { catalog } = deps;
  const get = async (id: number) => {
    const f = await catalog.getFace(id);
    if (!f) throw new AppError('NOT_FOUND', `face ${id} does not exist`);
    return f;
  };
  return [
    route({
      method: 'get', path: '/api/faces', tag: 'faces',
      summary: 'A page of faces; unassigned=true: the faces in no person',
      query: z.object({ unassigned: z.stringbool().default(false), ...paging }),
      response: page(face),
      async handle({ query }) {
        const counts = await catalog.counts();
        const items = await catalog.listFaces({ unassigned: query.unassigned, limit: query.limit, offset: query.offset });
        return { total: query.unassigned ? counts.unassigned : counts.faces, items };
      },
    }),
    route({
      method: 'get', path: '/api/faces/:id', tag: 'faces', params: idParam,
      summary: 'One face', response: face,
      handle: ({ params }) => get(params.id),
    }),
    route({
      method: 'get', path: '/api/faces/:id/thumb', tag: 'faces', params: idParam,
      summary: `The face's thumbnail, a square JPEG of ${THUMB_SIZES.join(', ')} px; ETag and Cache-Control set. With S3 storage, size 160 is a 302 to a short-lived presigned URL`,
      query: z.object({ size: z.coerce.number().pipe(z.union(THUMB_SIZES.map((s) => z.literal(s)))).default(160) }),
      response: { media: 'image/jpeg' },
      async handle({ params, query, c }) {
        const f = await get(params.id);
        // S3 storage: the browser fetches the crop from the S3 server through a short-lived presigned URL.
        const url = await deps.images.faceThumbUrl(f, query.size);
        if (url) return new Response(null, { status: 302, headers: { Location: url, 'Cache-Control': 'private, no-cache' } });
        return imageResponse(await deps.images.faceThumb(f, query.size), c.req.header('if-none-match'));
      },
    }),
    route({
      method: 'get', path: '/api/faces/:id/suggestions', tag: 'faces', params: idParam,
      summary: 'The people the face may be, nearest first (never one it was rejected from)',
      query: z.object({ limit: z.coerce.number().int().min(1).max(20).default(5) }),
      response: z.array(z.object({ personId: z.number(), name: z.string().nullable(), distance: z.number(), votes: z.number(), withinThreshold: z.boolean() })),
      async handle({ params, query }) {
        return suggestPeopleForFace({ catalog }, await deps.faceIndex.get(), params.id, deps.cluster, query.limit);
      },
    }),
    route({
      method: 'put', path: '/api/faces/:id/person', tag: 'faces', params: idParam,
      summary: 'Put the face on a person (or on a new person with newPersonName); its old person is rejected',
      body: z.union([
        z.object({ personId: z.number().int().positive() }).strict(),
        z.object({ newPersonName: z.string().trim().min(1).max(200) }).strict(),
      ]),
      response: face,
      async handle({ params, body }) {
        await get(params.id);
        const personId = 'personId' in body ? body.personId : await catalog.createPerson(body.newPersonName);
        await catalog.moveFace(params.id, personId);
        return get(params.id);
      },
    }),
    route({
      method: 'delete', path: '/api/faces/:id', tag: 'faces', params: idParam,
      summary: 'Not a face: delete a false detection with its thumbnail; its box is remembered, so re-indexing the photo never brings it back',
      response: z.object({ dismissed: z.number() }),
      async handle({ params }) {
        const { removedThumbKeys } = await catalog.dismissFace(params.id);
        for (const key of removedThumbKeys) await deps.blobs.delete(key);
        deps.faceIndex.remove(params.id);
        return { dismissed: params.id };
      },
    }),
  ];
}
