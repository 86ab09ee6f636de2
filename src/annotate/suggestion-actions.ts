import { z } from 'zod/v4';
import type { AnnotationCatalog } from '../catalog/annotation-catalog.js';
import type { SuggestionRecord } from '../catalog/catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import { AppError } from '../errors.js';

/** What a person may change before accepting. Fields not given keep the suggestion's values. */
export const suggestionEditSchema = z.object({
  title: z.string().trim().min(1).max(120).optional(),
  type: z.string().trim().min(1).max(40).nullable().optional(),
  placeName: z.string().trim().min(1).max(120).nullable().optional(),
  name: z.string().trim().min(1).max(120).optional(),
  caption: z.string().trim().min(1).max(300).optional(),
}).strict();

export type SuggestionEdit = z.output<typeof suggestionEditSchema>;

export type ActionCatalog = Pick<PeopleCatalog, 'getPerson' | 'updatePerson'>
  & Pick<AnnotationCatalog, 'getSuggestion' | 'resolveSuggestion' | 'createEvent'>;

async function pending(catalog: ActionCatalog, id: number) {
  const s = await catalog.getSuggestion(id);
  if (!s) throw new AppError('NOT_FOUND', `suggestion ${id} does not exist; list them with \`facetag suggest list\``);
  if (s.status !== 'pending') throw new AppError('CONFLICT', `suggestion ${id} was already ${s.status}; a suggestion is decided once`);
  return s;
}

/**
 * A person accepts a suggestion (as it is, or edited): only now is it applied, as the catalog
 * call a person would make by hand (an event created, a person named). Returns the decided suggestion.
 */
export async function acceptSuggestion({ catalog }: { catalog: ActionCatalog }, id: number, edit: SuggestionEdit = {}): Promise<SuggestionRecord> {
  const s = await pending(catalog, id);
  const p = s.payload;
  const edited = Object.entries(edit).some(([k, v]) => v !== undefined && v !== p[k]);
  if (s.kind === 'event') {
    const applied = {
      title: edit.title ?? String(p.title),
      type: edit.type !== undefined ? edit.type : ((p.type as string | null) ?? null),
      placeName: edit.placeName !== undefined ? edit.placeName : ((p.placeName as string | null) ?? null),
      photoIds: p.photoIds as number[],
    };
    const eventId = await catalog.createEvent(applied);
    return catalog.resolveSuggestion(id, edited ? 'edited' : 'accepted', { eventId, title: applied.title, type: applied.type, placeName: applied.placeName });
  }
  if (s.kind === 'name') {
    const personId = Number(p.personId);
    const person = await catalog.getPerson(personId);
    if (!person) throw new AppError('NOT_FOUND', `person ${personId} no longer exists; reject suggestion ${id}`);
    if (person.name !== null) throw new AppError('CONFLICT', `person ${personId} was named "${person.name}" meanwhile; reject suggestion ${id}, or rename with \`facetag people name ${personId} NAME\``);
    const name = edit.name ?? String(p.name);
    await catalog.updatePerson(personId, { name });
    return catalog.resolveSuggestion(id, edited ? 'edited' : 'accepted', { personId, name });
  }
  // A caption is kept as the accepted suggestion itself (its resolution): the catalog has no caption of its own yet.
  const caption = edit.caption ?? String(p.caption);
  return catalog.resolveSuggestion(id, edited ? 'edited' : 'accepted', { photoId: Number(p.photoId), caption, labels: p.labels ?? [] });
}

export async function rejectSuggestion({ catalog }: { catalog: ActionCatalog }, id: number): Promise<SuggestionRecord> {
  await pending(catalog, id);
  return catalog.resolveSuggestion(id, 'rejected');
}
