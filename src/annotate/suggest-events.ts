import { createHash } from 'node:crypto';
import { z } from 'zod/v4';
import type { AnnotationCatalog } from '../catalog/annotation-catalog.js';
import type { SuggestionRecord } from '../catalog/catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import type { PhotoCatalog } from '../catalog/photo-catalog.js';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { groupPhotos, type GroupOptions, type PhotoGroup } from './event-groups.js';
import type { LlmClient } from './llm-client.js';
import { askJson } from './llm-json.js';
import { readPhotoMeta } from './photo-meta.js';
import { clip, DATA_RULES, dataBlock, looksLikeInstructions } from './prompt-safety.js';

export const EVENT_TYPES = ['birthday', 'wedding', 'holiday', 'trip', 'party', 'celebration', 'sports', 'school', 'outing', 'gathering', 'other'] as const;

export const eventAnswerSchema = z.object({
  title: z.string().trim().min(1).max(80),
  type: z.enum(EVENT_TYPES),
  placeName: z.string().trim().min(1).max(80).nullable(),
}).strict();

export type EventCatalog = Pick<PhotoCatalog, 'listPhotos'>
  & Pick<FaceCatalog, 'peopleInPhoto'>
  & Pick<PeopleCatalog, 'getPerson'>
  & Pick<AnnotationCatalog, 'listEvents' | 'listSuggestions' | 'addSuggestion' | 'getSuggestion'>;

export interface SuggestEventsResult {
  groups: number;
  created: SuggestionRecord[];
  /** Groups that already have a suggestion (pending, accepted or rejected). */
  known: number;
  /** `off`: titles are dates; `used`: the LLM titled them. */
  llm: 'used' | 'off';
  errors: string[];
}

/** Photos sampled per group for evidence; the evidence itself is capped per kind. */
const SAMPLE = 24;

const subjectOf = (g: PhotoGroup) => `photos:${createHash('sha256').update(g.photoIds.join(',')).digest('hex').slice(0, 16)}`;

const day = (t: string) => t.slice(0, 10);
const dateTitle = (g: PhotoGroup) => (day(g.startAt) === day(g.endAt) ? day(g.startAt) : `${day(g.startAt)} to ${day(g.endAt)}`);

/** What the photos of a group say about it, as lines to show a person and to send the LLM. */
async function groupEvidence({ catalog }: { catalog: EventCatalog }, g: PhotoGroup, paths: Map<number, string>) {
  const step = Math.max(1, Math.floor(g.photoIds.length / SAMPLE));
  const sample = g.photoIds.filter((_, i) => i % step === 0).slice(0, SAMPLE);
  const folders = new Set<string>();
  const files = new Set<string>();
  const keywords = new Set<string>();
  const captions = new Set<string>();
  const places = new Set<string>();
  const people = new Map<number, number>();
  for (const id of sample) {
    const meta = await readPhotoMeta(paths.get(id)!);
    meta.folders.forEach((f) => folders.add(f));
    if (meta.file) files.add(meta.file);
    [...meta.keywords, ...meta.personKeywords].forEach((k) => keywords.add(k));
    meta.captions.forEach((c) => captions.add(clip(c)));
    meta.places.forEach((p) => places.add(p));
    for (const f of await catalog.peopleInPhoto(id)) if (f.personId !== null) people.set(f.personId, (people.get(f.personId) ?? 0) + 1);
  }
  const names: string[] = [];
  for (const [id, n] of [...people].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    const p = await catalog.getPerson(id);
    if (p?.name) names.push(`${p.name} (${n} of ${sample.length} photos)`);
  }
  const lines = [
    `dates: ${dateTitle(g)} (${g.photoIds.length} photos)`,
    ...[...folders].slice(0, 6).map((f) => `folder name: ${f}`),
    ...[...files].slice(0, 6).map((f) => `file name: ${f}`),
    ...[...places].slice(0, 6).map((p) => `place: ${p}`),
    ...[...keywords].slice(0, 20).map((k) => `keyword: ${k}`),
    ...[...captions].slice(0, 6).map((c) => `caption: ${c}`),
    ...(names.length ? [`people present: ${names.join(', ')}`] : []),
  ];
  return { lines, places: [...places] };
}

function eventPrompt(lines: string[]) {
  return [
    {
      role: 'system' as const,
      content: `You suggest a short title and a type for an event in a family photo library, from the evidence about its photos. ${DATA_RULES}
Answer: {"title": "...", "type": one of ${EVENT_TYPES.map((t) => `"${t}"`).join(', ')}, "placeName": a place named in the evidence, or null}.
A title is 2 to 6 words a person would write on an album ("Anna's 5th birthday", "Summer at Lake Bled"). Do not invent names or places the evidence does not mention; when unsure, use the dates.`,
    },
    { role: 'user' as const, content: dataBlock(lines) },
  ];
}

/**
 * Groups the photos not yet in an event (by time and place, deterministic) and proposes each
 * group as an event: titled by the LLM from the evidence, or by its dates when the LLM is off.
 * Each proposal is a pending suggestion; nothing becomes an event until a person accepts it.
 */
export async function suggestEvents(
  { catalog, llm, log }: { catalog: EventCatalog; llm: LlmClient; log: Logger },
  options: GroupOptions & { maxGroups?: number } = {},
): Promise<SuggestEventsResult> {
  const inEvents = new Set((await catalog.listEvents()).flatMap((e) => e.photoIds));
  const photos = (await catalog.listPhotos()).filter((p) => p.status === 'done' && !inEvents.has(p.id));
  const paths = new Map(photos.map((p) => [p.id, p.path]));
  const groups = groupPhotos(photos, options);
  const result: SuggestEventsResult = { groups: groups.length, created: [], known: 0, llm: llm.status.enabled ? 'used' : 'off', errors: [] };
  for (const g of groups.slice(0, options.maxGroups ?? 50)) {
    const subject = subjectOf(g);
    if ((await catalog.listSuggestions({ kind: 'event', subject, limit: 1 })).length) {
      result.known++;
      continue;
    }
    const { lines, places } = await groupEvidence({ catalog }, g, paths);
    const base = { photoIds: g.photoIds, startAt: g.startAt, endAt: g.endAt };
    const warning = lines.some(looksLikeInstructions) ? 'some evidence reads like instructions to a model; check the title against the photos' : undefined;
    if (!llm.status.enabled) {
      const id = await catalog.addSuggestion({
        kind: 'event', subject, evidence: lines, model: null,
        payload: { ...base, title: dateTitle(g), type: null, placeName: places.length === 1 ? places[0]! : null, titleFrom: 'dates' },
      });
      result.created.push((await catalog.getSuggestion(id))!);
      continue;
    }
    try {
      const { value, model } = await askJson(llm, eventPrompt(lines), eventAnswerSchema, { maxTokens: 200 });
      const id = await catalog.addSuggestion({
        kind: 'event', subject, evidence: lines, model,
        payload: { ...base, ...value, titleFrom: 'llm', ...(warning ? { warning } : {}) },
      });
      result.created.push((await catalog.getSuggestion(id))!);
    } catch (error) {
      const e = toAppError(error);
      log.warn({ code: e.code, subject }, 'event suggestion failed');
      if (e.code === 'LLM_UNAVAILABLE') throw new AppError('LLM_UNAVAILABLE', `${e.message} (${result.created.length} event suggestions were stored before)`);
      result.errors.push(`${dateTitle(g)}: ${e.message}`);
    }
  }
  return result;
}
