import { z } from 'zod/v4';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';
import { photo } from './schemas.js';

const progress = z.object({ total: z.number(), done: z.number(), failed: z.number(), faces: z.number() });
const status = z.object({
  folder: z.string().nullable(), running: z.boolean(), startedAt: z.string().nullable(), progress: progress.nullable(),
  last: z.object({ finishedAt: z.string(), durationMs: z.number(), faces: z.number(), newFaces: z.number(), interrupted: z.boolean() }).loose().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/** What is being indexed, what failed and why, and the "Index now" button. */
export function ingestRoutes({ catalog, ingest }: Pick<ServerServices, 'catalog' | 'ingest'>): AnyRoute[] {
  return [
    route({
      method: 'get', path: '/api/ingest', tag: 'ingest',
      summary: 'The index run going on (or the last one), library counts, and the photos that could not be read',
      response: z.object({
        status, counts: z.object({ photos: z.number(), photosFailed: z.number(), faces: z.number(), people: z.number(), unassigned: z.number() }),
        failures: z.array(photo),
      }),
      async handle() {
        return { status: ingest.status(), counts: await catalog.counts(), failures: (await catalog.listFailures()).slice(0, 500) };
      },
    }),
    route({
      method: 'post', path: '/api/ingest', tag: 'ingest', status: 202,
      summary: 'Start indexing the configured folder (server.indexFolder); 409 while a run is going',
      response: status,
      handle: () => ingest.start(),
    }),
  ];
}
