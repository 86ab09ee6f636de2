import { z } from 'zod/v4';
import type { AnnotationCatalog } from '../catalog/annotation-catalog.js';
import type { SuggestionRecord } from '../catalog/catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { GraphQueryCatalog } from '../catalog/graph-query-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import type { PhotoCatalog } from '../catalog/photo-catalog.js';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LlmClient } from './llm-client.js';
import { askJson } from './llm-json.js';
import { readPhotoMeta } from './photo-meta.js';
import { clip, DATA_RULES, dataBlock, looksLikeInstructions } from './prompt-safety.js';
import { normaliseName } from './resolve-names.js';

export const nameAnswerSchema = z.object({
  /** The name the evidence supports, or null. */
  name: z.string().trim().min(1).max(80).nullable(),
  /** Exact quotes from the evidence that name the person. */
  evidence: z.array(z.string().min(1).max(300)).max(5),
  reason: z.string().max(300).default(''),
}).strict();

export type NameCatalog = Pick<PhotoCatalog, 'getPhoto'>
  & Pick<FaceCatalog, 'listFaces'>
  & Pick<PeopleCatalog, 'queryPeople' | 'findPersonByName'>
  & Pick<GraphQueryCatalog, 'coOccurrences'>
  & Pick<AnnotationCatalog, 'listSuggestions' | 'addSuggestion' | 'getSuggestion'>;

export interface SuggestNamesResult {
  /** Unnamed people looked at. */
  people: number;
  created: SuggestionRecord[];
  /** People whose photos carry no evidence: no question asked, no suggestion. */
  noEvidence: number[];
  /** People who already have a name suggestion (pending, accepted or rejected). */
  known: number;
  /** Answers thrown away: no name, or a name or quote the evidence does not hold. */
  discarded: Array<{ personId: number; reason: string }>;
  errors: string[];
}

/** Photos of a person read for evidence. */
const PHOTOS = 30;

/** The evidence about one person: what their own photos say, and who they appear with. */
async function personEvidence({ catalog }: { catalog: NameCatalog }, personId: number) {
  const faces = await catalog.listFaces({ personId, limit: 500 });
  const photoIds = [...new Set(faces.map((f) => f.photoId))].slice(0, PHOTOS);
  const own = new Set<string>();
  for (const id of photoIds) {
    const photo = await catalog.getPhoto(id);
    if (!photo) continue;
    const m = await readPhotoMeta(photo.path);
    m.folders.forEach((f) => own.add(`folder name: ${f}`));
    if (m.file) own.add(`file name: ${m.file}`);
    m.regionNames.forEach((n) => own.add(`face region name: ${n}`));
    m.personKeywords.forEach((k) => own.add(`person keyword: ${k}`));
    m.keywords.forEach((k) => own.add(`keyword: ${k}`));
    m.captions.forEach((c) => own.add(`caption: ${clip(c)}`));
  }
  const companions = (await catalog.coOccurrences(personId, 8)).filter((c) => c.name);
  return {
    own: [...own].slice(0, 40),
    companions: companions.map((c) => c.name!),
    photos: photoIds.length,
  };
}

function namePrompt(lines: string[]) {
  return [
    {
      role: 'system' as const,
      content: `You help name an unnamed person in a family photo library. The evidence comes from the photos this person appears in. ${DATA_RULES}
Answer: {"name": the person's name if the evidence clearly names them, else null, "evidence": [exact quotes from the evidence that name them], "reason": one short sentence}.
Rules: the name must appear word for word in a quoted evidence line. People listed under "appears with" are OTHER people, never this one. If the evidence does not name this person, answer {"name": null, "evidence": [], "reason": "..."}. Never guess a name.`,
    },
    { role: 'user' as const, content: dataBlock(lines) },
  ];
}

/**
 * Checks an answer against the evidence: every quote occurs in it, and the name occurs in a
 * quote from the person's own photos and is not the name of someone they appear with. A name
 * the evidence does not literally hold is thrown away, whatever the model says.
 */
export function verifyName(answer: z.output<typeof nameAnswerSchema>, own: string[], companions: string[]): { ok: true; name: string; quotes: string[] } | { ok: false; reason: string } {
  if (!answer.name) return { ok: false, reason: `no name: ${clip(answer.reason, 120) || 'the evidence names no one'}` };
  const name = normaliseName(answer.name);
  const ownText = own.map(normaliseName);
  const quotes = answer.evidence.filter((q) => ownText.some((line) => line.includes(normaliseName(q))));
  if (quotes.length !== answer.evidence.length || quotes.length === 0) return { ok: false, reason: 'a quote is not in the evidence' };
  if (!quotes.some((q) => normaliseName(q).includes(name))) return { ok: false, reason: `the name "${clip(answer.name, 80)}" is not in the quoted evidence` };
  if (companions.some((c) => normaliseName(c) === name)) return { ok: false, reason: `"${clip(answer.name, 80)}" is someone this person appears with` };
  return { ok: true, name: answer.name, quotes };
}

/**
 * For unnamed people, collects the evidence that could name them and asks the LLM which name,
 * if any, it supports. A verified answer becomes a pending suggestion with its quotes.
 */
export async function suggestNames(
  { catalog, llm, log }: { catalog: NameCatalog; llm: LlmClient; log: Logger },
  options: { limit?: number } = {},
): Promise<SuggestNamesResult> {
  if (!llm.status.enabled) throw new AppError('LLM_DISABLED', 'name suggestions need the LLM, which is off; set llm.url (FACETAG_LLM_URL or --llm-url)');
  const unnamed = (await catalog.queryPeople({ sort: 'faces', unnamedFirst: true, limit: 500 })).items.filter((p) => p.name === null).slice(0, options.limit ?? 20);
  const result: SuggestNamesResult = { people: unnamed.length, created: [], noEvidence: [], known: 0, discarded: [], errors: [] };
  for (const person of unnamed) {
    const subject = `person:${person.id}`;
    if ((await catalog.listSuggestions({ kind: 'name', subject, limit: 1 })).length) {
      result.known++;
      continue;
    }
    const ev = await personEvidence({ catalog }, person.id);
    if (ev.own.length === 0) {
      result.noEvidence.push(person.id);
      continue;
    }
    const lines = [...ev.own, ...(ev.companions.length ? [`appears with (other people): ${ev.companions.join(', ')}`] : [])];
    try {
      const { value, model } = await askJson(llm, namePrompt(lines), nameAnswerSchema, { maxTokens: 250 });
      const checked = verifyName(value, ev.own, ev.companions);
      if (!checked.ok) {
        result.discarded.push({ personId: person.id, reason: checked.reason });
        continue;
      }
      const existing = await catalog.findPersonByName(checked.name);
      const warning = checked.quotes.some(looksLikeInstructions) ? 'the quoted evidence reads like instructions to a model; check it against the photos' : undefined;
      const id = await catalog.addSuggestion({
        kind: 'name', subject, evidence: checked.quotes, model,
        payload: {
          personId: person.id, name: checked.name, reason: clip(value.reason, 300), photos: ev.photos,
          ...(existing && existing.id !== person.id ? { existingPersonId: existing.id } : {}),
          ...(warning ? { warning } : {}),
        },
      });
      result.created.push((await catalog.getSuggestion(id))!);
    } catch (error) {
      const e = toAppError(error);
      log.warn({ code: e.code, personId: person.id }, 'name suggestion failed');
      if (e.code === 'LLM_UNAVAILABLE') throw new AppError('LLM_UNAVAILABLE', `${e.message} (${result.created.length} name suggestions were stored before)`);
      result.errors.push(`person ${person.id}: ${e.message}`);
    }
  }
  return result;
}
