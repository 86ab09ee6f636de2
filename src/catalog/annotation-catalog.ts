import type { EventRecord, NewEvent, SuggestionStatus, SuggestionRecord, NewSuggestion, SuggestionFilter } from './catalog-records.js';

/**
 * Events and the suggestions (LLM or other) a person confirms or rejects. A part of the catalog
 * port (catalog.ts); every method is one transaction.
 */
export interface AnnotationCatalog {
  /** Creates an event with its photos (PART_OF); an unknown photo id is NOT_FOUND. Returns its id. */
  createEvent(event: NewEvent): Promise<number>;
  getEvent(id: number): Promise<EventRecord | null>;
  /** Every event, latest first (by `startAt`, events without times last). */
  listEvents(): Promise<EventRecord[]>;
  /** Changes the given fields; `photoIds` replaces the membership. NOT_FOUND for an unknown event. */
  updateEvent(id: number, patch: Partial<NewEvent>): Promise<void>;
  /** Deletes the event, never its photos. */
  deleteEvent(id: number): Promise<void>;
  /** Stores a pending suggestion; returns its id. */
  addSuggestion(suggestion: NewSuggestion): Promise<number>;
  getSuggestion(id: number): Promise<SuggestionRecord | null>;
  /** Suggestions, newest first. */
  listSuggestions(filter?: SuggestionFilter): Promise<SuggestionRecord[]>;
  /**
   * Records a person's decision on a pending suggestion, with what was applied. A suggestion
   * already decided is CONFLICT (it is decided once); an unknown one NOT_FOUND.
   */
  resolveSuggestion(id: number, status: Exclude<SuggestionStatus, 'pending'>, resolution?: Record<string, unknown> | null): Promise<SuggestionRecord>;
}
