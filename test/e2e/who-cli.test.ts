import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { json, runFacetag } from '../helpers/cli.js';
import { labelled, NO_FACE, PEOPLE, STRANGER } from '../helpers/recognition.js';
import { requireShared, SHARED_FACES } from '../helpers/shared.js';

interface WhoPhoto {
  file: string;
  faces: Array<{ box: { w: number }; people: Array<{ name: string; similarity: number; match: boolean }> }>;
  stored: { photoId: number; faceIds: number[] } | null;
  error: { code: string } | null;
}

describe.skipIf(!requireShared(SHARED_FACES, 'facetag who on ../shared/faces'))('facetag who (the real CLI): who is in these photos', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-who-'));
  const data = join(root, 'data');
  const run = (args: string[]) => runFacetag([...args, '--data', data]);

  beforeAll(async () => {
    // The library: three photos of each person, indexed from a folder; the person clustering
    // made of them is named by hand.
    const photos = join(root, 'photos');
    mkdirSync(photos);
    const library = { [PEOPLE.tom.name]: ['tom_hanks/2.jpg', 'tom_hanks/4.jpg', 'tom_hanks/5.jpg'], [PEOPLE.laura.name]: ['laura_bush/1.jpg', 'laura_bush/2.jpg', 'laura_bush/4.jpg'] };
    for (const [name, files] of Object.entries(library)) files.forEach((f, i) => copyFileSync(labelled(f), join(photos, `${name.split(' ')[0]}-${i}.jpg`)));
    expect((await run(['index', photos])).code).toBe(0);
    const faces = json<Array<{ file: string; personId: number | null }>>(await run(['faces', 'list', '--json']));
    for (const name of Object.keys(library)) {
      const persons = faces.filter((f) => f.file.includes(`/${name.split(' ')[0]}-`)).map((f) => f.personId).filter((p): p is number => p !== null);
      expect(persons.length).toBeGreaterThanOrEqual(2);
      expect(new Set(persons).size).toBe(1);
      expect((await run(['people', 'name', String(persons[0]), name])).code).toBe(0);
    }
  }, 180_000);

  it('names the nearest people of each face with a similarity and whether it is a match (--json)', async () => {
    const r = await run(['who', labelled(PEOPLE.tom.third), labelled(PEOPLE.laura.third), labelled(STRANGER), NO_FACE, '--limit', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [tom, laura, stranger, nobody] = json<WhoPhoto[]>(r);
    for (const [answer, p] of [[tom!, PEOPLE.tom], [laura!, PEOPLE.laura]] as const) {
      expect(answer.faces).toHaveLength(1);
      expect(answer.faces[0]!.people.map((m) => [m.name, m.match])).toEqual([[p.name, true], [p === PEOPLE.tom ? PEOPLE.laura.name : PEOPLE.tom.name, false]]);
      expect(answer.faces[0]!.people[0]!.similarity).toBeGreaterThanOrEqual(0.6);
      expect(answer.stored).toBeNull();
    }
    expect(stranger!.faces[0]!.people.every((m) => !m.match)).toBe(true);
    expect(nobody!.faces).toEqual([]);
  });

  it('prints one line per face, and stores nothing without --add', async () => {
    const before = json<unknown[]>(await run(['photos', 'list', '--json'])).length;
    const r = await run(['who', labelled(PEOPLE.tom.third)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3\.jpg: 1 face\n  face 1 at \d+,\d+ \d+x\d+ \(score [01]\.\d\d\): Tom Hanks \(similarity 0\.\d\d, match\)\n$/);
    expect(json<unknown[]>(await run(['photos', 'list', '--json'])).length).toBe(before);
  });

  it('never names a hidden person', async () => {
    const people = json<Array<{ id: number; name: string }>>(await run(['people', 'list', '--json']));
    const laura = people.find((p) => p.name === PEOPLE.laura.name)!;
    expect((await run(['people', 'hide', String(laura.id)])).code).toBe(0);
    try {
      const [answer] = json<WhoPhoto[]>(await run(['who', labelled(PEOPLE.laura.third), '--limit', '5', '--json']));
      expect(answer!.faces[0]!.people.map((m) => m.name)).not.toContain(PEOPLE.laura.name);
    } finally {
      await run(['people', 'unhide', String(laura.id)]);
    }
  });

  it('--add indexes the photo like any other, once', async () => {
    const photosBefore = json<unknown[]>(await run(['photos', 'list', '--json'])).length;
    const [first] = json<WhoPhoto[]>(await run(['who', labelled(PEOPLE.tom.third), '--add', '--json']));
    expect(first!.stored!.faceIds).toHaveLength(1);
    const [again] = json<WhoPhoto[]>(await run(['who', labelled(PEOPLE.tom.third), '--add', '--json']));
    expect(again!.stored).toEqual(first!.stored);
    const photos = json<Array<{ id: number; path: string; faceCount: number }>>(await run(['photos', 'list', '--json']));
    expect(photos).toHaveLength(photosBefore + 1);
    expect(photos.find((p) => p.id === first!.stored!.photoId)).toMatchObject({ path: labelled(PEOPLE.tom.third), faceCount: 1 });
    // Indexed like any other: its face joined Tom by clustering.
    const face = json<Array<{ id: number; personId: number | null }>>(await run(['faces', 'list', '--json'])).find((f) => f.id === first!.stored!.faceIds[0]);
    const tom = json<Array<{ id: number; name: string }>>(await run(['people', 'list', '--json'])).find((p) => p.name === PEOPLE.tom.name)!;
    expect(face!.personId).toBe(tom.id);
  });

  it('answers every photo it can and says which it cannot read, with the exit code of the failure', async () => {
    const notes = join(root, 'notes.jpg');
    writeFileSync(notes, 'not a photo');
    const r = await run(['who', notes, labelled(PEOPLE.tom.third), join(root, 'missing.jpg')]);
    expect(r.code).toBe(65);
    expect(r.stdout).toMatch(/notes\.jpg: not read: .*\[PHOTO_UNSUPPORTED\]/);
    expect(r.stdout).toContain('Tom Hanks (similarity');
    expect(r.stdout).toMatch(/missing\.jpg: not read: .* is not a file; give the path of a photo \[PHOTO_UNREADABLE\]/);
    const usage = await run(['who']);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('who needs at least one PHOTO');
  });
});
