import { z } from 'zod/v4';
import { AppError } from '../../errors.js';
import { compareFaces } from '../../recognition/compare-faces.js';
import { selectFaces } from '../../recognition/recognize-faces.js';
import { deleteExample, listExamples, type Example } from '../../recognition/uploaded-examples.js';
import { compreFaceFace, fromImageId, parsePlugins, pluginsVersions, toImageId } from '../compreface-shapes.js';
import { HttpError } from '../http-error.js';
import { readImages } from '../image-upload.js';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';
import { faceQuery, noFace, subjectName } from './compreface-recognition-routes.js';

const imageIdParam = z.object({ image_id: z.string().min(1).describe('an example\'s image_id') });
const exampleShape = z.object({ image_id: z.string(), subject: z.string() });

const CONTENT_TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', tif: 'image/tiff', heic: 'image/heic', avif: 'image/avif', gif: 'image/gif' };

/**
 * CompreFace's face collection: examples of subjects. Adding one indexes the photo into the
 * library (kept under the data folder's uploads) and puts its one face on the person of that
 * name, created if new. Listing and deleting see only photos that came in this way: the
 * library's own photos are never examples, never deleted here.
 */
export function compreFaceExampleRoutes(deps: Pick<ServerServices, 'recognition' | 'config' | 'catalog' | 'blobs' | 'readPhoto'>): AnyRoute[] {
  const { recognition: service, config, catalog } = deps;
  const examples = (subject?: string) => listExamples({ catalog }, service.uploads, subject);
  const example = async (imageId: string): Promise<Example> => {
    const faceId = fromImageId(imageId);
    const found = faceId === null ? undefined : (await examples()).find((e) => e.faceId === faceId);
    if (!found) throw new HttpError(404, 'EXAMPLE_NOT_FOUND', `no example with image_id ${imageId}; list them with GET /api/v1/recognition/faces`);
    return found;
  };
  const remove = (list: Example[]) => service.write(async () => {
    for (const e of list) service.forget(await deleteExample(deps, e));
    return list.length;
  });
  return [
    route({
      method: 'post', path: '/api/v1/recognition/faces', tag: 'compreface', recognition: true, images: ['file'], status: 201,
      summary: 'CompreFace: add an example of a subject: the photo (one face) is indexed and its face put on the person of that name, created if new',
      query: z.object({ subject: subjectName, det_prob_threshold: faceQuery.det_prob_threshold }),
      response: exampleShape,
      async handle({ query, c }) {
        service.admit(c.get('caller')!);
        const { file } = await readImages(c, ['file'], config.index.maxFileBytes);
        const analysis = await service.analyse(file);
        const faces = selectFaces(analysis.faces, { minDetScore: query.det_prob_threshold ?? 0 });
        if (faces.length === 0) throw noFace(config.vision.minFaceSizePx);
        if (faces.length > 1) throw new HttpError(400, 'TOO_MANY_FACES', `More than one face in the given image (${faces.length} found); an example shows one face: crop the photo to it`);
        const { then: faceId } = await service.store(file, analysis, async (stored) => {
          const id = stored.faceIds[analysis.faces.indexOf(faces[0]!)] ?? null;
          if (id === null) throw new AppError('CONFLICT', 'this face was dismissed as "not a face" on this photo in the dashboard; send another photo');
          const personId = (await catalog.findPersonByName(query.subject))?.id ?? (await catalog.createPerson(query.subject));
          await catalog.moveFace(id, personId);
          return id;
        });
        return { image_id: toImageId(faceId!), subject: query.subject };
      },
    }),
    route({
      method: 'get', path: '/api/v1/recognition/faces', tag: 'compreface', recognition: true,
      summary: 'CompreFace: the examples added through this API, page by page',
      query: z.object({
        page: z.coerce.number().int().min(0).default(0).describe('page number, from 0'),
        size: z.coerce.number().int().min(1).max(1000).default(20).describe('examples per page'),
        subject: subjectName.optional().describe('only this subject\'s examples'),
      }),
      response: z.object({ faces: z.array(exampleShape), page_number: z.number(), page_size: z.number(), total_pages: z.number(), total_elements: z.number() }),
      async handle({ query }) {
        const all = await examples(query.subject);
        return {
          faces: all.slice(query.page * query.size, (query.page + 1) * query.size).map((e) => ({ image_id: toImageId(e.faceId), subject: e.subject })),
          page_number: query.page, page_size: query.size, total_pages: Math.ceil(all.length / query.size), total_elements: all.length,
        };
      },
    }),
    route({
      method: 'delete', path: '/api/v1/recognition/faces', tag: 'compreface', recognition: true,
      summary: 'CompreFace: delete the examples of a subject (every example without `subject`); the person and their library faces stay',
      query: z.object({ subject: subjectName.optional() }),
      response: z.object({ deleted: z.number() }),
      async handle({ query }) {
        return { deleted: await remove(await examples(query.subject)) };
      },
    }),
    route({
      method: 'post', path: '/api/v1/recognition/faces/delete', tag: 'compreface', recognition: true,
      summary: 'CompreFace: delete several examples by image_id (unknown ids are skipped)',
      body: z.array(z.string()).max(1000),
      response: z.array(exampleShape),
      async handle({ body }) {
        const wanted = new Set(body.map(fromImageId));
        const list = (await examples()).filter((e) => wanted.has(e.faceId));
        await remove(list);
        return list.map((e) => ({ image_id: toImageId(e.faceId), subject: e.subject }));
      },
    }),
    route({
      method: 'delete', path: '/api/v1/recognition/faces/:image_id', tag: 'compreface', recognition: true, params: imageIdParam,
      summary: 'CompreFace: delete one example',
      response: exampleShape,
      async handle({ params }) {
        const e = await example(params.image_id);
        await remove([e]);
        return { image_id: toImageId(e.faceId), subject: e.subject };
      },
    }),
    route({
      method: 'get', path: '/api/v1/recognition/faces/:image_id/img', tag: 'compreface', recognition: true, params: imageIdParam,
      summary: 'CompreFace: the photo of an example, as it was sent',
      response: { media: 'image/*' },
      async handle({ params }) {
        const e = await example(params.image_id);
        const bytes = await deps.readPhoto(e.path, e.photoId).catch(() => {
          throw new AppError('NOT_FOUND', `the photo of example ${params.image_id} is gone from the uploads folder; add the example again`);
        });
        const type = CONTENT_TYPES[e.path.slice(e.path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
        return new Response(new Uint8Array(bytes), { headers: { 'Content-Type': type, 'Cache-Control': 'private, no-cache' } });
      },
    }),
    route({
      method: 'post', path: '/api/v1/recognition/faces/:image_id/verify', tag: 'compreface', recognition: true, images: ['file'], params: imageIdParam,
      summary: 'CompreFace: compare every face of the image with one example',
      query: z.object(faceQuery),
      async handle({ params, query, c }) {
        service.admit(c.get('caller')!);
        const e = await example(params.image_id);
        const { file } = await readImages(c, ['file'], config.index.maxFileBytes);
        const reference = await catalog.getEmbedding(e.faceId);
        if (!reference) throw new HttpError(404, 'EXAMPLE_NOT_FOUND', `example ${params.image_id} has no embedding; add it again`);
        const analysis = await service.analyse(file);
        const faces = selectFaces(analysis.faces, { maxFaces: query.limit, minDetScore: query.det_prob_threshold ?? 0 });
        if (faces.length === 0) throw noFace(config.vision.minFaceSizePx);
        const plugins = parsePlugins(query.face_plugins);
        return {
          result: faces.map((f) => ({ ...compreFaceFace(analysis, f, plugins, query.status), similarity: compareFaces(reference, f.embedding, service.threshold).similarity })),
          ...(query.status ? { plugins_versions: pluginsVersions(analysis) } : {}),
        };
      },
    }),
  ];
}
