import { AppError } from '../errors.js';
import type { PersonRef, PhotoRef, TimelineMonth } from './catalog.js';

/**
 * What the graph answers of both catalog adapters share, so that they answer alike: the month
 * grouping of a timeline and the choice among equally short photo chains.
 */

/** Photos of one person (each with the others in it), oldest first and undated last, grouped by month. */
export function groupByMonth(photos: Array<PhotoRef & { with: PersonRef[] }>): TimelineMonth[] {
  const sorted = [...photos].sort((a, b) =>
    a.takenAt === b.takenAt ? a.photoId - b.photoId
      : a.takenAt === null ? 1 : b.takenAt === null ? -1 : a.takenAt < b.takenAt ? -1 : 1);
  const months: TimelineMonth[] = [];
  for (const p of sorted) {
    const month = p.takenAt === null ? null : p.takenAt.slice(0, 7);
    const last = months.at(-1);
    if (last && last.month === month) last.photos.push(p);
    else months.push({ month, photos: [p] });
  }
  for (const m of months) for (const p of m.photos) p.with.sort((a, b) => a.personId - b.personId);
  return months;
}

/** Lexicographic order of chains given as [photo, person, photo, person, ...] id lists. */
export function compareChains(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Hops allowed in a chain query: a small positive integer (it bounds the search). */
export function checkHops(maxHops: number): number {
  if (!Number.isInteger(maxHops) || maxHops < 1 || maxHops > 12) throw new AppError('INVALID_INPUT', `--max-hops ${maxHops} must be an integer from 1 to 12`);
  return maxHops;
}
