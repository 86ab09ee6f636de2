import type { PeopleQuery, PhotoQuery } from './catalog-records.js';

/**
 * The people and photo searches with their defaults filled in, decided here once for both catalog
 * adapters (which only turn them into SQL or Cypher): what is searched, in which order, which page.
 */

export type ResolvedPeopleQuery = Required<Omit<PeopleQuery, 'search'>> & {
  /** The search text, trimmed; null when there is none. */
  search: string | null;
  /** The person id the search also matches (a search of digits only); null when it is not one. */
  searchId: number | null;
};

export function resolvePeopleQuery(query: PeopleQuery = {}): ResolvedPeopleQuery {
  const search = query.search?.trim() || null;
  return {
    search,
    searchId: search !== null && /^\d+$/.test(search) ? Number(search) : null,
    sort: query.sort ?? 'faces',
    unnamedFirst: query.unnamedFirst ?? false,
    hidden: query.hidden ?? 'exclude',
    limit: query.limit ?? 50,
    offset: query.offset ?? 0,
  };
}

export type ResolvedPhotoQuery = Required<Pick<PhotoQuery, 'people' | 'mode' | 'limit' | 'offset'>> & {
  takenFrom: string | null;
  /** Compared as a prefix: "2024-06-01" includes every time of that day. */
  takenTo: string | null;
};

export function resolvePhotoQuery(query: PhotoQuery = {}): ResolvedPhotoQuery {
  return {
    people: [...new Set(query.people ?? [])],
    mode: query.mode ?? 'all',
    takenFrom: query.takenFrom || null,
    takenTo: query.takenTo || null,
    limit: query.limit ?? 50,
    offset: query.offset ?? 0,
  };
}
