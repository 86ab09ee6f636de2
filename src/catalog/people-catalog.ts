import type { PersonRecord, PersonRestore, Page, PeopleQuery } from './catalog-records.js';

/**
 * People: created, named, hidden, found by name, listed and deleted. A part of the catalog port
 * (catalog.ts); every method is one transaction.
 */
export interface PeopleCatalog {
  /** A new person; `restore` (dump imports only) keeps the creation time, hidden flag and tombstone of the original. */
  createPerson(name?: string | null, restore?: PersonRestore): Promise<number>;
  getPerson(id: number): Promise<PersonRecord | null>;
  /**
   * The person with exactly this name (case and spaces as given), hidden ones included, merged-away
   * ones not; the oldest when several share it. For imports that name people (XMP regions).
   */
  findPersonByName(name: string): Promise<PersonRecord | null>;
  /** Live people, most faces first; `includeMerged` adds the tombstones of merges (for dumps). */
  listPeople(options?: { includeHidden?: boolean; includeMerged?: boolean }): Promise<PersonRecord[]>;
  /** People, searched, sorted and paged, with the total matching. Merged-away people are never listed. */
  queryPeople(query?: PeopleQuery): Promise<Page<PersonRecord>>;
  updatePerson(id: number, patch: { name?: string | null; hidden?: boolean }): Promise<void>;
  /** Deletes a person and their faces (embeddings included); returns the face thumbnails to remove. */
  deletePerson(id: number): Promise<{ removedThumbKeys: string[]; faceIds: number[] }>;
}
