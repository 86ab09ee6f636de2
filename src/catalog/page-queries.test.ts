import { describe, expect, it } from 'vitest';
import { resolvePeopleQuery, resolvePhotoQuery } from './page-queries.js';

describe('page queries', () => {
  it('fills a people query with its defaults, and searches by id only for digits', () => {
    expect(resolvePeopleQuery()).toEqual({ search: null, searchId: null, sort: 'faces', unnamedFirst: false, hidden: 'exclude', limit: 50, offset: 0 });
    expect(resolvePeopleQuery({ search: '  ann ', sort: 'name', hidden: 'only', limit: 5, offset: 10, unnamedFirst: true }))
      .toEqual({ search: 'ann', searchId: null, sort: 'name', unnamedFirst: true, hidden: 'only', limit: 5, offset: 10 });
    expect(resolvePeopleQuery({ search: ' 42 ' })).toMatchObject({ search: '42', searchId: 42 });
    expect(resolvePeopleQuery({ search: '   ' })).toMatchObject({ search: null, searchId: null });
  });

  it('fills a photo query with its defaults, each person once', () => {
    expect(resolvePhotoQuery()).toEqual({ people: [], mode: 'all', takenFrom: null, takenTo: null, limit: 50, offset: 0 });
    expect(resolvePhotoQuery({ people: [3, 1, 3], mode: 'only', takenFrom: '2024-01-01', takenTo: '2024-06-01', limit: 2, offset: 4 }))
      .toEqual({ people: [3, 1], mode: 'only', takenFrom: '2024-01-01', takenTo: '2024-06-01', limit: 2, offset: 4 });
  });
});
