import { describe, expect, it } from 'vitest';
import { checkEventPhotos, checkUndecided, eventTitle } from './annotation-rules.js';

describe('annotation rules', () => {
  it('trims an event title and refuses an empty one, saying what to give', () => {
    expect(eventTitle('  Summer at the lake ')).toBe('Summer at the lake');
    expect(() => eventTitle('   ')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: 'an event title cannot be empty; give it a few words' }));
  });

  it('puts only indexed photos in an event, naming the first that is not', () => {
    expect(() => checkEventPhotos([1, 2], new Set([1, 2, 3]))).not.toThrow();
    expect(() => checkEventPhotos([], new Set())).not.toThrow();
    expect(() => checkEventPhotos([1, 7, 8], new Set([1]))).toThrow(expect.objectContaining({
      code: 'NOT_FOUND', message: 'photo 7 does not exist or was not indexed; list photos with `facetag photos list`',
    }));
  });

  it('decides a suggestion once: a missing one is NOT_FOUND, a decided one CONFLICT with when', () => {
    expect(() => checkUndecided(4, { status: 'pending', resolvedAt: null })).not.toThrow();
    expect(() => checkUndecided(4, undefined)).toThrow(expect.objectContaining({
      code: 'NOT_FOUND', message: 'suggestion 4 does not exist; list them with `facetag suggest list`',
    }));
    expect(() => checkUndecided(4, { status: 'accepted', resolvedAt: '2026-02-03T04:05:06.000Z' })).toThrow(expect.objectContaining({
      code: 'CONFLICT', message: 'suggestion 4 was already accepted at 2026-02-03T04:05:06.000Z; a suggestion is decided once',
    }));
  });
});
