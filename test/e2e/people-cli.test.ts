import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { json, runFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';

// The cameraman photo's face is small and soft: let it seed a person in this small library.
const env = { FACETAG_CLUSTER_MIN_SEED_QUALITY: '0' };

describe('people operations through the real CLI, remembered across re-index and re-cluster', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-people-'));
  const photos = join(root, 'photos');
  const data = join(root, 'data');
  const ft = async (...args: string[]) => {
    const r = await runFacetag([...args, '--data', data, '--json'], { env });
    if (r.code !== 0) throw new Error(`facetag ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return json(r);
  };
  let astronaut: number;
  let cameraman: number;

  beforeAll(async () => {
    mkdirSync(photos);
    for (let i = 0; i < 4; i++) {
      await sharp(fixture('astronaut.jpg')).resize(420 + 20 * i).flop(i % 2 === 1).jpeg().toFile(join(photos, `a${i}.jpg`));
      await sharp(fixture('cameraman.png')).resize(480 + 20 * i).flop(i % 2 === 1).jpeg().toFile(join(photos, `c${i}.jpg`));
    }
    const summary = await ft('index', photos);
    expect(summary.faces).toBe(8);
    expect(summary.people).toBe(2);
    const people = await ft('people', 'list');
    const faces = await ft('faces', 'list');
    const personOf = (prefix: string) => new Set(faces.filter((f: any) => f.file.includes(`/${prefix}`)).map((f: any) => f.personId));
    expect(personOf('a').size).toBe(1);
    expect(personOf('c').size).toBe(1);
    astronaut = [...personOf('a')][0] as number;
    cameraman = [...personOf('c')][0] as number;
    expect(people.map((p: any) => p.id).sort()).toEqual([astronaut, cameraman].sort());
  });

  it('names a person', async () => {
    await ft('people', 'name', String(astronaut), 'Eileen', 'Collins');
    expect((await ft('people', 'show', String(astronaut))).name).toBe('Eileen Collins');
  });

  it('merges two people and undoes it', async () => {
    const merge = await ft('people', 'merge', String(astronaut), String(cameraman));
    expect(merge.faceCount).toBe(4);
    expect((await ft('people', 'list')).map((p: any) => p.id)).toEqual([astronaut]);
    await ft('people', 'unmerge', String(cameraman));
    const people = await ft('people', 'list');
    expect(people.map((p: any) => [p.id, p.faceCount]).sort()).toEqual([[astronaut, 4], [cameraman, 4]].sort());
  });

  it('a rejected face stays rejected after a re-index and a re-cluster', async () => {
    const faces = await ft('faces', 'list', '--person', String(astronaut));
    const victim = faces[0].id;
    await ft('people', 'reject-face', String(astronaut), String(victim));
    expect((await ft('faces', 'list', '--person', String(astronaut))).map((f: any) => f.id)).not.toContain(victim);
    // Change the victim's photo on disk (re-encoded: new bytes, the face in the same place) so
    // that it is analysed again; the rejection must carry over to the new face.
    const reencoded = await sharp(faces[0].file).jpeg({ quality: 70 }).toBuffer();
    writeFileSync(faces[0].file, reencoded);
    const again = await ft('index', photos);
    expect(again.photos.processed).toBe(1);
    const afterIndex = await ft('faces', 'list', '--person', String(astronaut));
    expect(afterIndex).toHaveLength(3);
    const report = await ft('people', 'recluster');
    expect(report.faces).toBe(8);
    expect((await ft('faces', 'list', '--person', String(astronaut)))).toHaveLength(3);
    // The suggestion list for the person never offers the rejected face either.
    const newVictim = (await ft('faces', 'list')).find((f: any) => f.file === faces[0].file).id;
    const suggested = await ft('people', 'suggest', '--person', String(astronaut));
    expect(suggested.map((s: any) => s.faceId)).not.toContain(newVictim);
  });

  it('confirms, splits, and moves faces; confirmed faces survive a re-cluster', async () => {
    const faces = await ft('faces', 'list', '--person', String(astronaut));
    expect((await ft('people', 'confirm', String(astronaut))).confirmed).toBe(3);
    const split = await ft('people', 'split', String(astronaut), String(faces[0].id));
    await ft('people', 'move-face', String(faces[1].id), String(split.id));
    await ft('people', 'recluster');
    const after = await ft('faces', 'list');
    const byId = new Map(after.map((f: any) => [f.id, f]));
    expect(byId.get(faces[0].id)).toMatchObject({ personId: split.id, source: 'confirmed' });
    expect(byId.get(faces[1].id)).toMatchObject({ personId: split.id, source: 'manual' });
    expect(byId.get(faces[2].id)).toMatchObject({ personId: astronaut, source: 'confirmed' });
  });

  it('a face split off and merged back is no longer rejected from its person; undoing the merge rejects it again', async () => {
    // The rejections as the catalog holds them, read from its dump (ids are the catalog's own).
    const rejections = async () => {
      const r = await runFacetag(['graph', 'export', '-', '--data', data], { env });
      if (r.code !== 0) throw new Error(`facetag graph export exited ${r.code}: ${r.stderr}`);
      return r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'rejection').map((l) => [l.faceId, l.personId]);
    };
    const [face] = await ft('faces', 'list', '--person', String(astronaut));
    const split = await ft('people', 'split', String(astronaut), String(face.id));
    expect(await rejections()).toContainEqual([face.id, astronaut]);
    const merge = await ft('people', 'merge', String(astronaut), String(split.id));
    expect((await ft('faces', 'list', '--person', String(astronaut))).map((f: any) => f.id)).toContain(face.id);
    expect(await rejections()).not.toContainEqual([face.id, astronaut]);
    await ft('people', 'unmerge', '--merge', String(merge.id));
    expect((await ft('faces', 'list', '--person', String(split.id))).map((f: any) => [f.id, f.source])).toEqual([[face.id, 'confirmed']]);
    expect(await rejections()).toContainEqual([face.id, astronaut]);
    await ft('people', 'merge', String(astronaut), String(split.id)); // as it was, for the tests below
    expect(await rejections()).not.toContainEqual([face.id, astronaut]);
  });

  it('hides, and deletes a person with their faces and thumbnails', async () => {
    await ft('people', 'hide', String(cameraman));
    expect((await ft('people', 'list')).map((p: any) => p.id)).not.toContain(cameraman);
    expect((await ft('people', 'list', '--all')).map((p: any) => p.id)).toContain(cameraman);
    const faces = await ft('faces', 'list', '--person', String(cameraman));
    const thumbs = faces.map((f: any) => join(data, 'blobs', ...String(f.thumbKey).split('/')));
    expect(thumbs).toHaveLength(4);
    for (const t of thumbs) expect(existsSync(t)).toBe(true);
    const deleted = await ft('people', 'delete', String(cameraman));
    expect(deleted.deletedFaces).toBe(4);
    expect(await ft('faces', 'list', '--person', String(cameraman))).toEqual([]);
    for (const t of thumbs) expect(existsSync(t)).toBe(false);
    expect((await ft('faces', 'list')).length).toBe(4);
  });

  it('bad ids are clear errors', async () => {
    const r = await runFacetag(['people', 'merge', '1', 'x', '--data', data]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/"x" is not a person id/);
    const missing = await runFacetag(['people', 'show', '999', '--data', data]);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toMatch(/person 999 does not exist/);
  });
  it('a dismissed false face is deleted with its thumbnail and never detected there again', async () => {
    const before = await ft('faces', 'list');
    const victim = before.find((f: any) => f.personId === astronaut);
    const thumb = join(data, 'blobs', ...String(victim.thumbKey).split('/'));
    expect(existsSync(thumb)).toBe(true);
    await ft('faces', 'dismiss', String(victim.id));
    expect(existsSync(thumb)).toBe(false);
    const reencoded = await sharp(victim.file).jpeg({ quality: 75 }).toBuffer();
    writeFileSync(victim.file, reencoded);
    const again = await ft('index', photos);
    expect(again.photos.processed).toBe(1);
    const after = await ft('faces', 'list');
    expect(after).toHaveLength(before.length - 1);
    expect(after.some((f: any) => f.file === victim.file)).toBe(false);
  });
});
