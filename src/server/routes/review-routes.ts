import { z } from 'zod/v4';
import { suggestPeopleForFace } from '../../cluster/suggestions.js';
import type { FaceRecord } from '../../catalog/catalog.js';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';
import { face } from './schemas.js';

/** Machine assignments at least this share of the join threshold away are shown for review. */
export const UNSURE_SHARE = 0.75;

/**
 * The review queue: faces in no person, grouped by the person they most resemble, and the
 * machine's least certain assignments, grouped by their person. Confirm or reject each group
 * with POST /api/people/{id}/confirm and /reject.
 */
export function reviewRoutes(deps: Pick<ServerServices, 'catalog' | 'faceIndex' | 'cluster'>): AnyRoute[] {
  const { catalog } = deps;
  return [
    route({
      method: 'get', path: '/api/review', tag: 'review',
      summary: 'Faces to review, grouped by candidate person (person null: no likely person)',
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(60).describe('faces of each kind looked at') }),
      response: z.object({
        unassigned: z.number(),
        groups: z.array(z.object({
          person: z.object({ id: z.number(), name: z.string().nullable(), coverFaceId: z.number().nullable(), faceCount: z.number() }).nullable(),
          items: z.array(z.object({ face, distance: z.number().nullable(), reason: z.enum(['unassigned', 'unsure']) })),
        })),
      }),
      async handle({ query }) {
        type Item = { face: FaceRecord; distance: number | null; reason: 'unassigned' | 'unsure' };
        const groups = new Map<number | null, Item[]>();
        const add = (personId: number | null, item: Item) => groups.set(personId, [...(groups.get(personId) ?? []), item]);
        const unsure = await catalog.listFaces({ source: 'auto', minDistance: deps.cluster.maxDistance * UNSURE_SHARE, order: 'distance-desc', limit: query.limit });
        for (const f of unsure) add(f.personId, { face: f, distance: f.distance, reason: 'unsure' });
        const waiting = await catalog.listFaces({ unassigned: true, limit: query.limit });
        if (waiting.length > 0) {
          const index = await deps.faceIndex.get();
          for (const f of waiting) {
            const [best] = await suggestPeopleForFace({ catalog }, index, f.id, deps.cluster, 1);
            const likely = best && best.distance <= deps.cluster.maxDistance * 1.25;
            add(likely ? best.personId : null, { face: f, distance: likely ? best.distance : null, reason: 'unassigned' });
          }
        }
        const out = [];
        for (const [personId, items] of groups) {
          const p = personId === null ? null : await catalog.getPerson(personId);
          out.push({ person: p ? { id: p.id, name: p.name, coverFaceId: p.coverFaceId, faceCount: p.faceCount } : null, items });
        }
        // Named people first (quick wins), the faces with no candidate last.
        out.sort((a, b) => (a.person === null ? 1 : 0) - (b.person === null ? 1 : 0) || (a.person?.name ? 0 : 1) - (b.person?.name ? 0 : 1) || b.items.length - a.items.length);
        return { unassigned: (await catalog.counts()).unassigned, groups: out };
      },
    }),
  ];
}
