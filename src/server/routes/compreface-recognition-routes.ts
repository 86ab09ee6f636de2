import { z } from 'zod/v4';
import { AppError } from '../../errors.js';
import { compareFaces } from '../../recognition/compare-faces.js';
import { selectFaces } from '../../recognition/recognize-faces.js';
import { compreFaceFace, parsePlugins, pluginsVersions } from '../compreface-shapes.js';
import { HttpError } from '../http-error.js';
import { readImages } from '../image-upload.js';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';

/** Query parameters CompreFace's face services share (its docs, and what its SDKs send). */
export const faceQuery = {
  limit: z.coerce.number().int().min(0).default(0).describe('faces to answer for, biggest first; 0: every face'),
  det_prob_threshold: z.coerce.number().min(0).max(1).optional()
    .describe('leave out faces the detector scored under this (0-1); the detector\'s own minimum (vision.minDetScore) applies first'),
  face_plugins: z.string().default('').describe('comma-separated: `landmarks` and `calculator` (the embedding) are answered; others are accepted and ignored'),
  status: z.stringbool().default(false).describe('add execution_time per face and plugins_versions'),
};

/** A subject: a person's name as facetag stores it. */
export const subjectName = z.string().trim().min(1, 'the subject name is empty').max(200, 'the subject name is over 200 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'the subject name holds control characters');

export const noFace = (minFaceSizePx: number) => new HttpError(400, 'NO_FACE', `No face is found in the given image; send a photo where a face is at least ${minFaceSizePx} px and turned to the camera`);

/**
 * CompreFace's recognition and verification services, and its subjects, over facetag's library:
 * a subject is a named person (hidden people are never listed or answered).
 */
export function compreFaceRecognitionRoutes(deps: Pick<ServerServices, 'recognition' | 'config' | 'catalog' | 'blobs'>): AnyRoute[] {
  const { recognition: service, config, catalog } = deps;
  const maxBytes = config.index.maxFileBytes;
  const person = async (name: string) => {
    const p = await catalog.findPersonByName(name);
    if (!p) throw new HttpError(404, 'SUBJECT_NOT_FOUND', `Subject ${name} not found; list the subjects with GET /api/v1/recognition/subjects`);
    return p;
  };
  return [
    route({
      method: 'post', path: '/api/v1/recognition/recognize', tag: 'compreface', recognition: true, images: ['file'],
      summary: 'CompreFace: recognize faces from a given image. Similarity is calibrated: 0.6 at the library\'s match threshold',
      query: z.object({
        ...faceQuery,
        prediction_count: z.coerce.number().int().refine((v) => v === -1 || v >= 1, 'prediction_count must be -1 (every subject found) or 1 or more').default(1)
          .describe('subjects per face, most similar first; -1: every subject found'),
      }),
      async handle({ query, c }) {
        service.admit(c.get('caller')!);
        const { file } = await readImages(c, ['file'], maxBytes);
        const analysis = await service.analyse(file);
        const faces = selectFaces(analysis.faces, { maxFaces: query.limit, minDetScore: query.det_prob_threshold ?? 0 });
        if (faces.length === 0) throw noFace(config.vision.minFaceSizePx);
        const plugins = parsePlugins(query.face_plugins);
        const found = await service.identify(faces, query.prediction_count === -1 ? Infinity : query.prediction_count);
        return {
          result: found.map(({ face, people }) => ({
            ...compreFaceFace(analysis, face, plugins, query.status),
            subjects: people.map((p) => ({ subject: p.name, similarity: p.similarity })),
          })),
          ...(query.status ? { plugins_versions: pluginsVersions(analysis) } : {}),
        };
      },
    }),
    route({
      method: 'post', path: '/api/v1/verification/verify', tag: 'compreface', recognition: true, images: ['source_image', 'target_image'],
      summary: 'CompreFace: compare the one face of source_image with every face of target_image',
      query: z.object(faceQuery),
      async handle({ query, c }) {
        service.admit(c.get('caller')!);
        const images = await readImages(c, ['source_image', 'target_image'], maxBytes);
        const minDetScore = query.det_prob_threshold ?? 0;
        const source = await service.analyse(images.source_image);
        const sourceFaces = selectFaces(source.faces, { minDetScore });
        if (sourceFaces.length === 0) throw noFace(config.vision.minFaceSizePx);
        if (sourceFaces.length > 1) throw new HttpError(400, 'TOO_MANY_FACES', `More than one face in the source image (${sourceFaces.length} found); crop it to the one face to compare`);
        const target = await service.analyse(images.target_image);
        const targetFaces = selectFaces(target.faces, { maxFaces: query.limit, minDetScore });
        if (targetFaces.length === 0) throw noFace(config.vision.minFaceSizePx);
        const plugins = parsePlugins(query.face_plugins);
        const s = sourceFaces[0]!;
        return {
          result: [{
            source_image_face: compreFaceFace(source, s, plugins, query.status),
            face_matches: targetFaces.map((t) => ({
              ...compreFaceFace(target, t, plugins, query.status),
              similarity: compareFaces(s.embedding, t.embedding, service.threshold).similarity,
            })),
          }],
          ...(query.status ? { plugins_versions: pluginsVersions(source) } : {}),
        };
      },
    }),
    route({
      method: 'get', path: '/api/v1/recognition/subjects', tag: 'compreface', recognition: true,
      summary: 'CompreFace: the subjects, i.e. the names of the named people (hidden ones left out)',
      response: z.object({ subjects: z.array(z.string()) }),
      async handle() {
        const names = (await catalog.listPeople()).filter((p) => p.name && !p.hidden && p.mergedInto === null).map((p) => p.name!);
        return { subjects: [...new Set(names)].sort((a, b) => a.localeCompare(b)) };
      },
    }),
    route({
      method: 'post', path: '/api/v1/recognition/subjects', tag: 'compreface', recognition: true, status: 201,
      summary: 'CompreFace: add a subject, a named person with no face yet',
      body: z.object({ subject: subjectName }),
      response: z.object({ subject: z.string() }),
      async handle({ body }) {
        if (await catalog.findPersonByName(body.subject)) throw new HttpError(400, 'SUBJECT_EXISTS', `Subject ${body.subject} already exists; add examples to it with POST /api/v1/recognition/faces?subject=...`);
        await catalog.createPerson(body.subject);
        return { subject: body.subject };
      },
    }),
    route({
      method: 'put', path: '/api/v1/recognition/subjects/:subject', tag: 'compreface',
      summary: 'CompreFace: rename a subject; to the name of another subject, merges the two (not with a recognition-only token)',
      params: z.object({ subject: subjectName }),
      body: z.object({ subject: subjectName }),
      response: z.object({ updated: z.boolean() }),
      async handle({ params, body }) {
        const from = await person(params.subject);
        if (body.subject === from.name) return { updated: false };
        const into = await catalog.findPersonByName(body.subject);
        if (into && into.id !== from.id) await catalog.mergePeople(into.id, from.id);
        else await catalog.updatePerson(from.id, { name: body.subject });
        return { updated: true };
      },
    }),
    route({
      method: 'delete', path: '/api/v1/recognition/subjects/:subject', tag: 'compreface',
      summary: 'CompreFace: delete a subject: the person with all their faces, as `facetag people delete` (not with a recognition-only token)',
      params: z.object({ subject: subjectName }),
      response: z.object({ subject: z.string() }),
      async handle({ params }) {
        const p = await person(params.subject);
        const { removedThumbKeys, faceIds } = await catalog.deletePerson(p.id);
        for (const key of removedThumbKeys) await deps.blobs.delete(key);
        service.forget(faceIds);
        return { subject: params.subject };
      },
    }),
    route({
      method: 'delete', path: '/api/v1/recognition/subjects', tag: 'compreface',
      summary: 'CompreFace: delete every subject. Refused: facetag never deletes every person of a library in one call',
      handle() {
        throw new AppError('USAGE', 'facetag does not delete every named person at once; delete subjects one by one (DELETE /api/v1/recognition/subjects/NAME), or people in the dashboard');
      },
    }),
  ];
}
