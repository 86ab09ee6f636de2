import { describe, expect, it } from 'vitest';
import { checkIndexedPhoto, dismissalPhotoMissing, eventNotFound, faceNotFound, mergeNotFound, personNotFound, photoNotIndexed, suggestionNotFound } from './catalog-errors.js';

describe('catalog errors', () => {
  it('are NOT_FOUND and name the missing thing and where to look (one wording for both adapters)', () => {
    expect([faceNotFound(1), personNotFound(2), photoNotIndexed(3), dismissalPhotoMissing(4), mergeNotFound(5), eventNotFound(6), suggestionNotFound(7)]
      .map((e) => [e.code, e.message])).toEqual([
      ['NOT_FOUND', 'face 1 does not exist; list faces with `facetag faces list`'],
      ['NOT_FOUND', 'person 2 does not exist; list people with `facetag people list`'],
      ['NOT_FOUND', 'photo 3 does not exist or was not indexed; list photos with `facetag photos list`'],
      ['NOT_FOUND', 'photo 4 does not exist; import the photos before their dismissed boxes'],
      ['NOT_FOUND', "merge 5 does not exist; `facetag people unmerge PERSON` undoes a person's latest merge"],
      ['NOT_FOUND', 'event 6 does not exist'],
      ['NOT_FOUND', 'suggestion 7 does not exist; list them with `facetag suggest list`'],
    ]);
  });

  it('lets a face be drawn only on an indexed photo', () => {
    expect(() => checkIndexedPhoto(3, { status: 'done' })).not.toThrow();
    expect(() => checkIndexedPhoto(3, { status: 'failed' })).toThrow(/^photo 3 does not exist or was not indexed/);
    expect(() => checkIndexedPhoto(3, undefined)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
