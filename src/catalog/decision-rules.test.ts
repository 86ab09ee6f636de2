import { describe, expect, it } from 'vitest';
import {
  assignedSource, checkAssignable, checkCannotLink, checkLivePerson, planConfirm, planMerge, planMoveFace, planReject, planSplit, planUnmerge,
  type MergeFacts,
} from './decision-rules.js';

const live = { mergedInto: null };
const refused = (code: string, message: RegExp) => expect.objectContaining({ code, message: expect.stringMatching(message) });

describe('decision rules: live people', () => {
  it('accepts a live person, refuses a missing one and one merged away, naming the fix', () => {
    expect(() => checkLivePerson(3, live)).not.toThrow();
    expect(() => checkLivePerson(3, undefined)).toThrow(refused('NOT_FOUND', /^person 3 does not exist; list people with `facetag people list`$/));
    expect(() => checkLivePerson(3, { mergedInto: 9 })).toThrow(refused('CONFLICT', /person 3 was merged into person 9; use 9, or undo with `facetag people unmerge 3`/));
  });
});

describe('decision rules: cannot-link', () => {
  const mates = [
    { faceId: 12, photoId: 5, personId: 7 },
    { faceId: 11, photoId: 5, personId: 7 },
    { faceId: 13, photoId: 5, personId: null },
  ];
  it('refuses a face joining a person who already has another face of its photo, naming the lowest such face', () => {
    expect(() => checkCannotLink(7, 10, mates)).toThrow(refused('CONFLICT',
      /^person 7 already has face 11 in photo 5, where face 10 is; two faces of one photo are two people: move face 11 out first$/));
  });
  it('lets a face join anyone else, and ignores the face itself among its mates', () => {
    expect(() => checkCannotLink(8, 10, mates)).not.toThrow();
    expect(() => checkCannotLink(7, 11, [{ faceId: 11, photoId: 5, personId: 7 }])).not.toThrow();
    expect(() => checkCannotLink(7, 10, [])).not.toThrow();
  });
});

describe('decision rules: assignments and rejections', () => {
  it('refuses assignments to a missing face or person, and stores no source without a person', () => {
    const a = (faceId: number, personId: number | null) => ({ faceId, personId, source: 'auto' as const, distance: 0.2 });
    expect(() => checkAssignable([a(1, 2), a(4, null)], new Set([1, 4]), new Set([2]))).not.toThrow();
    expect(() => checkAssignable([a(1, 2), a(5, 2)], new Set([1]), new Set([2]))).toThrow(refused('NOT_FOUND', /^face 5 does not exist/));
    expect(() => checkAssignable([a(1, 3)], new Set([1]), new Set([2]))).toThrow(refused('NOT_FOUND', /^person 3 does not exist/));
    expect(assignedSource(a(1, null))).toBeNull();
    expect(assignedSource(a(1, 2))).toBe('auto');
  });
  it('rejects a face from a person: both must exist; the face leaves the person only if it was on it', () => {
    expect(planReject(1, 2, { personId: 2 }, live)).toEqual({ unassign: true });
    expect(planReject(1, 2, { personId: 3 }, live)).toEqual({ unassign: false });
    expect(() => planReject(1, 2, undefined, live)).toThrow(refused('NOT_FOUND', /^face 1 does not exist/));
    expect(() => planReject(1, 2, { personId: null }, undefined)).toThrow(refused('NOT_FOUND', /^person 2 does not exist/));
  });
});

describe('decision rules: merges', () => {
  const facts = (over: Partial<MergeFacts> = {}): MergeFacts => ({
    into: live, from: live, sharedPhotos: [], facesOfFrom: [], rejectedFromFrom: [], rejectedFromInto: [], ...over,
  });
  it('hands the survivor the rejections of the merged person it lacked, to undo later', () => {
    expect(planMerge(1, 2, facts({ rejectedFromFrom: [30, 10, 20], rejectedFromInto: [20] }))).toEqual({
      inherited: [{ faceId: 10, personId: 1 }, { faceId: 30, personId: 1 }], cleared: [],
    });
    expect(planMerge(1, 2, facts())).toEqual({ inherited: [], cleared: [] });
  });
  it('clears the rejection from the survivor of a face the merge brings back to it (split off, merged back), to restore at an undo', () => {
    // Face 40 was split off person 1 (rejected from it) onto person 2; 41 is another face of 2, 50 a face rejected from 1 on nobody.
    expect(planMerge(1, 2, facts({ facesOfFrom: [41, 40], rejectedFromInto: [50, 40] }))).toEqual({
      inherited: [], cleared: [{ faceId: 40, personId: 1 }],
    });
    // A face of the merged person is never handed a rejection from the survivor it lands on.
    expect(planMerge(1, 2, facts({ facesOfFrom: [40], rejectedFromFrom: [40, 60] }))).toEqual({
      inherited: [{ faceId: 60, personId: 1 }], cleared: [],
    });
  });
  it('refuses a merge into itself, of a person missing or merged away, and of two people in one photo (with the photos)', () => {
    expect(() => planMerge(4, 4, facts())).toThrow(refused('INVALID_INPUT', /cannot merge person 4 into itself; give two different people/));
    expect(() => planMerge(1, 2, facts({ into: undefined }))).toThrow(refused('NOT_FOUND', /^person 1 does not exist/));
    expect(() => planMerge(1, 2, facts({ from: { mergedInto: 6 } }))).toThrow(refused('CONFLICT', /person 2 was merged into person 6/));
    expect(() => planMerge(1, 2, facts({ sharedPhotos: [8] }))).toThrow(expect.objectContaining({
      code: 'CONFLICT', message: expect.stringMatching(/^people 1 and 2 both appear in photo 8, so they are two people; move the wrong face first/),
      details: { photoIds: [8], people: [1, 2] },
    }));
    expect(() => planMerge(1, 2, facts({ sharedPhotos: [8, 9] }))).toThrow(/both appear in photos 8, 9,/);
  });
  it('undoes a merge once, while its merged person exists: the faces go back, the inherited rejections go, the cleared ones come back', () => {
    const merge = { intoId: 1, fromId: 2, undoneAt: null, faces: [{ id: 5, source: 'auto' as const, distance: 0.3 }], rejections: [7, 8], cleared: [5] };
    expect(planUnmerge(3, merge, true)).toEqual({
      moveBack: merge.faces, dropRejections: [{ faceId: 7, personId: 1 }, { faceId: 8, personId: 1 }], restoreRejections: [{ faceId: 5, personId: 1 }],
    });
    expect(planUnmerge(3, { ...merge, cleared: [] }, true).restoreRejections).toEqual([]);
    expect(() => planUnmerge(3, undefined, false)).toThrow(refused('NOT_FOUND', /^merge 3 does not exist; `facetag people unmerge PERSON` undoes/));
    expect(() => planUnmerge(3, { ...merge, undoneAt: '2026-01-01T00:00:00.000Z' }, true)).toThrow(refused('CONFLICT', /^merge 3 was already undone at 2026-01-01/));
    expect(() => planUnmerge(3, merge, false)).toThrow(refused('CONFLICT', /^person 2 of merge 3 was deleted since; the merge cannot be undone$/));
  });
});

describe('decision rules: splits, moves and confirmations', () => {
  it('splits only faces of a live person off it: confirmed on the new person, rejected from the old one', () => {
    const owners = new Map([[10, 1], [11, 1], [12, 2]]);
    expect(planSplit(1, [10, 11], live, owners)).toEqual({
      confirm: [10, 11], reject: [{ faceId: 10, personId: 1 }, { faceId: 11, personId: 1 }], prune: [1],
    });
    expect(() => planSplit(1, [], live, owners)).toThrow(refused('INVALID_INPUT', /split needs at least one face id of the person/));
    expect(() => planSplit(1, [10, 12], live, owners)).toThrow(refused('INVALID_INPUT', /^face 12 is not a face of person 1; see `facetag people show 1`$/));
    expect(() => planSplit(1, [99], live, owners)).toThrow(/face 99 is not a face of person 1/);
    expect(() => planSplit(1, [10], { mergedInto: 4 }, owners)).toThrow(/was merged into person 4/);
  });

  it('moves a face by hand: rejected from the person it leaves, a rejection from its new person forgotten', () => {
    expect(planMoveFace(10, 2, live, { personId: 1 }, [])).toEqual({
      source: 'manual', reject: { faceId: 10, personId: 1 }, forget: { faceId: 10, personId: 2 }, moved: true, prune: [1],
    });
    expect(planMoveFace(10, 2, live, { personId: null }, [])).toEqual({
      source: 'manual', reject: null, forget: { faceId: 10, personId: 2 }, moved: true, prune: [],
    });
    // On the same person only the source changes, whatever its photo holds.
    expect(planMoveFace(10, 2, live, { personId: 2 }, [{ faceId: 11, photoId: 5, personId: 2 }])).toEqual({
      source: 'manual', reject: null, forget: null, moved: false, prune: [],
    });
  });
  it('refuses a move to a person missing or merged away, of a missing face, and across cannot-link', () => {
    expect(() => planMoveFace(10, 2, undefined, { personId: 1 }, [])).toThrow(refused('NOT_FOUND', /^person 2 does not exist/));
    expect(() => planMoveFace(10, 2, live, undefined, [])).toThrow(refused('NOT_FOUND', /^face 10 does not exist; list faces with `facetag faces list`$/));
    expect(() => planMoveFace(10, 2, live, { personId: 1 }, [{ faceId: 11, photoId: 5, personId: 2 }])).toThrow(/person 2 already has face 11 in photo 5/);
  });

  it('confirms faces of the person and attaches unassigned ones under cannot-link', () => {
    const faces = new Map([[10, { personId: 1 }], [11, { personId: null }], [12, { personId: 3 }]]);
    expect(planConfirm(1, [10, 11], live, faces, new Map())).toEqual({
      confirm: [10, 11], forget: [{ faceId: 10, personId: 1 }, { faceId: 11, personId: 1 }],
    });
    expect(() => planConfirm(1, [10, 12], live, faces, new Map())).toThrow(refused('CONFLICT',
      /^face 12 belongs to person 3; move it with `facetag people move-face 12 1`$/));
    expect(() => planConfirm(1, [13], live, faces, new Map())).toThrow(refused('NOT_FOUND', /^face 13 does not exist/));
    const mates = new Map([[11, [{ faceId: 10, photoId: 4, personId: 1 }]]]);
    expect(() => planConfirm(1, [11], live, faces, mates)).toThrow(/person 1 already has face 10 in photo 4, where face 11 is/);
    // A face already the person's is not checked against its photo: it is there already.
    expect(() => planConfirm(1, [10], live, faces, new Map([[10, [{ faceId: 9, photoId: 4, personId: 1 }]]]))).not.toThrow();
    expect(() => planConfirm(1, [10], { mergedInto: 2 }, faces, new Map())).toThrow(/person 1 was merged into person 2/);
  });
});
