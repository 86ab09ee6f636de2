import type { AnnotationCatalog } from '../catalog/annotation-catalog.js';
import type { CoOccurrence, PhotoRecord } from '../catalog/catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { GraphQueryCatalog } from '../catalog/graph-query-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import type { PhotoCatalog } from '../catalog/photo-catalog.js';
import type { QuerySpec } from './query-spec.js';
import { normaliseName, resolveNames, type NameResolution, type PersonRef } from './resolve-names.js';

export type QueryResult =
  | { kind: 'photos'; total: number; photos: PhotoRecord[] }
  | { kind: 'count'; count: number }
  | { kind: 'companions'; person: PersonRef; companions: CoOccurrence[] };

export interface QueryAnswer {
  spec: QuerySpec;
  /** The spec in words, with the people it resolved to: what the user checks. */
  interpretation: string;
  names: NameResolution[];
  /** `unresolved`: a name matched no one or several people; nothing ran (see `names` for "did you mean"). */
  status: 'ok' | 'unresolved';
  result: QueryResult | null;
  notes: string[];
}

export type QueryCatalog = Pick<PhotoCatalog, 'queryPhotos' | 'getPhoto'>
  & Pick<FaceCatalog, 'peopleInPhoto'>
  & Pick<PeopleCatalog, 'listPeople' | 'getPerson'>
  & Pick<GraphQueryCatalog, 'coOccurrences'>
  & Pick<AnnotationCatalog, 'listEvents'>;

const who = (p: PersonRef) => `${p.name ?? 'Person'} (#${p.id})`;
const joinAnd = (xs: string[], word = 'and') => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} ${word} ${xs.at(-1)}`);

export function describeSpec(spec: QuerySpec, names: NameResolution[]): string {
  const label = names.map((n) => (n.status === 'resolved' ? who(n.person) : `"${n.query}" (not resolved)`));
  const parts: string[] = [];
  if (spec.kind === 'companions') parts.push(`the people seen most often with ${label[0]}`);
  else {
    parts.push(spec.kind === 'count' ? 'the number of photos' : 'photos');
    if (label.length) {
      parts.push(spec.mode === 'any' ? `showing ${joinAnd(label, 'or')}` : spec.mode === 'only' ? `showing ${joinAnd(label)} and no one else known` : `showing ${joinAnd(label)}`);
    }
  }
  if (spec.takenFrom && spec.takenTo) parts.push(`taken from ${spec.takenFrom} to ${spec.takenTo}`);
  else if (spec.takenFrom) parts.push(`taken on or after ${spec.takenFrom}`);
  else if (spec.takenTo) parts.push(`taken on or before ${spec.takenTo}`);
  if (spec.event) parts.push(`in an event titled like "${spec.event}"`);
  if (spec.place) parts.push(`at a place like "${spec.place}"`);
  const text = parts.join(', ');
  return text[0]!.toUpperCase() + text.slice(1);
}

/**
 * Runs a validated spec as read-only catalog calls with parameters: names become person ids
 * first, and an unresolved name stops the query (the user picks from the candidates).
 */
export async function runQuerySpec({ catalog }: { catalog: QueryCatalog }, spec: QuerySpec): Promise<QueryAnswer> {
  const names = await resolveNames({ catalog }, spec.people);
  const interpretation = describeSpec(spec, names);
  const notes: string[] = [];
  if (names.some((n) => n.status !== 'resolved')) return { spec, interpretation, names, status: 'unresolved', result: null, notes };
  const ids = [...new Set(names.map((n) => (n as Extract<NameResolution, { status: 'resolved' }>).person.id))];

  if (spec.kind === 'companions') {
    const person = (names[0] as Extract<NameResolution, { status: 'resolved' }>).person;
    if (spec.takenFrom || spec.takenTo || spec.place || spec.event) notes.push('companions count every photo: the dates, place and event were not applied');
    return { spec, interpretation, names, status: 'ok', result: { kind: 'companions', person, companions: await catalog.coOccurrences(person.id, spec.limit) }, notes };
  }

  const dates = { ...(spec.takenFrom ? { takenFrom: spec.takenFrom } : {}), ...(spec.takenTo ? { takenTo: spec.takenTo } : {}) };
  if (!spec.event && !spec.place) {
    const page = await catalog.queryPhotos({ people: ids, mode: spec.mode, ...dates, limit: spec.kind === 'count' ? 1 : spec.limit });
    const result: QueryResult = spec.kind === 'count' ? { kind: 'count', count: page.total } : { kind: 'photos', total: page.total, photos: page.items };
    return { spec, interpretation, names, status: 'ok', result, notes };
  }

  // Events narrow the photos: their members are checked one by one (events are small).
  const events = (await catalog.listEvents()).filter((e) =>
    (!spec.event || normaliseName(e.title).includes(normaliseName(spec.event)))
    && (!spec.place || normaliseName(`${e.placeName ?? ''} ${e.title}`).includes(normaliseName(spec.place))));
  if (events.length === 0) notes.push(`no event matches${spec.event ? ` the title "${spec.event}"` : ''}${spec.place ? ` the place "${spec.place}"` : ''}; accept event suggestions (facetag suggest events) to search by event or place`);
  const matches: PhotoRecord[] = [];
  for (const photoId of new Set(events.flatMap((e) => e.photoIds))) {
    const photo = await catalog.getPhoto(photoId);
    if (!photo || photo.status !== 'done') continue;
    if (spec.takenFrom && !(photo.takenAt && photo.takenAt >= spec.takenFrom)) continue;
    if (spec.takenTo && !(photo.takenAt && photo.takenAt.slice(0, spec.takenTo.length) <= spec.takenTo)) continue;
    if (ids.length) {
      const present = new Set((await catalog.peopleInPhoto(photoId)).map((f) => f.personId).filter((p): p is number => p !== null));
      const hits = ids.filter((id) => present.has(id)).length;
      if (spec.mode === 'any' ? hits === 0 : hits < ids.length) continue;
      if (spec.mode === 'only' && present.size > ids.length) continue;
    }
    matches.push(photo);
  }
  matches.sort((a, b) => (b.takenAt ?? '').localeCompare(a.takenAt ?? '') || b.id - a.id);
  const result: QueryResult = spec.kind === 'count' ? { kind: 'count', count: matches.length } : { kind: 'photos', total: matches.length, photos: matches.slice(0, spec.limit) };
  return { spec, interpretation, names, status: 'ok', result, notes };
}
