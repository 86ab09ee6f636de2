import { z } from 'zod/v4';
import { ask } from '../../annotate/ask.js';
import { createLlmClient } from '../../annotate/llm-client.js';
import { querySpecSchema } from '../../annotate/query-spec.js';
import { suggestCaptions } from '../../annotate/suggest-captions.js';
import { suggestEvents } from '../../annotate/suggest-events.js';
import { suggestNames } from '../../annotate/suggest-names.js';
import { acceptSuggestion, rejectSuggestion, suggestionEditSchema } from '../../annotate/suggestion-actions.js';
import { route, type AnyRoute } from '../route.js';
import type { ServerServices } from '../services.js';
import { idParam, photo } from './schemas.js';

const personRef = z.object({ id: z.number(), name: z.string().nullable() });

const suggestion = z.object({
  id: z.number(), kind: z.enum(['event', 'name', 'caption']), subject: z.string(), payload: z.record(z.string(), z.unknown()),
  evidence: z.array(z.string()), model: z.string().nullable(), status: z.enum(['pending', 'accepted', 'rejected', 'edited']),
  resolution: z.record(z.string(), z.unknown()).nullable(), createdAt: z.string(), resolvedAt: z.string().nullable(),
});

const askAnswer = z.object({
  question: z.string().nullable(), model: z.string().nullable(), spec: z.record(z.string(), z.unknown()),
  interpretation: z.string().describe('the spec in words, with the people it resolved to'),
  status: z.enum(['ok', 'unresolved']),
  names: z.array(z.object({ query: z.string(), status: z.enum(['resolved', 'ambiguous', 'unknown']), person: personRef.optional(), candidates: z.array(personRef).optional() })),
  result: z.union([
    z.object({ kind: z.literal('photos'), total: z.number(), photos: z.array(photo) }),
    z.object({ kind: z.literal('count'), count: z.number() }),
    z.object({ kind: z.literal('companions'), person: personRef, companions: z.array(z.object({ personId: z.number(), name: z.string().nullable(), photos: z.number() })) }),
  ]).nullable(),
  notes: z.array(z.string()),
});

/**
 * Ask in plain language, and the suggestions inbox. The LLM only proposes: a question becomes a
 * validated query spec run read-only; events and names wait as suggestions until a person accepts.
 */
export function annotateRoutes({ config, log, catalog }: Pick<ServerServices, 'config' | 'log' | 'catalog'>): AnyRoute[] {
  const llm = createLlmClient(config.llm, { log });
  return [
    route({
      method: 'get', path: '/api/llm', tag: 'annotate',
      summary: 'Whether the LLM is on, its URL and model (never the API key)',
      response: z.object({ enabled: z.boolean(), url: z.string().nullable(), model: z.string().nullable() }),
      handle: () => llm.status,
    }),
    route({
      method: 'post', path: '/api/ask', tag: 'annotate',
      summary: 'A question in plain language (the LLM writes a query spec), or a spec given or edited by hand (no LLM); resolved and run read-only',
      body: z.object({
        question: z.string().trim().min(1).max(500).optional(),
        spec: querySpecSchema.optional(),
      }).strict().refine((b) => (b.question === undefined) !== (b.spec === undefined), 'give question or spec, not both'),
      response: askAnswer,
      async handle({ body }) {
        return ask({ catalog, llm }, body.spec ? { spec: body.spec } : { question: body.question! });
      },
    }),
    route({
      method: 'get', path: '/api/suggestions', tag: 'annotate',
      summary: 'Suggestions waiting for a person (or decided ones), newest first',
      query: z.object({
        kind: z.enum(['event', 'name', 'caption']).optional(),
        status: z.enum(['pending', 'accepted', 'rejected', 'edited', 'all']).default('pending'),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: z.object({ items: z.array(suggestion) }),
      async handle({ query }) {
        return { items: await catalog.listSuggestions({ kind: query.kind, status: query.status === 'all' ? undefined : query.status, limit: query.limit }) };
      },
    }),
    route({
      method: 'post', path: '/api/suggestions/events', tag: 'annotate',
      summary: 'Group photos not in an event by time and place and propose each group as an event (titled by the LLM, or by date when it is off)',
      body: z.object({
        gapHours: z.number().positive().max(24 * 30).optional(),
        minPhotos: z.number().int().min(1).max(1000).optional(),
        maxGroups: z.number().int().min(1).max(500).optional(),
      }).strict(),
      response: z.object({ groups: z.number(), created: z.array(suggestion), known: z.number(), llm: z.enum(['used', 'off']), errors: z.array(z.string()) }),
      handle: ({ body }) => suggestEvents({ catalog, llm, log }, body),
    }),
    route({
      method: 'post', path: '/api/suggestions/names', tag: 'annotate',
      summary: 'For unnamed people, propose names that the evidence of their photos supports, quoted (needs the LLM)',
      body: z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(),
      response: z.object({
        people: z.number(), created: z.array(suggestion), noEvidence: z.array(z.number()), known: z.number(),
        discarded: z.array(z.object({ personId: z.number(), reason: z.string() })), errors: z.array(z.string()),
      }),
      handle: ({ body }) => suggestNames({ catalog, llm, log }, body),
    }),
    route({
      method: 'post', path: '/api/suggestions/captions', tag: 'annotate',
      summary: 'A caption and labels for photos without one suggested, from a vision-capable model (the photo is sent, shrunk to 512 px)',
      body: z.object({ limit: z.number().int().min(1).max(200).optional(), photoIds: z.array(z.number().int().positive()).max(200).optional() }).strict(),
      response: z.object({ photos: z.number(), created: z.array(suggestion), known: z.number(), errors: z.array(z.string()) }),
      handle: ({ body }) => suggestCaptions({ catalog, llm, log, config }, body),
    }),
    route({
      method: 'post', path: '/api/suggestions/:id/accept', tag: 'annotate', params: idParam,
      summary: 'Apply a suggestion, optionally edited (title, type, placeName for an event; name for a person; caption for a photo)',
      body: suggestionEditSchema,
      response: suggestion,
      handle: ({ params, body }) => acceptSuggestion({ catalog }, params.id, body),
    }),
    route({
      method: 'post', path: '/api/suggestions/:id/reject', tag: 'annotate', params: idParam,
      summary: 'Turn a suggestion down; it is not proposed again',
      response: suggestion,
      handle: ({ params }) => rejectSuggestion({ catalog }, params.id),
    }),
    route({
      method: 'get', path: '/api/events', tag: 'annotate',
      summary: 'Events, latest first, with their photo ids',
      response: z.object({ items: z.array(z.object({
        id: z.number(), title: z.string(), type: z.string().nullable(), placeName: z.string().nullable(),
        photoIds: z.array(z.number()), startAt: z.string().nullable(), endAt: z.string().nullable(), createdAt: z.string(),
      })) }),
      async handle() {
        return { items: await catalog.listEvents() };
      },
    }),
  ];
}
