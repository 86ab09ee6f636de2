import { describe, expect, it } from 'vitest';
import type { Catalog } from './catalog.js';
import { photo } from './catalog-contract.js';

/** Events (PART_OF) and suggestions waiting for a person: what annotate/ stores through the port. */
export function annotationContract(name: string, make: () => Promise<Catalog>) {
  describe(`Catalog contract (events, suggestions): ${name}`, () => {
    it('creates, reads, updates and deletes events with their photos and time span', async () => {
      const c = await make();
      const a = await c.savePhoto({ ...photo('/ev/a.jpg', []), takenAt: '2023-07-01T10:00:00' });
      const b = await c.savePhoto({ ...photo('/ev/b.jpg', []), takenAt: '2023-07-02T18:30:00' });
      const d = await c.savePhoto({ ...photo('/ev/d.jpg', []), takenAt: '2021-01-01T00:00:00' });
      const id = await c.createEvent({ title: ' Summer at the lake ', type: 'holiday', placeName: 'Lake Bled', photoIds: [b.photoId, a.photoId] });
      expect(await c.getEvent(id)).toMatchObject({
        id, title: 'Summer at the lake', type: 'holiday', placeName: 'Lake Bled', photoIds: [a.photoId, b.photoId],
        startAt: '2023-07-01T10:00:00', endAt: '2023-07-02T18:30:00',
      });
      const old = await c.createEvent({ title: 'New year', photoIds: [d.photoId] });
      expect((await c.listEvents()).map((e) => e.id)).toEqual([id, old]);
      await c.updateEvent(id, { title: 'Lake week', placeName: null, photoIds: [a.photoId] });
      expect(await c.getEvent(id)).toMatchObject({ title: 'Lake week', type: 'holiday', placeName: null, photoIds: [a.photoId], endAt: '2023-07-01T10:00:00' });
      await expect(c.createEvent({ title: 'x', photoIds: [99999] })).rejects.toThrow(/photo 99999 does not exist/);
      await expect(c.updateEvent(424242, { title: 'x' })).rejects.toThrow(/event 424242 does not exist/);
      await expect(c.createEvent({ title: '  ', photoIds: [] })).rejects.toThrow(/title cannot be empty/);
      // A deleted photo leaves the event; a deleted event leaves its photos.
      await c.deletePhoto(d.photoId);
      expect((await c.getEvent(old))!.photoIds).toEqual([]);
      await c.deleteEvent(id);
      expect(await c.getEvent(id)).toBeNull();
      expect(await c.getPhoto(a.photoId)).not.toBeNull();
      await c.close();
    });

    it('stores suggestions, filters them and records one decision each', async () => {
      const c = await make();
      const s1 = await c.addSuggestion({ kind: 'name', subject: 'person:7', payload: { personId: 7, name: 'Ada' }, evidence: ['folder "Ada 2019"'], model: 'm@1' });
      const s2 = await c.addSuggestion({ kind: 'event', subject: 'photos:1,2', payload: { title: 'Trip', photoIds: [1, 2] }, evidence: [], model: null });
      expect(await c.getSuggestion(s1)).toMatchObject({
        id: s1, kind: 'name', subject: 'person:7', payload: { personId: 7, name: 'Ada' }, evidence: ['folder "Ada 2019"'],
        model: 'm@1', status: 'pending', resolution: null, resolvedAt: null,
      });
      expect((await c.listSuggestions()).map((s) => s.id)).toEqual([s2, s1]);
      expect((await c.listSuggestions({ kind: 'event' })).map((s) => s.id)).toEqual([s2]);
      expect((await c.listSuggestions({ subject: 'person:7', status: 'pending' })).map((s) => s.id)).toEqual([s1]);
      const done = await c.resolveSuggestion(s1, 'edited', { personId: 7, name: 'Ada Lovelace' });
      expect(done).toMatchObject({ status: 'edited', resolution: { personId: 7, name: 'Ada Lovelace' } });
      expect(done.resolvedAt).not.toBeNull();
      expect(await c.listSuggestions({ status: 'pending' })).toHaveLength(1);
      await expect(c.resolveSuggestion(s1, 'rejected')).rejects.toThrow(/already edited/);
      await expect(c.resolveSuggestion(99999, 'accepted')).rejects.toThrow(/suggestion 99999 does not exist/);
      expect((await c.resolveSuggestion(s2, 'rejected')).resolution).toBeNull();
      await c.close();
    });
  });
}
