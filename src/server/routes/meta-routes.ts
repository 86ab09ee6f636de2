import { z } from 'zod/v4';
import { route, type AnyRoute } from '../route.js';
import { probeService, setLibraryCounts } from '../../metrics/record.js';
import type { ServerServices } from '../services.js';

/** Health, metrics and library counts. The OpenAPI document is added by the app. */
export function metaRoutes({ catalog, metrics, queueDepth }: Pick<ServerServices, 'catalog' | 'metrics' | 'queueDepth'>): AnyRoute[] {
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
        // The catalog is read at each scrape: its counts, and whether (and how fast) it answers.
        await Promise.all([
          probeService(metrics, 'catalog', async () => setLibraryCounts(metrics, await catalog.counts())),
          queueDepth?.update(metrics),
        ]);
        return new Response(await metrics.text(), { headers: { 'Content-Type': metrics.contentType } });
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
