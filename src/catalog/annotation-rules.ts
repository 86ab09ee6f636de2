import { AppError } from '../errors.js';
import type { SuggestionStatus } from './catalog-records.js';
import { photoNotIndexed, suggestionNotFound } from './catalog-errors.js';

/** The rules of events and suggestions that both catalog adapters follow. */

/** An event's title as stored: trimmed, and never empty. */
export function eventTitle(title: string): string {
  const s = title.trim();
  if (!s) throw new AppError('INVALID_INPUT', 'an event title cannot be empty; give it a few words');
  return s;
}

/** An event's photos must all be indexed: the first of `photoIds` not in `indexed` is NOT_FOUND. */
export function checkEventPhotos(photoIds: readonly number[], indexed: ReadonlySet<number>): void {
  const missing = photoIds.find((id) => !indexed.has(id));
  if (missing !== undefined) throw photoNotIndexed(missing);
}

/** A suggestion is decided once: only an existing, pending one may be resolved. */
export function checkUndecided(id: number, suggestion: { status: SuggestionStatus; resolvedAt: string | null } | undefined): void {
  if (!suggestion) throw suggestionNotFound(id);
  if (suggestion.status !== 'pending') {
    throw new AppError('CONFLICT', `suggestion ${id} was already ${suggestion.status} at ${suggestion.resolvedAt}; a suggestion is decided once`);
  }
}
