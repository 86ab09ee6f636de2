import { describe, expect, it } from 'vitest';
import type { Catalog, NewFace, PhotoResult } from './catalog.js';

export const vec = (seed: number, dims = 8) => {
  const v = Float32Array.from({ length: dims }, (_, i) => Math.sin(seed * 7.3 + i));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

export const face = (seed: number, x = seed * 100): NewFace => ({
  box: { x, y: 10, w: 50, h: 60 },
  landmarks: [[x + 10, 20], [x + 30, 20], [x + 20, 35], [x + 12, 50], [x + 28, 50]],
  detScore: 0.9, quality: 0.8, embedding: vec(seed), model: 'test-embedder@1', thumbKey: `faces/t/${seed}.jpg`,
});

export const photo = (path: string, faces: NewFace[], sha = path): PhotoResult => ({
  path, sha256: sha, size: 100, mtimeMs: 1, width: 1000, height: 800, takenAt: '2024-06-01T10:00:00', gps: { lat: 1.5, lon: -2.5 },
  model: 'det@1+test-embedder@1', faces,
});

/** The behaviour every Catalog adapter must have; each adapter's test file runs it. */
export function catalogContract(name: string, make: () => Promise<Catalog>) {
  describe(`Catalog contract: ${name}`, () => {
    it('stores a photo with its faces and reads them back', async () => {
      const c = await make();
      const saved = await c.savePhoto(photo('/p/a.jpg', [face(1), face(2)]));
      expect(saved.faceIds).toHaveLength(2);
      const p = await c.getPhotoByPath('/p/a.jpg');
      expect(p).toMatchObject({ id: saved.photoId, sha256: '/p/a.jpg', status: 'done', width: 1000, gps: { lat: 1.5, lon: -2.5 }, model: 'det@1+test-embedder@1' });
      const faces = await c.listFaces({ photoId: saved.photoId });
      expect(faces.map((f) => f.box.x)).toEqual([100, 200]);
      expect(faces[0]).toMatchObject({ personId: null, source: null, manual: false, model: 'test-embedder@1' });
      const emb = await c.getEmbedding(saved.faceIds[0]!);
      expect(Array.from(emb!)).toEqual(Array.from(face(1).embedding));
      expect(await c.counts()).toEqual({ photos: 1, photosFailed: 0, faces: 2, people: 0, unassigned: 2 });
      await c.close();
    });

    it('records failures and clears them when the photo succeeds', async () => {
      const c = await make();
      await c.recordFailure({ path: '/p/bad.jpg', sha256: null, size: 0, mtimeMs: 1, code: 'PHOTO_EMPTY', message: 'empty' });
      expect((await c.listFailures()).map((f) => [f.errorCode, f.errorMessage])).toEqual([['PHOTO_EMPTY', 'empty']]);
      await c.savePhoto(photo('/p/bad.jpg', []));
      expect(await c.listFailures()).toEqual([]);
      expect((await c.counts()).photosFailed).toBe(0);
      await c.close();
    });

    it('assigns faces to people, counts them, and removes unnamed people left empty', async () => {
      const c = await make();
      const { faceIds } = await c.savePhoto(photo('/p/c.jpg', [face(1), face(2)]));
      const p = await c.createPerson();
      await c.assign(faceIds.map((faceId) => ({ faceId, personId: p, source: 'auto' as const, distance: 0.1 })));
      expect(await c.getPerson(p)).toMatchObject({ id: p, name: null, faceCount: 2, hidden: false });
      expect((await c.listFaces({ personId: p })).map((f) => f.distance)).toEqual([0.1, 0.1]);
      await c.assign(faceIds.map((faceId) => ({ faceId, personId: null, source: null, distance: null })));
      expect(await c.getPerson(p)).toBeNull();
      await expect(c.assign([{ faceId: 99999, personId: null, source: null, distance: null }])).rejects.toThrow(/face 99999 does not exist/);
      await c.close();
    });

    it('names, hides and lists people; a rejection unassigns and is remembered', async () => {
      const c = await make();
      const { faceIds } = await c.savePhoto(photo('/p/d.jpg', [face(1), face(2)]));
      const p = await c.createPerson();
      await c.assign([{ faceId: faceIds[0]!, personId: p, source: 'auto', distance: 0.2 }, { faceId: faceIds[1]!, personId: p, source: 'auto', distance: 0.2 }]);
      await c.updatePerson(p, { name: 'Zoë' });
      await c.updatePerson(p, { hidden: true });
      expect(await c.listPeople()).toEqual([]);
      expect((await c.listPeople({ includeHidden: true }))[0]).toMatchObject({ name: 'Zoë', hidden: true, faceCount: 2 });
      await c.reject(faceIds[0]!, p);
      expect((await c.getFace(faceIds[0]!))?.personId).toBeNull();
      expect(await c.rejectedPeople(faceIds[0]!)).toEqual([p]);
      await expect(c.updatePerson(12345, { name: 'x' })).rejects.toThrow(/person 12345 does not exist/);
      await c.close();
    });

    it('finds a person by exact name, hidden included, merged-away not', async () => {
      const c = await make();
      const ada = await c.createPerson('Ada Lovelace');
      const later = await c.createPerson('Ada Lovelace');
      const hid = await c.createPerson('Hidden');
      await c.updatePerson(hid, { hidden: true });
      expect((await c.findPersonByName('Ada Lovelace'))?.id).toBe(ada);
      expect(await c.findPersonByName('ada lovelace')).toBeNull();
      expect(await c.findPersonByName('Ada')).toBeNull();
      expect((await c.findPersonByName('Hidden'))?.id).toBe(hid);
      await c.mergePeople(later, ada);
      expect((await c.findPersonByName('Ada Lovelace'))?.id).toBe(later);
      await c.close();
    });

    it('deletes a person with their faces and embeddings, and a photo with its faces', async () => {
      const c = await make();
      const a = await c.savePhoto(photo('/p/e.jpg', [face(1), face(2)]));
      const p = await c.createPerson('Del');
      await c.assign([{ faceId: a.faceIds[0]!, personId: p, source: 'confirmed', distance: null }]);
      const removed = await c.deletePerson(p);
      expect(removed.faceIds).toEqual([a.faceIds[0]]);
      expect(removed.removedThumbKeys).toEqual(['faces/t/1.jpg']);
      expect(await c.getEmbedding(a.faceIds[0]!)).toBeNull();
      expect(await c.getFace(a.faceIds[0]!)).toBeNull();
      const gone = await c.deletePhoto(a.photoId);
      expect(gone.removedThumbKeys).toEqual(['faces/t/2.jpg']);
      expect(await c.counts()).toMatchObject({ photos: 0, faces: 0 });
      await c.close();
    });

    it('serves vectors with what clustering needs', async () => {
      const c = await make();
      const { photoId, faceIds } = await c.savePhoto(photo('/p/f.jpg', [face(1), face(2)]));
      const all = await c.allFaceVectors('test-embedder@1');
      expect(all.map((v) => v.id)).toEqual(faceIds);
      expect(all[0]).toMatchObject({ photoId, personId: null, source: null, quality: 0.8 });
      expect(await c.allFaceVectors('other@1')).toEqual([]);
      expect((await c.getFaceVectors([faceIds[1]!]))[0]!.id).toBe(faceIds[1]);
      expect((await c.peopleInPhoto(photoId)).map((p) => p.faceId)).toEqual(faceIds);
      await c.close();
    });

    it('serves the vectors a page at a time, in id order, the pages together equal to all of them', async () => {
      const c = await make();
      await c.savePhoto(photo('/p/g.jpg', [face(1), face(2), face(3)]));
      await c.savePhoto(photo('/p/h.jpg', [face(4), face(5)]));
      const all = await c.allFaceVectors('test-embedder@1');
      const pages: number[][] = [];
      for (let afterId: number | undefined, page; (page = await c.allFaceVectors('test-embedder@1', { ...(afterId === undefined ? {} : { afterId }), limit: 2 })).length > 0;) {
        pages.push(page.map((v) => v.id));
        afterId = page.at(-1)!.id;
      }
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(all.map((v) => v.id));
      expect(await c.allFaceVectors('other@1', { limit: 2 })).toEqual([]);
      await c.close();
    });
    it('merges two people and undoes the merge exactly', async () => {
      const c = await make();
      const a = await c.savePhoto(photo('/m/1.jpg', [face(1)]));
      const b = await c.savePhoto(photo('/m/2.jpg', [face(2)]));
      const d = await c.savePhoto(photo('/m/3.jpg', [face(3)]));
      const ann = await c.createPerson('Ann');
      const anna = await c.createPerson('Anna');
      const other = await c.createPerson('Other');
      await c.assign([
        { faceId: a.faceIds[0]!, personId: ann, source: 'confirmed', distance: null },
        { faceId: b.faceIds[0]!, personId: anna, source: 'auto', distance: 0.3 },
      ]);
      await c.reject(d.faceIds[0]!, anna);
      const merge = await c.mergePeople(ann, anna);
      expect(merge).toMatchObject({ intoId: ann, fromId: anna, faceCount: 1, undoneAt: null });
      expect((await c.getPerson(ann))!.faceCount).toBe(2);
      expect((await c.listPeople()).map((p) => p.id).sort()).toEqual([ann, other].sort());
      expect(await c.rejectedPeople(d.faceIds[0]!)).toEqual(expect.arrayContaining([ann, anna]));
      await expect(c.moveFace(d.faceIds[0]!, anna)).rejects.toThrow(/was merged into person/);
      expect((await c.lastMerge(anna))!.id).toBe(merge.id);

      const undone = await c.unmerge(merge.id);
      expect(undone.undoneAt).not.toBeNull();
      expect(await c.getPerson(anna)).toMatchObject({ name: 'Anna', faceCount: 1, mergedInto: null });
      expect(await c.getFace(b.faceIds[0]!)).toMatchObject({ personId: anna, source: 'auto', distance: 0.3 });
      expect(await c.rejectedPeople(d.faceIds[0]!)).toEqual([anna]);
      await expect(c.unmerge(merge.id)).rejects.toThrow(/already undone/);
      expect(await c.lastMerge()).toBeNull();
      await c.close();
    });

    it('refuses to merge two people seen in the same photo', async () => {
      const c = await make();
      const g = await c.savePhoto(photo('/m/group.jpg', [face(1), face(2)]));
      const x = await c.createPerson();
      const y = await c.createPerson();
      await c.assign([{ faceId: g.faceIds[0]!, personId: x, source: 'auto', distance: 0.1 }, { faceId: g.faceIds[1]!, personId: y, source: 'auto', distance: 0.1 }]);
      // The photos come with the refusal, so the dashboard can link them and offer the fix.
      await expect(c.mergePeople(x, y)).rejects.toMatchObject({ code: 'CONFLICT', details: { photoIds: [g.photoId], people: [x, y] } });
      await expect(c.mergePeople(x, x)).rejects.toThrow(/into itself/);
      await c.close();
    });

    it('splits faces off into a new person and never lets them back', async () => {
      const c = await make();
      const ids = [];
      for (let i = 1; i <= 3; i++) ids.push((await c.savePhoto(photo(`/s/${i}.jpg`, [face(i)]))).faceIds[0]!);
      const p = await c.createPerson('Twins');
      await c.assign(ids.map((faceId) => ({ faceId, personId: p, source: 'auto' as const, distance: 0.2 })));
      const q = await c.splitPerson(p, [ids[2]!]);
      expect(await c.getFace(ids[2]!)).toMatchObject({ personId: q, source: 'confirmed' });
      expect(await c.rejectedPeople(ids[2]!)).toEqual([p]);
      expect((await c.getPerson(p))!.faceCount).toBe(2);
      await expect(c.splitPerson(p, [ids[2]!])).rejects.toThrow(/is not a face of person/);
      await c.close();
    });

    it('moves a face by hand, rejecting the old person, and enforces one person per photo', async () => {
      const c = await make();
      const g = await c.savePhoto(photo('/v/group.jpg', [face(1), face(2)]));
      const solo = await c.savePhoto(photo('/v/solo.jpg', [face(3)]));
      const x = await c.createPerson('X');
      const y = await c.createPerson('Y');
      await c.assign([{ faceId: g.faceIds[0]!, personId: x, source: 'auto', distance: 0.1 }, { faceId: solo.faceIds[0]!, personId: y, source: 'auto', distance: 0.1 }]);
      await c.moveFace(solo.faceIds[0]!, x);
      expect(await c.getFace(solo.faceIds[0]!)).toMatchObject({ personId: x, source: 'manual' });
      expect(await c.rejectedPeople(solo.faceIds[0]!)).toEqual([y]);
      await expect(c.moveFace(g.faceIds[1]!, x)).rejects.toThrow(/already has face \d+ in photo/);
      await expect(c.moveFace(999999, x)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await c.close();
    });

    it('refuses to assign or reject a face or person that does not exist, naming it (the same on every adapter)', async () => {
      const c = await make();
      const { faceIds: [f] } = await c.savePhoto(photo('/n/1.jpg', [face(1)]));
      const p = await c.createPerson('P');
      const notFound = (what: string) => expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringMatching(new RegExp(`^${what} does not exist; list`)) });
      await expect(c.reject(999999, p)).rejects.toEqual(notFound('face 999999'));
      await expect(c.reject(f!, 999999)).rejects.toEqual(notFound('person 999999'));
      await expect(c.assign([{ faceId: 999999, personId: p, source: 'auto', distance: 0.1 }])).rejects.toEqual(notFound('face 999999'));
      await expect(c.assign([{ faceId: f!, personId: 999999, source: 'auto', distance: 0.1 }])).rejects.toEqual(notFound('person 999999'));
      expect(await c.rejectedPeople(f!)).toEqual([]);
      expect((await c.getFace(f!))!.personId).toBeNull();
      await c.close();
    });

    it('confirms a person\'s faces, and attaches unassigned faces given by id', async () => {
      const c = await make();
      const a = await c.savePhoto(photo('/c/1.jpg', [face(1)]));
      const b = await c.savePhoto(photo('/c/2.jpg', [face(2)]));
      const p = await c.createPerson('P');
      await c.assign([{ faceId: a.faceIds[0]!, personId: p, source: 'auto', distance: 0.2 }]);
      expect(await c.confirmFaces(p)).toBe(1);
      expect((await c.getFace(a.faceIds[0]!))!.source).toBe('confirmed');
      await c.reject(b.faceIds[0]!, p);
      expect(await c.confirmFaces(p, [b.faceIds[0]!])).toBe(1);
      expect(await c.getFace(b.faceIds[0]!)).toMatchObject({ personId: p, source: 'confirmed' });
      expect(await c.rejectedPeople(b.faceIds[0]!)).toEqual([]);
      expect(await c.allRejections()).toEqual([]);
      await c.close();
    });

    it('searches, sorts and pages people, with hidden and unnamed filters', async () => {
      const c = await make();
      const ids: number[] = [];
      for (let i = 1; i <= 6; i++) ids.push((await c.savePhoto(photo(`/q/${i}.jpg`, [face(i)]))).faceIds[0]!);
      const ann = await c.createPerson('Ann 50%');
      const bob = await c.createPerson('bob');
      const anon = await c.createPerson();
      const hid = await c.createPerson('Hidden Hannah');
      await c.assign([
        ...[0, 1, 2].map((i) => ({ faceId: ids[i]!, personId: ann, source: 'auto' as const, distance: 0.1 })),
        { faceId: ids[3]!, personId: bob, source: 'auto', distance: 0.1 },
        { faceId: ids[4]!, personId: anon, source: 'auto', distance: 0.1 },
        { faceId: ids[5]!, personId: hid, source: 'confirmed', distance: null },
      ]);
      await c.updatePerson(hid, { hidden: true });
      const byFaces = await c.queryPeople();
      expect(byFaces.total).toBe(3);
      expect(byFaces.items.map((p) => p.id)).toEqual([ann, bob, anon]);
      expect(byFaces.items[0]).toMatchObject({ faceCount: 3, coverFaceId: ids[0] });
      expect((await c.queryPeople({ sort: 'name' })).items.map((p) => p.id)).toEqual([ann, bob, anon]);
      expect((await c.queryPeople({ sort: 'name', unnamedFirst: true })).items.map((p) => p.id)).toEqual([anon, ann, bob]);
      expect((await c.queryPeople({ sort: 'newest' })).items.map((p) => p.id)).toEqual([anon, bob, ann]);
      expect((await c.queryPeople({ search: 'BOB' })).items.map((p) => p.id)).toEqual([bob]);
      expect((await c.queryPeople({ search: '50%' })).items.map((p) => p.id)).toEqual([ann]);
      expect((await c.queryPeople({ search: '_' })).items).toEqual([]);
      expect((await c.queryPeople({ search: String(anon) })).items.map((p) => p.id)).toEqual([anon]);
      expect((await c.queryPeople({ hidden: 'only' })).items.map((p) => p.id)).toEqual([hid]);
      expect((await c.queryPeople({ hidden: 'include' })).total).toBe(4);
      const page = await c.queryPeople({ limit: 2, offset: 1 });
      expect(page).toMatchObject({ total: 3 });
      expect(page.items.map((p) => p.id)).toEqual([bob, anon]);
      await c.mergePeople(ann, bob);
      expect((await c.queryPeople()).items.map((p) => p.id)).toEqual([ann, anon]);
      await c.close();
    });

    it('finds photos by people (all, any, only) and by date, and counts who appears together', async () => {
      const c = await make();
      const at = (path: string, takenAt: string, n: number) => ({ ...photo(path, Array.from({ length: n }, (_, i) => face(i + 1))), takenAt });
      const both = await c.savePhoto(at('/g/both.jpg', '2024-06-01T10:00:00', 2));
      const trio = await c.savePhoto(at('/g/trio.jpg', '2024-07-15T09:00:00', 3));
      const solo = await c.savePhoto(at('/g/solo.jpg', '2023-12-31T23:00:00', 1));
      const withStranger = await c.savePhoto(at('/g/stranger.jpg', '2024-06-01T18:00:00', 2));
      const [a, b, x] = [await c.createPerson('A'), await c.createPerson('B'), await c.createPerson('X')];
      const put = (faceId: number, personId: number) => ({ faceId, personId, source: 'confirmed' as const, distance: null });
      await c.assign([
        put(both.faceIds[0]!, a), put(both.faceIds[1]!, b),
        put(trio.faceIds[0]!, a), put(trio.faceIds[1]!, b), put(trio.faceIds[2]!, x),
        put(solo.faceIds[0]!, a),
        put(withStranger.faceIds[0]!, a), // its other face is in no person
      ]);
      const ids = async (q: Parameters<Catalog['queryPhotos']>[0]) => (await c.queryPhotos(q)).items.map((p) => p.id);
      expect(await ids({ people: [a, b], mode: 'all' })).toEqual([trio.photoId, both.photoId]);
      expect(await ids({ people: [b, x], mode: 'any' })).toEqual([trio.photoId, both.photoId]);
      expect(await ids({ people: [a, b], mode: 'only' })).toEqual([both.photoId]);
      expect(await ids({ people: [a], mode: 'only' })).toEqual([withStranger.photoId, solo.photoId]);
      expect(await ids({ people: [a], takenFrom: '2024-01-01', takenTo: '2024-06-01' })).toEqual([withStranger.photoId, both.photoId]);
      expect(await ids({ takenTo: '2023-12-31' })).toEqual([solo.photoId]);
      const page = await c.queryPhotos({ people: [a], limit: 1, offset: 1 });
      expect(page.total).toBe(4);
      expect(page.items.map((p) => p.id)).toEqual([withStranger.photoId]);
      expect(await c.coOccurrences(a)).toEqual([{ personId: b, name: 'B', photos: 2 }, { personId: x, name: 'X', photos: 1 }]);
      expect(await c.coOccurrences(a, 1)).toHaveLength(1);
      await c.close();
    });

    it('adds a face drawn by hand to a photo and keeps it through a re-index', async () => {
      const c = await make();
      const first = await c.savePhoto(photo('/h/1.jpg', [face(1)], 'v1'));
      const manual = await c.addManualFace(first.photoId, { ...face(7, 600), thumbKey: 'faces/t/manual.jpg' });
      expect(await c.getFace(manual)).toMatchObject({ photoId: first.photoId, manual: true, personId: null, box: { x: 600, y: 10, w: 50, h: 60 } });
      expect(Array.from((await c.getEmbedding(manual))!)).toEqual(Array.from(face(7).embedding));
      const p = await c.createPerson('M');
      await c.moveFace(manual, p);
      await c.savePhoto(photo('/h/1.jpg', [face(1)], 'v2'));
      const faces = await c.listFaces({ photoId: first.photoId });
      expect(faces.map((f) => [f.manual, f.personId]).sort()).toEqual([[false, null], [true, p]]);
      await expect(c.addManualFace(424242, face(8))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await c.close();
    });

    it('keeps a doubtful drawn face out of clustering until a person puts it on someone', async () => {
      const c = await make();
      const first = await c.savePhoto(photo('/d/1.jpg', [face(1)]));
      const wall = await c.addManualFace(first.photoId, { ...face(2, 600), thumbKey: 'faces/t/wall.jpg', doubtful: true });
      expect(await c.getFace(wall)).toMatchObject({ manual: true, doubtful: true, personId: null });
      const model = face(1).model;
      expect((await c.allFaceVectors(model)).map((f) => f.id)).toEqual(first.faceIds);
      expect((await c.nearestFaces(face(2).embedding, 5, model)).map((n) => n.faceId)).not.toContain(wall);
      await c.moveFace(wall, await c.createPerson('Someone'));
      expect((await c.allFaceVectors(model)).map((f) => f.id).sort()).toEqual([...first.faceIds, wall].sort());
      expect((await c.nearestFaces(face(2).embedding, 5, model))[0]!.faceId).toBe(wall);
      await c.close();
    });

    it('lists the least certain machine assignments first', async () => {
      const c = await make();
      const { faceIds } = await c.savePhoto(photo('/l/1.jpg', [face(1), face(2), face(3)]));
      const p = await c.createPerson();
      await c.assign([
        { faceId: faceIds[0]!, personId: p, source: 'auto', distance: 0.2 },
        { faceId: faceIds[1]!, personId: p, source: 'auto', distance: 0.45 },
        { faceId: faceIds[2]!, personId: p, source: 'confirmed', distance: 0.5 },
      ]);
      const unsure = await c.listFaces({ source: 'auto', minDistance: 0.1, order: 'distance-desc' });
      expect(unsure.map((f) => f.id)).toEqual([faceIds[1], faceIds[0]]);
      expect((await c.listFaces({ source: 'auto', minDistance: 0.3 })).map((f) => f.id)).toEqual([faceIds[1]]);
      await c.close();
    });
    it('finds the nearest faces of one model by cosine distance, nearest first', async () => {
      const c = await make();
      const { faceIds } = await c.savePhoto(photo('/k/1.jpg', [1, 2, 3, 4, 5].map((s) => face(s))));
      const other = await c.savePhoto(photo('/k/2.jpg', [{ ...face(2), model: 'other@1' }]));
      const q = face(2).embedding;
      const cos = (a: Float32Array, b: Float32Array) => 1 - a.reduce((s, x, i) => s + x * b[i]!, 0);
      const expected = faceIds.map((id, i) => ({ id, d: cos(q, face(i + 1).embedding) })).sort((a, b) => a.d - b.d);
      const near = await c.nearestFaces(q, 3, 'test-embedder@1');
      expect(near.map((n) => n.faceId)).toEqual(expected.slice(0, 3).map((e) => e.id));
      near.forEach((n, i) => expect(n.distance).toBeCloseTo(expected[i]!.d, 5));
      expect(near[0]!.faceId).toBe(faceIds[1]);
      expect((await c.nearestFaces(q, 10, 'test-embedder@1')).map((n) => n.faceId).sort()).toEqual([...faceIds].sort());
      expect((await c.nearestFaces(q, 5, 'other@1')).map((n) => n.faceId)).toEqual(other.faceIds);
      expect(await c.nearestFaces(q, 0, 'test-embedder@1')).toEqual([]);
      expect(await c.nearestFaces(Float32Array.from([1, 0, 0, 0]), 3, 'test-embedder@1')).toEqual([]);
      await c.dismissFace(faceIds[1]!);
      expect((await c.nearestFaces(q, 1, 'test-embedder@1'))[0]!.faceId).toBe(expected[1]!.id);
      await c.close();
    });

    it('answers graph questions: top pairs, the shortest photo chain, a person\'s timeline', async () => {
      const c = await make();
      const at = (path: string, takenAt: string | null) => ({ ...photo(path, [face(1), face(2)]), takenAt });
      const [a, b, cc, d, e, f] = [await c.createPerson('A'), await c.createPerson('B'), await c.createPerson('C'), await c.createPerson('D'), await c.createPerson('E'), await c.createPerson('F')];
      const photos: Record<string, { photoId: number; faceIds: number[] }> = {};
      const put = async (name: string, takenAt: string | null, p: number, q: number | null) => {
        photos[name] = await c.savePhoto(at(`/graph/${name}.jpg`, takenAt));
        const [f1, f2] = photos[name]!.faceIds;
        await c.assign([
          { faceId: f1!, personId: p, source: 'confirmed', distance: null },
          ...(q === null ? [] : [{ faceId: f2!, personId: q, source: 'auto' as const, distance: 0.2 }]),
        ]);
      };
      await put('g1', '2024-06-01T10:00:00', a, b);
      await put('g2', '2024-06-20T10:00:00', b, cc);
      await put('g3', '2024-07-02T10:00:00', cc, d);
      await put('g4', null, a, b);
      await put('g5', '2024-08-01T10:00:00', e, null);
      await put('g6', '2024-08-02T10:00:00', a, f);
      await put('g7', '2024-08-03T10:00:00', f, cc);
      const ref = (personId: number, name: string) => ({ personId, name });
      expect(await c.topPairs()).toEqual([
        { a: ref(a, 'A'), b: ref(b, 'B'), photos: 2 },
        { a: ref(a, 'A'), b: ref(f, 'F'), photos: 1 },
        { a: ref(b, 'B'), b: ref(cc, 'C'), photos: 1 },
        { a: ref(cc, 'C'), b: ref(d, 'D'), photos: 1 },
        { a: ref(cc, 'C'), b: ref(f, 'F'), photos: 1 },
      ]);
      expect(await c.topPairs(1)).toHaveLength(1);
      // Two chains of three photos: A-g1-B-g2-C-g3-D and A-g6-F-g7-C-g3-D; the lowest ids win (g1 before g4 too).
      const chain = (await c.photoChain(a, d))!;
      expect(chain.people.map((p) => p.name)).toEqual(['A', 'B', 'C', 'D']);
      expect(chain.photos.map((p) => p.path)).toEqual(['/graph/g1.jpg', '/graph/g2.jpg', '/graph/g3.jpg']);
      expect(chain.photos[0]).toEqual({ photoId: photos.g1!.photoId, path: '/graph/g1.jpg', takenAt: '2024-06-01T10:00:00' });
      expect((await c.photoChain(f, d))!.photos.map((p) => p.path)).toEqual(['/graph/g7.jpg', '/graph/g3.jpg']);
      expect(await c.photoChain(a, d, 2)).toBeNull();
      expect(await c.photoChain(a, e)).toBeNull();
      expect(await c.photoChain(a, a)).toEqual({ people: [ref(a, 'A')], photos: [] });
      await expect(c.photoChain(a, 987654)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const timeline = await c.personTimeline(b);
      expect(timeline.map((m) => [m.month, m.photos.map((p) => [p.path, p.with.map((w) => w.name)])])).toEqual([
        ['2024-06', [['/graph/g1.jpg', ['A']], ['/graph/g2.jpg', ['C']]]],
        [null, [['/graph/g4.jpg', ['A']]]],
      ]);
      expect((await c.personTimeline(e))[0]!.photos[0]!.with).toEqual([]);
      await expect(c.personTimeline(987654)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await c.close();
    });

    it('lists and restores what a dump carries: tombstones, merges, dismissed boxes', async () => {
      const c = await make();
      const { photoId, faceIds } = await c.savePhoto(photo('/dump/1.jpg', [face(1), face(2)]));
      const ann = await c.createPerson('Ann');
      const anna = await c.createPerson('Anna');
      await c.assign([{ faceId: faceIds[0]!, personId: anna, source: 'auto', distance: 0.3 }]);
      await c.reject(faceIds[1]!, anna);
      const merge = await c.mergePeople(ann, anna);
      await c.dismissFace(faceIds[1]!);
      expect((await c.listPeople()).map((p) => p.id)).toEqual([ann]);
      expect((await c.listPeople({ includeMerged: true })).map((p) => [p.id, p.mergedInto])).toEqual([[ann, null], [anna, ann]]);
      expect(await c.listMerges()).toEqual([{ ...merge, faces: [{ id: faceIds[0], source: 'auto', distance: 0.3 }], rejections: [faceIds[1]], cleared: [] }]);
      const [dismissal] = await c.listDismissals();
      expect(dismissal).toMatchObject({ photoId, box: face(2).box });

      const restored = await c.createPerson('Old', { createdAt: '2020-01-02T03:04:05.000Z', hidden: true, mergedInto: null });
      expect(await c.getPerson(restored)).toMatchObject({ name: 'Old', hidden: true, createdAt: '2020-01-02T03:04:05.000Z', mergedInto: null });
      const tomb = await c.createPerson(null, { createdAt: '2020-01-02T03:04:06.000Z', hidden: false, mergedInto: restored });
      expect((await c.getPerson(tomb))!.mergedInto).toBe(restored);
      await expect(c.createPerson(null, { createdAt: '2020-01-01T00:00:00.000Z', hidden: false, mergedInto: anna })).rejects.toThrow(/was merged into/);
      const id = await c.importMerge({ intoId: restored, fromId: tomb, faces: [], rejections: [], cleared: [], at: '2020-01-03T00:00:00.000Z', undoneAt: null });
      expect((await c.lastMerge(tomb))).toMatchObject({ id, intoId: restored, fromId: tomb, faceCount: 0, undoneAt: null });
      await c.importDismissal({ photoId, box: { x: 1, y: 2, w: 3, h: 4 }, at: '2020-01-04T00:00:00.000Z' });
      expect(await c.dismissedBoxes('/dump/1.jpg')).toEqual([face(2).box, { x: 1, y: 2, w: 3, h: 4 }]);
      await expect(c.importDismissal({ photoId: 424242, box: { x: 1, y: 2, w: 3, h: 4 }, at: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await c.close();
    });

    it('dismisses a false face and remembers its box for the photo', async () => {
      const c = await make();
      const { faceIds } = await c.savePhoto(photo('/d/squirrel.jpg', [face(1), face(2)]));
      const p = await c.createPerson();
      await c.assign([{ faceId: faceIds[0]!, personId: p, source: 'auto', distance: 0.1 }]);
      const gone = await c.dismissFace(faceIds[0]!);
      expect(gone.removedThumbKeys).toEqual(['faces/t/1.jpg']);
      expect(await c.getFace(faceIds[0]!)).toBeNull();
      expect(await c.getEmbedding(faceIds[0]!)).toBeNull();
      expect(await c.getPerson(p)).toBeNull(); // an unnamed person left with no face goes too
      expect(await c.dismissedBoxes('/d/squirrel.jpg')).toEqual([face(1).box]);
      expect(await c.dismissedBoxes('/d/other.jpg')).toEqual([]);
      await expect(c.dismissFace(faceIds[0]!)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await c.close();
    });

  });
}
