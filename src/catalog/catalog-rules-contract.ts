import { describe, expect, it } from 'vitest';
import type { Catalog } from './catalog.js';
import { face, photo } from './catalog-contract.js';

const LONG_AGO = '2000-01-01T00:00:00.000Z';
/** A person as a dump restores it: created long ago, past any grace. */
const old = (hidden = false, mergedInto: number | null = null) => ({ createdAt: LONG_AGO, hidden, mergedInto });

/**
 * The catalog's rules on people that each adapter applies in its own storage (pruning emptied
 * people, prune-rules.ts; a merge back onto the person a face was split from, decision-rules.ts),
 * observed through the port: each adapter's test file runs it.
 */
export function catalogRulesContract(name: string, make: () => Promise<Catalog>) {
  describe(`Catalog rules contract: ${name}`, () => {
    it('prunes an emptied person at once, and an untouched empty one only past the grace (another writer may be about to use it)', async () => {
      const c = await make();
      const { faceIds } = await c.savePhoto(photo('/pr/1.jpg', [face(1), face(2)]));
      const fresh = await c.createPerson(); // another writer's createPerson, its assign still to come
      const passing = await c.createPerson();
      await c.assign([{ faceId: faceIds[1]!, personId: passing, source: 'auto', distance: 0.2 }]);
      await c.assign([{ faceId: faceIds[1]!, personId: null, source: null, distance: null }]);
      await c.savePhoto(photo('/pr/2.jpg', [face(3)]));
      expect(await c.getPerson(passing)).toBeNull(); // emptied by the assign, however new
      expect(await c.getPerson(fresh)).toMatchObject({ faceCount: 0 }); // untouched: every prune above spared it
      await c.assign([{ faceId: faceIds[0]!, personId: fresh, source: 'auto', distance: 0.2 }]);
      expect((await c.getPerson(fresh))?.faceCount).toBe(1);

      const stale = await c.createPerson(null, old());
      const named = await c.createPerson('Kept', old());
      const hidden = await c.createPerson(null, old(true));
      const rejected = await c.createPerson(null, old());
      await c.reject(faceIds[1]!, rejected);
      const survivor = await c.createPerson(null, old());
      const tombstone = await c.createPerson(null, old(false, survivor));
      await c.savePhoto(photo('/pr/3.jpg', [face(4)])); // any decision prunes the stale empty people
      expect(await c.getPerson(stale)).toBeNull();
      for (const kept of [named, hidden, rejected, survivor, tombstone, fresh]) expect(await c.getPerson(kept), `person ${kept}`).not.toBeNull();
      await c.close();
    });

    it('prunes the people a deleted photo or a dismissed face leaves empty', async () => {
      const c = await make();
      const a = await c.savePhoto(photo('/pd/1.jpg', [face(1)]));
      const b = await c.savePhoto(photo('/pd/2.jpg', [face(2)]));
      const [p, q] = [await c.createPerson(), await c.createPerson()];
      await c.assign([
        { faceId: a.faceIds[0]!, personId: p, source: 'auto', distance: 0.1 }, { faceId: b.faceIds[0]!, personId: q, source: 'auto', distance: 0.1 },
      ]);
      await c.deletePhoto(a.photoId);
      expect(await c.getPerson(p)).toBeNull();
      await c.dismissFace(b.faceIds[0]!);
      expect(await c.getPerson(q)).toBeNull();
      await c.close();
    });

    it('merging back a person split off leaves no rejection of its faces from the survivor; undoing the merge restores it', async () => {
      const c = await make();
      const ids: number[] = [];
      for (let i = 1; i <= 3; i++) ids.push((await c.savePhoto(photo(`/mb/${i}.jpg`, [face(i)]))).faceIds[0]!);
      const p = await c.createPerson('Pat');
      await c.assign(ids.map((faceId) => ({ faceId, personId: p, source: 'auto' as const, distance: 0.2 })));
      const split = await c.splitPerson(p, [ids[2]!]);
      expect(await c.rejectedPeople(ids[2]!)).toEqual([p]);

      const merge = await c.mergePeople(p, split);
      expect(await c.getFace(ids[2]!)).toMatchObject({ personId: p, source: 'confirmed' });
      expect(await c.rejectedPeople(ids[2]!)).toEqual([]);
      expect(await c.allRejections()).toEqual([]);
      expect((await c.listMerges()).find((m) => m.id === merge.id)).toMatchObject({ rejections: [], cleared: [ids[2]] });

      await c.unmerge(merge.id);
      expect(await c.getFace(ids[2]!)).toMatchObject({ personId: split, source: 'confirmed' });
      expect(await c.rejectedPeople(ids[2]!)).toEqual([p]);
      expect(await c.allRejections()).toEqual([{ faceId: ids[2], personId: p }]);
      await c.close();
    });

    it('undoes a merge whose cleared face was deleted since, and one recorded before merges kept what they cleared', async () => {
      const c = await make();
      const a = await c.savePhoto(photo('/mu/1.jpg', [face(1)]));
      const b = await c.savePhoto(photo('/mu/2.jpg', [face(2)]));
      const p = await c.createPerson('Pat');
      await c.assign([a, b].map((s) => ({ faceId: s.faceIds[0]!, personId: p, source: 'auto' as const, distance: 0.2 })));
      const split = await c.splitPerson(p, [b.faceIds[0]!]);
      const merge = await c.mergePeople(p, split);
      await c.deletePhoto(b.photoId);
      expect((await c.unmerge(merge.id)).undoneAt).not.toBeNull();
      expect(await c.allRejections()).toEqual([]);

      const into = await c.createPerson('Into', old());
      const from = await c.createPerson('From', old(false, into));
      const imported = await c.importMerge({ intoId: into, fromId: from, faces: [], rejections: [], cleared: [], at: LONG_AGO, undoneAt: null });
      expect((await c.listMerges()).find((m) => m.id === imported)).toMatchObject({ cleared: [] });
      await c.unmerge(imported);
      expect(await c.getPerson(from)).toMatchObject({ mergedInto: null });
      await c.close();
    });
  });
}
