import { z } from 'zod/v4';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a real calendar date');

/**
 * A question about the library, as structured data: what the LLM turns a sentence into, and
 * what a person may write or edit directly. facetag validates it, resolves the names and runs it
 * as a parameterised read-only query through the catalog port; no text of it is ever a query.
 */
export const querySpecSchema = z.object({
  /** `photos`: list them; `count`: how many; `companions`: who appears most often with the one person named. */
  kind: z.enum(['photos', 'count', 'companions']),
  /** People's names as the question says them ("Anna", "Grandma"), or `#12` for a person id. */
  people: z.array(z.string().trim().min(1).max(80)).max(10).default([]),
  /** `all`: each is in the photo; `any`: at least one; `only`: each, and no other known person. */
  mode: z.enum(['all', 'any', 'only']).default('all'),
  /** Taken on or after this day. */
  takenFrom: isoDate.nullable().default(null),
  /** Taken on or before this day (the whole day included). */
  takenTo: isoDate.nullable().default(null),
  /** Part of an event's place name (events only know places: photos have no place names). */
  place: z.string().trim().min(1).max(80).nullable().default(null),
  /** Part of an event's title. */
  event: z.string().trim().min(1).max(80).nullable().default(null),
  /** Most photos (or companions) listed. */
  limit: z.number().int().min(1).max(200).default(50),
}).strict()
  .refine((s) => s.kind !== 'companions' || s.people.length === 1, { message: 'companions needs exactly one person in people', path: ['people'] })
  .refine((s) => !s.takenFrom || !s.takenTo || s.takenFrom <= s.takenTo, { message: 'takenFrom is after takenTo', path: ['takenTo'] });

export type QuerySpec = z.output<typeof querySpecSchema>;
export type QuerySpecInput = z.input<typeof querySpecSchema>;

/** The instructions that turn a question into a spec. The question is the only personal data sent. */
export function queryPrompt(question: string, today: string) {
  const system = `You translate a question about a family photo library into a JSON object. Today is ${today}.
Answer with ONLY one JSON object, no prose, with these keys:
- "kind": "photos" (show photos), "count" (how many photos), or "companions" (who appears most often with one person)
- "people": array of the people's names exactly as the question says them (e.g. ["Anna", "Ben"]); [] if none
- "mode": "all" (every named person is in the photo), "any" (at least one), or "only" (those people and nobody else)
- "takenFrom", "takenTo": dates "YYYY-MM-DD" bounding when the photos were taken, or null. "summer 2023" is 2023-06-01 to 2023-08-31; "in 2021" is 2021-01-01 to 2021-12-31
- "place": a place name the question mentions, or null
- "event": an event the question mentions (e.g. "wedding", "Christmas"), or null
- "limit": how many results, 50 unless the question says otherwise
Never add other keys. Never write SQL or Cypher.
Example: "photos of Anna with Ben from summer 2023" -> {"kind":"photos","people":["Anna","Ben"],"mode":"all","takenFrom":"2023-06-01","takenTo":"2023-08-31","place":null,"event":null,"limit":50}
Example: "who appears most often with Grandma?" -> {"kind":"companions","people":["Grandma"],"mode":"all","takenFrom":null,"takenTo":null,"place":null,"event":null,"limit":10}`;
  return [
    { role: 'system' as const, content: system },
    { role: 'user' as const, content: `Question: ${JSON.stringify(question)}` },
  ];
}
