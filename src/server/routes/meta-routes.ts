import { z } from 'zod/v4';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';

/** Health, metrics and library counts. The OpenAPI document is added by the app. */
export function metaRoutes({ catalog, metrics }: Pick<ServerServices, 'catalog' | 'metrics'>): AnyRoute[] {
  return [
    route({
      method: 'get', path: '/healthz', tag: 'meta', public: true,
      summary: 'Liveness: 200 while the server answers and the catalog reads',
      response: z.object({ ok: z.literal(true) }),
      async handle() {
        await catalog.counts();
        return { ok: true as const };
      },
    }),
    route({
      method: 'get', path: '/metrics', tag: 'meta', public: true,
      summary: 'Prometheus metrics (text format)',
      response: { media: 'text/plain' },
      async handle() {
        const counts = await catalog.counts();
        const gauges = Object.entries({ photos: counts.photos, photos_failed: counts.photosFailed, faces: counts.faces, people: counts.people, faces_unassigned: counts.unassigned })
          .map(([k, v]) => `# TYPE facetag_library_${k} gauge\nfacetag_library_${k} ${v}`).join('\n');
        return new Response(`${metrics.text()}${gauges}\n`, { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' } });
      },
    }),
    route({
      method: 'get', path: '/api/stats', tag: 'meta',
      summary: 'Library counts',
      response: z.object({ photos: z.number(), photosFailed: z.number(), faces: z.number(), people: z.number(), unassigned: z.number() }),
      handle: () => catalog.counts(),
    }),
  ];
}
