import { describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/catalog.js';
import { face, photo } from '../catalog/catalog-contract.js';
import { querySpecSchema, type QuerySpecInput } from './query-spec.js';
import { runQuerySpec } from './run-query.js';

/** A small family library: who is in which photo, and when. */
async function seed(c: Catalog) {
  const person = async (name: string) => c.createPerson(name);
  const anna = await person('Anna');
  const ben = await person('Ben');
  const grandma = await person('Grandma');
  const carlaD = await person('Carla Diaz');
  const carlaE = await person('Carla Evans');
  let n = 0;
  const shot = async (takenAt: string, people: number[]) => {
    const saved = await c.savePhoto({ ...photo(`/lib/${++n}.jpg`, people.map((_, i) => face(n * 10 + i, i * 100))), takenAt });
    await c.assign(people.map((personId, i) => ({ faceId: saved.faceIds[i]!, personId, source: 'confirmed' as const, distance: null })));
    return saved.photoId;
  };
  const p1 = await shot('2023-07-10T12:00:00', [anna, ben]);
  const p2 = await shot('2023-07-11T12:00:00', [anna, ben, grandma]);
  const p3 = await shot('2022-12-25T18:00:00', [anna, grandma]);
  const p4 = await shot('2023-08-31T23:00:00', [anna]);
  const p5 = await shot('2023-09-15T09:00:00', [ben, grandma, carlaD]);
  const lake = await c.createEvent({ title: 'Lake holiday', type: 'holiday', placeName: 'Bled', photoIds: [p1, p2] });
  return { anna, ben, grandma, carlaD, carlaE, p1, p2, p3, p4, p5, lake };
}

/**
 * The query-spec translation against a catalog adapter: every adapter (SQLite, Neo4j) runs
 * this suite through its own factory.
 */
export function queryContract(name: string, make: () => Promise<Catalog>) {
  describe(`query spec -> catalog: ${name}`, () => {
    const run = async (c: Catalog, spec: QuerySpecInput) => runQuerySpec({ catalog: c }, querySpecSchema.parse(spec));
    const ids = (a: Awaited<ReturnType<typeof run>>) => (a.result?.kind === 'photos' ? a.result.photos.map((p) => p.id) : null);

    it('runs people with all / any / only and a date range', async () => {
      const c = await make();
      const s = await seed(c);
      const all = await run(c, { kind: 'photos', people: ['anna', 'Ben'], takenFrom: '2023-06-01', takenTo: '2023-08-31' });
      expect(all.status).toBe('ok');
      expect(ids(all)).toEqual([s.p2, s.p1]);
      expect(all.interpretation).toBe(`Photos, showing Anna (#${s.anna}) and Ben (#${s.ben}), taken from 2023-06-01 to 2023-08-31`);
      expect(ids(await run(c, { kind: 'photos', people: ['Anna', 'Ben'], mode: 'only' }))).toEqual([s.p1]);
      expect(ids(await run(c, { kind: 'photos', people: ['Anna', 'Ben'], mode: 'any', takenFrom: '2023-01-01', takenTo: '2023-12-31' }))).toEqual([s.p5, s.p4, s.p2, s.p1]);
      // takenTo includes its whole day.
      expect(ids(await run(c, { kind: 'photos', people: ['Anna'], takenFrom: '2023-08-31', takenTo: '2023-08-31' }))).toEqual([s.p4]);
      expect((await run(c, { kind: 'count', people: ['Anna'] })).result).toEqual({ kind: 'count', count: 4 });
      await c.close();
    });

    it('answers who appears most often with a person', async () => {
      const c = await make();
      const s = await seed(c);
      const a = await run(c, { kind: 'companions', people: ['Grandma'], limit: 10 });
      expect(a.result).toMatchObject({ kind: 'companions', person: { id: s.grandma, name: 'Grandma' } });
      const companions = a.result?.kind === 'companions' ? a.result.companions : [];
      expect(companions.map((x) => [x.personId, x.photos])).toEqual([[s.anna, 2], [s.ben, 2], [s.carlaD, 1]]);
      await c.close();
    });

    it('narrows by event title and place name through events', async () => {
      const c = await make();
      const s = await seed(c);
      expect(ids(await run(c, { kind: 'photos', people: ['Grandma'], event: 'lake' }))).toEqual([s.p2]);
      expect(ids(await run(c, { kind: 'photos', place: 'BLED' }))).toEqual([s.p2, s.p1]);
      const none = await run(c, { kind: 'count', place: 'Paris' });
      expect(none.result).toEqual({ kind: 'count', count: 0 });
      expect(none.notes.join(' ')).toMatch(/no event matches the place "Paris"/);
      await c.close();
    });

    it('stops on names it cannot resolve, with "did you mean" candidates, and never guesses', async () => {
      const c = await make();
      const s = await seed(c);
      const typo = await run(c, { kind: 'photos', people: ['Anan', 'Ben'] });
      expect(typo.status).toBe('unresolved');
      expect(typo.result).toBeNull();
      expect(typo.names[0]).toEqual({ query: 'Anan', status: 'unknown', candidates: [{ id: s.anna, name: 'Anna' }] });
      expect(typo.interpretation).toContain('"Anan" (not resolved)');
      const two = await run(c, { kind: 'photos', people: ['carla'] });
      expect(two.names[0]).toMatchObject({ status: 'ambiguous', candidates: [{ id: s.carlaD }, { id: s.carlaE }] });
      expect((await run(c, { kind: 'photos', people: ['Carla Evans'] })).status).toBe('ok');
      expect(ids(await run(c, { kind: 'photos', people: [`#${s.carlaD}`] }))).toEqual([s.p5]);
      // Text that looks like a query is only ever a name to look up.
      const hostile = await run(c, { kind: 'photos', people: ["Anna'); DROP TABLE people;--"] });
      expect(hostile.status).toBe('unresolved');
      expect((await c.listPeople()).length).toBe(5);
      await c.close();
    });
  });
}
