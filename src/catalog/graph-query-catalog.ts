import type { CoOccurrence, PersonPair, PhotoChain, TimelineMonth } from './catalog-records.js';

/**
 * Who appears with whom: the questions the graph of (person)-(face)-(photo) answers. A part of the
 * catalog port (catalog.ts); every method is one transaction.
 */
export interface GraphQueryCatalog {
  /** The people who appear in the most photos together with this person, most first. */
  coOccurrences(personId: number, limit?: number): Promise<CoOccurrence[]>;
  /** The pairs of people seen together in the most photos, most first (ties by the lower ids). @default limit 20 */
  topPairs(limit?: number): Promise<PersonPair[]>;
  /**
   * The shortest chain of photos linking two people (person, photo, person, ...), at most `maxHops`
   * photos long; null when none is that short. Among equally short chains, the one with the lowest
   * ids in order (photo, then person, step by step), so every adapter gives the same answer. @default maxHops 6
   */
  photoChain(fromPersonId: number, toPersonId: number, maxHops?: number): Promise<PhotoChain | null>;
  /** A person's photos, oldest first (undated last), grouped by month, each with the other people in it. */
  personTimeline(personId: number): Promise<TimelineMonth[]>;
}
