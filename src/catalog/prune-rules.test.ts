import { describe, expect, it } from 'vitest';
import { PRUNE_GRACE_MS, peopleToPrune, staleBefore, type PruneFacts } from './prune-rules.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
/** An empty, touched person: goes unless a test gives it something that keeps it. */
const person = (id: number, facts: Partial<PruneFacts> = {}): PruneFacts => ({
  id, name: null, hidden: false, mergedInto: null, hasMergedIn: false, hasFaces: false, hasRejections: false,
  createdAt: ago(1_000), touched: true, ...facts,
});

describe('peopleToPrune', () => {
  it('prunes an empty person the transaction touched, however new', () => {
    expect(peopleToPrune([person(1, { createdAt: new Date(NOW).toISOString() })], NOW)).toEqual([1]);
  });

  it('keeps a person with a name, hidden, merged away, pointed at by a tombstone, with a face or with a rejection', () => {
    const kept = [
      person(1, { name: 'Ann' }), person(2, { hidden: true }), person(3, { mergedInto: 9 }), person(4, { hasMergedIn: true }),
      person(5, { hasFaces: true }), person(6, { hasRejections: true }),
    ];
    expect(peopleToPrune(kept, NOW)).toEqual([]);
    // Each alone keeps the person, untouched and stale too.
    expect(peopleToPrune(kept.map((p) => ({ ...p, touched: false, createdAt: ago(PRUNE_GRACE_MS * 10) })), NOW)).toEqual([]);
  });

  it('prunes an untouched empty person only once it is past the grace (another writer may be about to use it)', () => {
    const fresh = person(1, { touched: false, createdAt: ago(PRUNE_GRACE_MS - 1) });
    const edge = person(2, { touched: false, createdAt: ago(PRUNE_GRACE_MS) });
    const stale = person(3, { touched: false, createdAt: ago(PRUNE_GRACE_MS + 1) });
    expect(peopleToPrune([fresh, edge, stale], NOW)).toEqual([3]);
    // An unreadable creation time never makes a person stale.
    expect(peopleToPrune([person(4, { touched: false, createdAt: 'yesterday?' })], NOW)).toEqual([]);
  });

  it('answers each id once, in order, when a candidate comes both touched and stale', () => {
    const old = ago(PRUNE_GRACE_MS * 2);
    expect(peopleToPrune([person(7), person(3, { touched: false, createdAt: old }), person(7, { touched: false, createdAt: old })], NOW)).toEqual([3, 7]);
    expect(peopleToPrune([], NOW)).toEqual([]);
  });

  it('gives storage the instant its stale pre-selection compares creation times with', () => {
    expect(staleBefore(NOW)).toBe(ago(PRUNE_GRACE_MS));
    expect(staleBefore(NOW) < ago(PRUNE_GRACE_MS - 1)).toBe(true);
  });
});
