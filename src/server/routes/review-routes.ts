import { z } from 'zod/v4';
import { suggestPeopleForFace } from '../../clustering/suggestions.js';
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
 *
 * A face is `trusted` (the dashboard preselects it) only when the clustering itself would take
 * it: within the join threshold (`cluster.maxDistance`, the embedder's tuned value unless the
 * config sets one) and good enough to start a person (`cluster.minSeedQuality`). Groups whose
 * faces are mostly poor ("probable non-faces": a wall, a pattern the detector took for a face)
 * and groups that mix trusted and untrusted faces never lead.
 */
export function reviewRoutes(deps: Pick<ServerServices, 'catalog' | 'faceIndex' | 'cluster'>): AnyRoute[] {
  const { catalog } = deps;
  const { maxDistance, minSeedQuality } = deps.cluster;
  const poor = (f: FaceRecord) => f.quality < minSeedQuality;
  return [
    route({
      method: 'get', path: '/api/review', tag: 'review',
      summary: 'Faces to review, grouped by candidate person (person null: no likely person); clean groups first',
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(60).describe('faces of each kind looked at') }),
      response: z.object({
        unassigned: z.number(),
        groups: z.array(z.object({
          person: z.object({ id: z.number(), name: z.string().nullable(), coverFaceId: z.number().nullable(), faceCount: z.number() }).nullable(),
          items: z.array(z.object({
            face, distance: z.number().nullable(), reason: z.enum(['unassigned', 'unsure']),
            trusted: z.boolean().describe('within the clustering threshold and of a quality that may start a person: preselect it'),
          })),
          mixed: z.boolean().describe('some faces are trusted and some are not: confirming them all takes a second step'),
          probableNonFaces: z.boolean().describe('most faces (or the person\'s best face) are too poor to start a person: probably not faces'),
        })),
      }),
      async handle({ query }) {
        type Item = { face: FaceRecord; distance: number | null; reason: 'unassigned' | 'unsure'; trusted: boolean };
        const groups = new Map<number | null, Item[]>();
        const add = (personId: number | null, item: Omit<Item, 'trusted'>) => {
          const trusted = personId !== null && item.distance !== null && item.distance <= maxDistance && !poor(item.face);
          groups.set(personId, [...(groups.get(personId) ?? []), { ...item, trusted }]);
        };
        const unsure = await catalog.listFaces({ source: 'auto', minDistance: maxDistance * UNSURE_SHARE, order: 'distance-desc', limit: query.limit });
        for (const f of unsure) add(f.personId, { face: f, distance: f.distance, reason: 'unsure' });
        const waiting = await catalog.listFaces({ unassigned: true, limit: query.limit });
        if (waiting.length > 0) {
          const index = await deps.faceIndex.get();
          for (const f of waiting) {
            const [best] = await suggestPeopleForFace({ catalog }, index, f.id, deps.cluster, 1);
            const likely = best && best.distance <= maxDistance * 1.25;
            add(likely ? best.personId : null, { face: f, distance: likely ? best.distance : null, reason: 'unassigned' });
          }
        }
        type Group = { person: { id: number; name: string | null; coverFaceId: number | null; faceCount: number } | null; items: Item[]; mixed: boolean; probableNonFaces: boolean };
        const out: Group[] = [];
        for (const [personId, items] of groups) {
          const p = personId === null ? null : await catalog.getPerson(personId);
          const cover = p?.coverFaceId ? await catalog.getFace(p.coverFaceId) : null;
          const trusted = items.filter((i) => i.trusted).length;
          out.push({
            person: p ? { id: p.id, name: p.name, coverFaceId: p.coverFaceId, faceCount: p.faceCount } : null,
            items,
            mixed: trusted > 0 && trusted < items.length,
            probableNonFaces: items.filter((i) => poor(i.face)).length * 2 > items.length || (cover !== null && poor(cover)),
          });
        }
        // Clean groups first (named people, then the largest), then mixed ones, then probable
        // non-faces; the faces with no candidate last.
        const rank = (g: Group) => (g.person === null ? 3 : g.probableNonFaces ? 2 : g.mixed || !g.items.some((i) => i.trusted) ? 1 : 0);
        out.sort((a, b) => rank(a) - rank(b) || (a.person?.name ? 0 : 1) - (b.person?.name ? 0 : 1) || b.items.length - a.items.length);
        return { unassigned: (await catalog.counts()).unassigned, groups: out };
      },
    }),
  ];
}
