import { describe, expect, it } from 'vitest';
import type { Catalog } from './catalog.js';
import { face, photo, vec } from './catalog-contract.js';

/**
 * What the index run's writer needs of every Catalog adapter: a photo saved over an earlier
 * version of itself (face continuity, kept decisions), faces of another embedder embedded again
 * in place, and `writeBatch`. Each adapter's test file runs it beside `catalogContract`.
 */
export function catalogWriteContract(name: string, make: () => Promise<Catalog>) {
  describe(`Catalog contract (the index writer): ${name}`, () => {
    it('replaces a changed photo without duplicates and keeps human decisions on the same face', async () => {
      const c = await make();
      const first = await c.savePhoto(photo('/p/b.jpg', [face(1), face(2)], 'v1'));
      const person = await c.createPerson('Ann');
      const other = await c.createPerson('Bob');
      await c.assign([{ faceId: first.faceIds[0]!, personId: person, source: 'confirmed', distance: null }]);
      await c.reject(first.faceIds[1]!, other);
      const second = await c.savePhoto(photo('/p/b.jpg', [face(1), face(2), face(3)], 'v2'));
      expect(second.photoId).toBe(first.photoId);
      expect((await c.counts()).faces).toBe(3);
      const faces = await c.listFaces({ photoId: second.photoId });
      expect(faces[0]).toMatchObject({ personId: person, source: 'confirmed' });
      expect(await c.rejectedPeople(faces[1]!.id)).toEqual([other]);
      expect(second.removedThumbKeys).toEqual([]);
      await c.close();
    });

    it('analysed again by new models (same pixels), keeps each face that is found again: its id, person, rejections and merges', async () => {
      const c = await make();
      const old = (seed: number) => ({ ...face(seed), model: 'old-embedder@1', embedding: vec(seed + 50) });
      const first = await c.savePhoto({ ...photo('/m/a.jpg', [old(1), old(2), old(3), old(4)], 'same'), model: 'det@1+old-embedder@1' });
      const [f1, f2, f3, f4] = first.faceIds as [number, number, number, number];
      const ann = await c.createPerson('Ann');
      const bob = await c.createPerson('Bob');
      await c.assign([
        { faceId: f1, personId: ann, source: 'confirmed', distance: null },
        { faceId: f2, personId: ann, source: 'auto', distance: 0.1 },
        { faceId: f3, personId: bob, source: 'confirmed', distance: null },
      ]);
      await c.reject(f4, ann);
      // The new models find faces 1, 2 and 4 (slightly moved) and a new one; they miss face 3.
      const moved = (seed: number) => ({ ...face(seed), box: { ...face(seed).box, x: face(seed).box.x + 4 } });
      const second = await c.savePhoto(photo('/m/a.jpg', [moved(2), moved(1), moved(4), face(7)], 'same'));
      expect(second.faceIds.slice(0, 3)).toEqual([f2, f1, f4]);
      expect(second.faceIds[3]).not.toBeOneOf([f1, f2, f3, f4]);
      expect(await c.getFace(f1)).toMatchObject({ personId: ann, source: 'confirmed', model: 'test-embedder@1', box: moved(1).box });
      expect(await c.getFace(f2)).toMatchObject({ personId: ann, source: 'auto' });
      expect(Array.from((await c.getEmbedding(f2))!)).toEqual(Array.from(vec(2)));
      expect(await c.rejectedPeople(f4)).toEqual([ann]);
      // The confirmed face the new detector missed stays, with its old embedding, until embedded again.
      expect(await c.getFace(f3)).toMatchObject({ personId: bob, source: 'confirmed', model: 'old-embedder@1' });
      expect((await c.facesOfOtherModels('test-embedder@1', 10)).map((f) => f.id)).toEqual([f3]);
      // New pixels: a machine's assignment is not carried, a person's is; a missed face goes.
      const third = await c.savePhoto(photo('/m/a.jpg', [moved(2), moved(1)], 'edited'));
      expect(third.faceIds).toEqual([f2, f1]);
      expect(await c.getFace(f2)).toMatchObject({ personId: null, source: null });
      expect(await c.getFace(f1)).toMatchObject({ personId: ann, source: 'confirmed' });
      expect(await c.getFace(f3)).toBeNull();
      await c.close();
    });

    it('finds the faces another embedder made, and embeds them again in place', async () => {
      const c = await make();
      const first = await c.savePhoto(photo('/e/1.jpg', [face(1), face(2)]));
      const manual = await c.addManualFace(first.photoId, { ...face(3, 600), model: 'old-embedder@1', thumbKey: 'faces/t/old.jpg' });
      const p = await c.createPerson('Kept');
      await c.moveFace(manual, p);
      const stale = await c.facesOfOtherModels(face(1).model, 10);
      expect(stale.map((f) => [f.id, f.path, f.model])).toEqual([[manual, '/e/1.jpg', 'old-embedder@1']]);
      // Only on photos analysed by the given models, when asked.
      const photoModel = (await c.getPhoto(first.photoId))!.model!;
      expect((await c.facesOfOtherModels(face(1).model, 10, photoModel)).map((f) => f.id)).toEqual([manual]);
      expect(await c.facesOfOtherModels(face(1).model, 10, 'some-other-set@1')).toEqual([]);
      await c.setFaceEmbeddings([{ faceId: manual, embedding: vec(9), model: face(1).model, landmarks: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], quality: 0.42 }]);
      expect(await c.facesOfOtherModels(face(1).model, 10)).toEqual([]);
      expect(await c.getFace(manual)).toMatchObject({ model: face(1).model, quality: 0.42, personId: p, source: 'manual', manual: true, landmarks: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]] });
      expect(Array.from((await c.getEmbedding(manual))!)).toEqual(Array.from(vec(9)));
      expect((await c.allFaceVectors(face(1).model)).map((f) => f.id).sort()).toEqual([...first.faceIds, manual].sort());
      await c.close();
    });

    it('writeBatch is one transaction: a batch that throws leaves nothing, one that returns leaves everything', async () => {
      const c = await make();
      await expect(c.writeBatch(async (tx) => {
        await tx.savePhotos([photo('/w/half.jpg', [face(1)])]);
        await tx.createPeople(['Half']);
        throw new Error('the writer failed mid-batch');
      })).rejects.toThrow('the writer failed mid-batch');
      expect(await c.getPhotoByPath('/w/half.jpg')).toBeNull();
      expect(await c.findPersonByName('Half')).toBeNull();
      expect(await c.counts()).toMatchObject({ photos: 0, faces: 0, people: 0 });
      await c.close();
    });

    it('writeBatch answers and writes what the single writer needs, many photos and faces per call', async () => {
      const c = await make();
      const old = await c.savePhoto(photo('/w/old.jpg', [face(1), face(2)], 'v1'));
      const ann = await c.createPerson('Ann');
      const other = await c.createPerson(null);
      await c.assign([{ faceId: old.faceIds[0]!, personId: ann, source: 'confirmed', distance: null }, { faceId: old.faceIds[1]!, personId: other, source: 'auto', distance: 0.3 }]);
      await c.reject(old.faceIds[1]!, ann);
      await c.dismissFace((await c.savePhoto(photo('/w/dis.jpg', [face(5), face(6)]))).faceIds[1]!);
      const drawn = await c.addManualFace((await c.getPhotoByPath('/w/dis.jpg'))!.id, { ...face(7), manual: true });

      const got = await c.writeBatch(async (tx) => {
        const existing = await tx.existingPhotos(['/w/old.jpg', '/w/dis.jpg', '/w/none.jpg']);
        const saved = await tx.savePhotos([photo('/w/a.jpg', [face(3), face(4)]), photo('/w/old.jpg', [face(1), face(8, 900)], 'v2')]);
        const [bob, nameless] = await tx.createPeople(['Bob', null]);
        // A face given twice ends on the last; the person it leaves is pruned.
        await tx.assign([
          { faceId: saved[0]!.faceIds[0]!, personId: bob!, source: 'auto', distance: 0.2 },
          { faceId: saved[0]!.faceIds[1]!, personId: nameless!, source: 'auto', distance: 0.2 },
          { faceId: saved[0]!.faceIds[1]!, personId: bob!, source: 'auto', distance: 0.25 },
        ]);
        await tx.prune([nameless!, ...saved[1]!.touched]);
        return {
          existing, saved, bob: bob!, nameless: nameless!,
          states: await tx.faceStates([...saved[0]!.faceIds, old.faceIds[0]!, 999_999]),
          vectors: await tx.faceVectors([saved[0]!.faceIds[0]!]),
          photoFaces: await tx.facesOfPhotos([saved[0]!.photoId]),
          rejected: await tx.rejectedPeople([...saved[1]!.faceIds, saved[0]!.faceIds[0]!]),
          byName: await tx.peopleByName(['Ann', 'Bob', 'Nobody']),
        };
      });

      expect([...got.existing.keys()].sort()).toEqual(['/w/dis.jpg', '/w/old.jpg']);
      expect(got.existing.get('/w/old.jpg')!.record).toMatchObject({ sha256: 'v1', status: 'done', faceCount: 2 });
      expect(got.existing.get('/w/dis.jpg')!.dismissed).toEqual([face(6).box]);
      expect(got.existing.get('/w/dis.jpg')!.manual).toEqual([{ id: drawn, box: face(7).box }]);
      // The re-saved photo (new pixels): its old faces reported as they were; the face found in the
      // same place takes over the confirmed one (same id); the other, a machine's, goes.
      const [fresh, again] = got.saved;
      expect(again!.faceIds[0]).toBe(old.faceIds[0]);
      expect(again!.removed.map((f) => [f.id, f.personId, f.source])).toEqual([[old.faceIds[0], ann, 'confirmed'], [old.faceIds[1], other, 'auto']]);
      expect(again!.faces).toEqual([{ personId: ann, source: 'confirmed', rejected: [] }, { personId: null, source: null, rejected: [] }]);
      expect(again!.touched).toEqual([other]);
      expect(again!.kept).toEqual([]);
      expect(fresh!.faces).toEqual([{ personId: null, source: null, rejected: [] }, { personId: null, source: null, rejected: [] }]);
      expect(got.states.map((f) => [f.id, f.personId, f.source]).sort()).toEqual([
        [fresh!.faceIds[0], got.bob, 'auto'], [fresh!.faceIds[1], got.bob, 'auto'], [old.faceIds[0], ann, 'confirmed'],
      ].sort());
      expect(got.vectors.map((v) => Array.from(v.embedding))).toEqual([Array.from(face(3).embedding)]);
      expect(got.photoFaces.map((f) => f.id)).toEqual(fresh!.faceIds);
      expect([...got.rejected.entries()]).toEqual([]);
      expect([...got.byName.entries()]).toEqual([['Ann', ann], ['Bob', got.bob]]);

      expect(await c.getPerson(got.nameless)).toBeNull();
      expect(await c.getPerson(other)).toBeNull(); // left with no face by the re-save, and pruned
      expect((await c.getPerson(got.bob))?.faceCount).toBe(2);
      expect(await c.getPhotoByPath('/w/old.jpg')).toMatchObject({ sha256: 'v2', faceCount: 2 });
      const reFaces = await c.listFaces({ photoId: again!.photoId });
      expect(reFaces.map((f) => [f.personId, f.source])).toEqual([[ann, 'confirmed'], [null, null]]);
      await c.close();
    });

    it('writeBatch records failures as recordFailure does, many at once', async () => {
      const c = await make();
      const { faceIds } = await c.savePhoto(photo('/w/was-good.jpg', [face(1)]));
      const p = await c.createPerson(null);
      await c.assign([{ faceId: faceIds[0]!, personId: p, source: 'auto', distance: 0.1 }]);
      const touched = await c.writeBatch(async (tx) => {
        const t = await tx.recordFailures([
          { path: '/w/was-good.jpg', sha256: 'x', size: 1, mtimeMs: 1, code: 'PHOTO_CORRUPT', message: 'broken now' },
          { path: '/w/never.jpg', sha256: null, size: 0, mtimeMs: 1, code: 'PHOTO_EMPTY', message: 'empty' },
        ]);
        await tx.prune(t.touched);
        return t.touched;
      });
      expect(touched).toEqual([p]);
      expect((await c.listFailures()).map((f) => [f.path, f.errorCode, f.faceCount])).toEqual([['/w/never.jpg', 'PHOTO_EMPTY', 0], ['/w/was-good.jpg', 'PHOTO_CORRUPT', 0]]);
      expect(await c.getPerson(p)).toBeNull();
      await c.close();
    });
  });
}
