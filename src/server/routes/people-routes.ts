import { z } from 'zod/v4';
import { suggestFacesForPerson } from '../../clustering/suggestions.js';
import { AppError } from '../../errors.js';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';
import { face, faceIds, idParam, merge, page, paging, person, photo } from './schemas.js';

const notFound = (id: number) => new AppError('NOT_FOUND', `person ${id} does not exist: deleted, or the link is wrong; go back to the list of people`);

/** People: the grid, a person's page, and every decision a person makes about them. */
export function peopleRoutes(deps: Pick<ServerServices, 'catalog' | 'blobs' | 'faceIndex' | 'cluster'>): AnyRoute[] {
  const { catalog, blobs } = deps;
  const live = async (id: number) => {
    const p = await catalog.getPerson(id);
    if (!p) throw notFound(id);
    return p;
  };
  return [
    route({
      method: 'get', path: '/api/people', tag: 'people',
      summary: 'People with their face count and best face, searched, sorted and paged',
      query: z.object({
        search: z.string().max(200).optional().describe('part of the name, or an id'),
        sort: z.enum(['faces', 'name', 'newest']).default('faces'),
        unnamedFirst: z.stringbool().default(false),
        hidden: z.enum(['exclude', 'include', 'only']).default('exclude'),
        ...paging,
      }),
      response: page(person),
      handle: ({ query }) => catalog.queryPeople(query),
    }),
    route({
      method: 'get', path: '/api/people/:id', tag: 'people', params: idParam,
      summary: 'One person, with their latest merge that can be undone',
      response: person.extend({ lastMerge: merge.nullable() }),
      async handle({ params }) {
        const p = await live(params.id);
        return { ...p, lastMerge: await catalog.lastMerge(params.id) };
      },
    }),
    route({
      method: 'patch', path: '/api/people/:id', tag: 'people', params: idParam,
      summary: 'Rename (null or "" clears the name), hide or show a person',
      body: z.object({ name: z.string().trim().max(200).nullable().optional(), hidden: z.boolean().optional() })
        .refine((b) => b.name !== undefined || b.hidden !== undefined, 'give name or hidden'),
      response: person,
      async handle({ params, body }) {
        await catalog.updatePerson(params.id, { ...(body.name !== undefined ? { name: body.name || null } : {}), ...(body.hidden !== undefined ? { hidden: body.hidden } : {}) });
        return live(params.id);
      },
    }),
    route({
      method: 'delete', path: '/api/people/:id', tag: 'people', params: idParam,
      summary: 'Delete a person with their faces, embeddings and thumbnails',
      response: z.object({ deletedFaces: z.number() }),
      async handle({ params }) {
        const removed = await catalog.deletePerson(params.id);
        for (const key of removed.removedThumbKeys) await blobs.delete(key);
        return { deletedFaces: removed.faceIds.length };
      },
    }),
    route({
      method: 'get', path: '/api/people/:id/faces', tag: 'people', params: idParam,
      summary: 'A page of the person\'s faces',
      query: z.object({ ...paging }),
      response: page(face),
      async handle({ params, query }) {
        const p = await live(params.id);
        return { total: p.faceCount, items: await catalog.listFaces({ personId: params.id, limit: query.limit, offset: query.offset }) };
      },
    }),
    route({
      method: 'get', path: '/api/people/:id/photos', tag: 'people', params: idParam,
      summary: 'A page of the photos the person appears in, newest first',
      query: z.object({ ...paging }),
      response: page(photo),
      async handle({ params, query }) {
        await live(params.id);
        return catalog.queryPhotos({ people: [params.id], mode: 'any', limit: query.limit, offset: query.offset });
      },
    }),
    route({
      method: 'get', path: '/api/people/:id/co-occurrences', tag: 'people', params: idParam,
      summary: 'Who appears with this person most, by photos together',
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(12) }),
      response: z.array(z.object({ personId: z.number(), name: z.string().nullable(), photos: z.number() })),
      async handle({ params, query }) {
        await live(params.id);
        return catalog.coOccurrences(params.id, query.limit);
      },
    }),
    route({
      method: 'get', path: '/api/people/:id/suggestions', tag: 'people', params: idParam,
      summary: 'Faces that probably belong to the person (unassigned or placed by the machine), nearest first',
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: z.array(z.object({ faceId: z.number(), photoId: z.number(), distance: z.number(), currentPersonId: z.number().nullable() })),
      async handle({ params, query }) {
        return suggestFacesForPerson({ catalog }, await deps.faceIndex.get(), params.id, deps.cluster, query.limit);
      },
    }),
    route({
      method: 'post', path: '/api/people/:id/split', tag: 'people', params: idParam, status: 201,
      summary: 'Split faces off the person into a new person',
      body: z.object({ faceIds }),
      response: z.object({ personId: z.number() }),
      async handle({ params, body }) {
        return { personId: await catalog.splitPerson(params.id, body.faceIds) };
      },
    }),
    route({
      method: 'post', path: '/api/people/:id/reject', tag: 'people', params: idParam,
      summary: 'These faces are not this person: they are taken off and never put back by the machine',
      body: z.object({ faceIds }),
      response: z.object({ rejected: z.number() }),
      async handle({ params, body }) {
        await live(params.id);
        for (const id of body.faceIds) if (!(await catalog.getFace(id))) throw new AppError('NOT_FOUND', `face ${id} does not exist`);
        for (const id of body.faceIds) await catalog.reject(id, params.id);
        return { rejected: body.faceIds.length };
      },
    }),
    route({
      method: 'post', path: '/api/people/:id/confirm', tag: 'people', params: idParam,
      summary: 'Confirm faces as this person (unassigned faces given are attached); no faceIds: all the person\'s faces',
      body: z.object({ faceIds: faceIds.optional() }),
      response: z.object({ confirmed: z.number() }),
      async handle({ params, body }) {
        return { confirmed: await catalog.confirmFaces(params.id, body.faceIds) };
      },
    }),
    route({
      method: 'post', path: '/api/merges', tag: 'people', status: 201,
      summary: 'Merge person fromId into person intoId (undo with POST /api/merges/{id}/undo)',
      body: z.object({ intoId: z.number().int().positive(), fromId: z.number().int().positive() }),
      response: merge,
      handle: ({ body }) => catalog.mergePeople(body.intoId, body.fromId),
    }),
    route({
      method: 'post', path: '/api/merges/:id/undo', tag: 'people', params: idParam,
      summary: 'Undo a merge: the person comes back with the faces the merge moved',
      response: merge,
      handle: ({ params }) => catalog.unmerge(params.id),
    }),
  ];
}
