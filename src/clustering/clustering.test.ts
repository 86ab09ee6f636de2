import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FaceVector, NewFace } from '../catalog/catalog.js';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';
import { assignFaces, type ClusterParams } from './incremental-assign.js';
import { clusterAll } from './global-cluster.js';
import { recluster } from './recluster.js';
import { suggestFacesForPerson, suggestPeopleForFace, loadIndex } from './suggestions.js';
import { createExactIndex } from './vector-index.js';
import { syntheticFaces } from '../../bench/synthetic-faces.js';
import { buildVectorIndex } from './create-vector-index.js';
import { FACE_PAGE, packFaces, type FaceSource } from './face-table.js';
import { bcubed } from '../eval/metrics.js';
import { seededRandom } from './seeded-random.js';

const DIMS = 16;
const params: ClusterParams = { maxDistance: 0.4, minFaces: 2, k: 8, minSeedQuality: 0.3 };

/** A unit vector near identity `id`'s direction (deterministic jitter). */
function vec(id: number, jitter: number, spread = 0.05): Float32Array {
  const v = new Float32Array(DIMS);
  v[id % DIMS] = 1;
  for (let i = 0; i < DIMS; i++) v[i] = v[i]! + spread * Math.sin(jitter * 12.9898 + i * 78.233);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const face = (embedding: Float32Array, quality = 0.8, x = 0): NewFace => ({
  box: { x, y: 0, w: 50, h: 50 }, landmarks: [[0, 0], [1, 0], [0.5, 0.5], [0, 1], [1, 1]], detScore: 0.9, quality, embedding,
  model: 'm@1', thumbKey: null,
});

async function library() {
  const catalog = openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-cl-')), 'c.sqlite'));
  const index = createExactIndex(DIMS);
  let n = 0;
  async function add(faces: NewFace[], cluster = true) {
    const { photoId, faceIds } = await catalog.savePhoto({
      path: `/lib/${n++}.jpg`, sha256: `s${n}`, size: 1, mtimeMs: 1, width: 100, height: 100, takenAt: null, gps: null, model: 'x', faces,
    });
    faces.forEach((f, i) => index.add(faceIds[i]!, f.embedding));
    if (cluster) await assignFaces({ catalog, index }, faceIds, params);
    return { photoId, faceIds };
  }
  return { catalog, index, add };
}

describe('incremental assignment', () => {
  it('forms a person from enough close faces and attaches later ones', async () => {
    const { catalog, add } = await library();
    const a = await add([face(vec(1, 1))]);
    expect((await catalog.getFace(a.faceIds[0]!))!.personId).toBeNull(); // one face is not a person yet
    const b = await add([face(vec(1, 2))]);
    const person = (await catalog.getFace(b.faceIds[0]!))!.personId;
    expect(person).not.toBeNull();
    expect((await catalog.getFace(a.faceIds[0]!))!.personId).toBe(person);
    const c = await add([face(vec(1, 3))]);
    expect((await catalog.getFace(c.faceIds[0]!))).toMatchObject({ personId: person, source: 'auto' });
    const stranger = await add([face(vec(5, 4))]);
    expect((await catalog.getFace(stranger.faceIds[0]!))!.personId).toBeNull();
  });

  it('never puts two faces of one photo in one person', async () => {
    const { catalog, add } = await library();
    const twins = await add([face(vec(2, 1), 0.8, 0), face(vec(2, 2), 0.8, 100)]);
    const third = await add([face(vec(2, 3))]);
    const persons = await Promise.all([...twins.faceIds, ...third.faceIds].map(async (id) => (await catalog.getFace(id))!.personId));
    expect(persons[0] === null || persons[0] !== persons[1]).toBe(true);
  });

  it('never returns a rejected face to that person', async () => {
    const { catalog, index, add } = await library();
    const a = await add([face(vec(3, 1))]);
    await add([face(vec(3, 2))]);
    const person = (await catalog.getFace(a.faceIds[0]!))!.personId!;
    const c = await add([face(vec(3, 3))], false);
    await catalog.reject(c.faceIds[0]!, person);
    await assignFaces({ catalog, index }, c.faceIds, params);
    expect((await catalog.getFace(c.faceIds[0]!))!.personId).not.toBe(person);
  });

  it('lets no low-quality face seed a person', async () => {
    const { catalog, add } = await library();
    await add([face(vec(4, 1), 0.1)]);
    const b = await add([face(vec(4, 2), 0.1)]);
    expect((await catalog.getFace(b.faceIds[0]!))!.personId).toBeNull();
    const c = await add([face(vec(4, 3), 0.9)]);
    expect((await catalog.getFace(c.faceIds[0]!))!.personId).not.toBeNull();
  });
});

describe('global re-cluster', () => {
  it('groups identities, respects cannot-link and rejections, keeps confirmed faces where a person put them', async () => {
    const { catalog, index, add } = await library();
    const ids: Record<string, number[]> = { a: [], b: [] };
    for (let i = 0; i < 4; i++) ids.a!.push(...(await add([face(vec(1, i))], false)).faceIds);
    for (let i = 0; i < 4; i++) ids.b!.push(...(await add([face(vec(7, 10 + i))], false)).faceIds);
    const group = await add([face(vec(1, 20), 0.8, 0), face(vec(1, 21), 0.8, 100)], false);
    // A human decided: face b[0] is Anna even though it looks like group b, and a[3] is not person a.
    const anna = await catalog.createPerson('Anna');
    await catalog.assign([{ faceId: ids.b![0]!, personId: anna, source: 'confirmed', distance: null }]);
    const report = await recluster({ catalog }, 'm@1', params);
    expect(report.keptHumanDecisions).toBe(1);
    const personOf = async (id: number) => (await catalog.getFace(id))!.personId;
    const a = await personOf(ids.a![0]!);
    expect(a).not.toBeNull();
    for (const id of ids.a!) expect(await personOf(id)).toBe(a);
    expect(await personOf(ids.b![0]!)).toBe(anna);
    // The rest of b joins Anna through her confirmed face: one person, not two.
    for (const id of ids.b!.slice(1)) expect(await personOf(id)).toBe(anna);
    const [g1, g2] = await Promise.all(group.faceIds.map(personOf));
    expect(g1 === null || g1 !== g2).toBe(true);

    // Reject one of a's faces: a second re-cluster must not put it back.
    await catalog.reject(ids.a![3]!, a!);
    await recluster({ catalog }, 'm@1', params);
    expect(await personOf(ids.a![3]!)).not.toBe(a);
    expect(await personOf(ids.a![0]!)).toBe(a); // the person keeps its id across re-clusters
    expect(index.size).toBe(10);
  });

  it('reads the faces a page at a time, with the same result as reading them all at once', async () => {
    const lib = syntheticFaces(300, { seed: 5, dimensions: DIMS });
    const build = async () => {
      const catalog = openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-pages-')), 'c.sqlite'));
      for (let i = 0; i < lib.count; i += 2) {
        await catalog.savePhoto({
          path: `/lib/${i}.jpg`, sha256: `s${i}`, size: 1, mtimeMs: 1, width: 100, height: 100, takenAt: null, gps: null, model: 'x',
          faces: [i, i + 1].filter((s) => s < lib.count).map((s, x) => ({ ...face(lib.vector(s), 0.8, x * 60), model: 'm@1' })),
        });
      }
      const anna = await catalog.createPerson('Anna');
      await catalog.assign([1, 2, 3].map((faceId) => ({ faceId, personId: anna, source: 'confirmed' as const, distance: null })));
      return catalog;
    };
    const paged = await build();
    const whole = await build();
    const pages: Array<number | undefined> = [];
    const counted = { ...paged, allFaceVectors: (model: string, page?: { afterId?: number; limit: number }) => paged.allFaceVectors(model, page).then((faces) => {
      pages.push(faces.length);
      return faces;
    }) };
    const paramsHere: ClusterParams = { maxDistance: 0.5, minFaces: 3, k: 8, minSeedQuality: 0.3 };
    const report = await recluster({ catalog: counted }, 'm@1', paramsHere, { pageSize: 7 });
    expect(pages.length).toBeGreaterThan(40);
    expect(Math.max(...(pages as number[]))).toBe(7);
    expect(report).toEqual(await recluster({ catalog: whole }, 'm@1', paramsHere, { pageSize: 1_000_000 }));
    expect(report.moved + report.newlyAssigned).toBeGreaterThan(100);
    const people = async (c: typeof paged) => (await c.listFaces()).map((f) => [f.id, f.personId, f.source]);
    expect(await people(paged)).toEqual(await people(whole));
    await paged.close();
    await whole.close();
  });

  it('clusterAll on synthetic identities gives pure groups', () => {
    const index = createExactIndex(DIMS);
    const faces = [];
    let id = 1;
    for (let person = 0; person < 6; person++) {
      for (let j = 0; j < 5; j++) {
        const embedding = vec(person, id * 3.7);
        faces.push({ id, photoId: id, personId: null, source: null, quality: 0.8, embedding });
        index.add(id++, embedding);
      }
    }
    const { group, groups } = clusterAll({ faces: packFaces(faces), rejections: [] }, index, params);
    expect(groups).toBe(6);
    for (let person = 0; person < 6; person++) {
      const labels = new Set(group.slice(person * 5, person * 5 + 5));
      expect(labels.size).toBe(1);
      expect([...labels][0]).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(group).size).toBe(6);
  });

  it('clusterAll keeps a rejected face out of the group of the person it was rejected from, and two people apart', () => {
    const index = createExactIndex(DIMS);
    const faces: FaceVector[] = [];
    for (let id = 1; id <= 10; id++) {
      // Faces 1-4 (on person 50, by the machine), 7 and 8 are one identity; 5, 6, 9 and 10 another,
      // where a person confirmed 5 as person 60 and 6 as person 61.
      const embedding = id === 5 || id === 6 || id >= 9 ? vec(7, id * 1.9) : vec(2, id * 1.9);
      const personId = id <= 4 ? 50 : id === 5 ? 60 : id === 6 ? 61 : null;
      const source = id <= 4 ? ('auto' as const) : personId ? ('confirmed' as const) : null;
      faces.push({ id, photoId: id, personId, source, quality: 0.8, embedding });
      index.add(id, embedding);
    }
    const cluster = (rejections: Array<{ faceId: number; personId: number }>) => {
      const { person, group } = clusterAll({ faces: packFaces(faces), rejections }, index, params);
      return (i: number) => (Number.isNaN(person[i]!) ? `g${group[i]}` : `p${person[i]}`);
    };
    const free = cluster([]);
    expect(free(7)).toBe(free(0)); // without the rejection, face 8 is with faces 1-4
    const clusterOf = cluster([{ faceId: 8, personId: 50 }]);
    // Face 8 was rejected from person 50, whose faces 1-4 are: it is in none of their clusters.
    for (let i = 0; i < 4; i++) expect(clusterOf(7)).not.toBe(clusterOf(i));
    // One identity confirmed as two people stays two.
    expect(clusterOf(4)).toBe('p60');
    expect(clusterOf(5)).toBe('p61');
  });
});

describe('global re-cluster through the approximate index', () => {
  it('clusters 1,500 faces through the approximate index and keeps every human decision', async () => {
    const dims = 64;
    const lib = syntheticFaces(1_500, { seed: 21, dimensions: dims });
    const random = seededRandom(21);
    const catalog = openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-cl-')), 'c.sqlite'));
    const identityOf = new Map<number, number>();
    const photoOf = new Map<number, number>();
    const faceOfSlot: number[] = [];
    // Mostly one face a photo; some photos of two or three people, some with one person twice.
    for (let i = 0; i < lib.count; ) {
      const r = random();
      const slots = r < 0.15 ? [i, i + 1, i + 2] : r < 0.3 ? [i, i + 1] : [i];
      const inPhoto = slots.filter((s) => s < lib.count);
      const { photoId, faceIds } = await catalog.savePhoto({
        path: `/lib/${i}.jpg`, sha256: `s${i}`, size: 1, mtimeMs: 1, width: 100, height: 100, takenAt: null, gps: null, model: 'x',
        faces: inPhoto.map((s, x) => ({ ...face(lib.vector(s), 0.8, x * 60), model: 'm@1' })),
      });
      inPhoto.forEach((s, x) => {
        identityOf.set(faceIds[x]!, lib.identity[s]!);
        photoOf.set(faceIds[x]!, photoId);
        faceOfSlot[s] = faceIds[x]!;
      });
      i += inPhoto.length;
    }
    const twin = lib.vector(faceOfSlot.length - 1); // the last face, again, in a photo of its own with its double
    const twins = await catalog.savePhoto({
      path: '/lib/twins.jpg', sha256: 'twins', size: 1, mtimeMs: 1, width: 100, height: 100, takenAt: null, gps: null, model: 'x',
      faces: [{ ...face(twin, 0.8, 0), model: 'm@1' }, { ...face(twin, 0.8, 60), model: 'm@1' }],
    });

    // A person confirmed three faces of one identity and one face of another onto Anna.
    const biggest = [...identityOf.entries()].reduce((m, [, p]) => m.set(p, (m.get(p) ?? 0) + 1), new Map<number, number>());
    const [annaIdentity, otherIdentity] = [...biggest.entries()].sort((a, b) => b[1] - a[1]).map(([p]) => p);
    const annaFaces = [...identityOf.entries()].filter(([, p]) => p === annaIdentity).map(([id]) => id);
    const stranger = [...identityOf.entries()].find(([, p]) => p === otherIdentity)![0];
    const anna = await catalog.createPerson('Anna');
    await catalog.assign([...annaFaces.slice(0, 3), stranger].map((faceId) => ({ faceId, personId: anna, source: 'confirmed' as const, distance: null })));

    let approximate = false;
    const paramsBig: ClusterParams = { maxDistance: 0.5, minFaces: 3, k: 16, minSeedQuality: 0.3 };
    const makeIndex = (faces: FaceSource) => {
      const index = buildVectorIndex(faces, { exactBelow: 500 });
      approximate = index.approximate;
      return index;
    };
    const first = await recluster({ catalog }, 'm@1', paramsBig, { makeIndex });
    expect(approximate).toBe(true);
    expect(first.keptHumanDecisions).toBe(4);

    const personOf = new Map((await catalog.allFaceVectors('m@1')).map((f) => [f.id, f]));
    // Human decisions stand: the stranger stays on Anna, and the rest of Anna's identity joins her.
    expect(personOf.get(stranger)).toMatchObject({ personId: anna, source: 'confirmed' });
    const annaShare = annaFaces.filter((id) => personOf.get(id)!.personId === anna).length / annaFaces.length;
    expect(annaShare).toBeGreaterThan(0.8);
    // Never two faces of one photo on one person.
    const seen = new Set<string>();
    for (const f of personOf.values()) {
      if (f.personId === null) continue;
      const key = `${f.photoId}:${f.personId}`;
      expect(seen.has(key), `photo ${f.photoId} twice on person ${f.personId}`).toBe(false);
      seen.add(key);
    }
    const [t1, t2] = twins.faceIds.map((id) => personOf.get(id)!.personId);
    expect(t1 === null || t1 !== t2).toBe(true);
    // Quality: people match identities, as well as with exact search.
    const labelled = [...identityOf.entries()].map(([id, p]) => ({ truth: String(p), predicted: personOf.get(id)!.personId === null ? `f${id}` : `p${personOf.get(id)!.personId}` }));
    const f1 = bcubed(labelled).f1;
    expect(f1).toBeGreaterThan(0.9);
    const all = [...personOf.values()];
    const exact = createExactIndex(dims);
    for (const f of all) exact.add(f.id, f.embedding);
    const f1Of = (result: ReturnType<typeof clusterAll>) => bcubed(all.map((f, i) => ({
      truth: String(identityOf.get(f.id) ?? -1),
      predicted: !Number.isNaN(result.person[i]!) ? `p${result.person[i]}` : result.group[i]! >= 0 ? `g${result.group[i]}` : `f${f.id}`,
    }))).f1;
    const fresh = packFaces(all.map((f) => ({ ...f, personId: null, source: null })));
    expect(Math.abs(f1Of(clusterAll({ faces: fresh, rejections: [] }, makeIndex(fresh), paramsBig)) - f1Of(clusterAll({ faces: fresh, rejections: [] }, exact, paramsBig)))).toBeLessThan(0.01);

    // A face rejected from its person never comes back to them on the next re-cluster.
    const victim = annaFaces.find((id) => personOf.get(id)!.source === 'auto' && personOf.get(id)!.personId === anna)!;
    await catalog.reject(victim, anna);
    await recluster({ catalog }, 'm@1', paramsBig, { makeIndex });
    expect(approximate).toBe(true);
    expect((await catalog.getFace(victim))!.personId).not.toBe(anna);
    expect((await catalog.getFace(stranger))!.personId).toBe(anna);
  }, 120_000);
});

describe('global re-cluster after a split and a merge back', () => {
  it('lets a face confirmed back on a person it was once rejected from (split off, merged back) gather that person\'s faces', () => {
    const index = createExactIndex(DIMS);
    const faces = [1, 2, 3, 4].map((id) => ({ id, photoId: id, personId: 7, source: id <= 2 ? 'confirmed' as const : 'auto' as const, quality: 0.8, embedding: vec(0, id) }));
    for (const f of faces) index.add(f.id, f.embedding);
    // Face 2 was split off person 7 (a rejection) and merged back (confirmed on 7 again).
    const { person } = clusterAll({ faces: packFaces(faces), rejections: [{ faceId: 2, personId: 7 }] }, index, params);
    expect(Array.from(person)).toEqual([7, 7, 7, 7]);
    // A rejection from another person still keeps the faces apart from that person's.
    const other = clusterAll({ faces: packFaces(faces.map((f) => (f.id === 2 ? { ...f, personId: 8 } : f))), rejections: [{ faceId: 2, personId: 7 }] }, index, params);
    expect(other.person[1]).toBe(8);
    expect(other.person[2]).not.toBe(8);
  });
});

describe('re-cluster keeps a named person\'s faces', () => {
  it('a group of faces that were on a person whose confirmed face is far from them stays on that person, unless a photo or a rejection forbids it', async () => {
    const { catalog, add } = await library();
    const anchor = await add([face(vec(5, 1))], false);
    const near = [await add([face(vec(0, 1))], false), await add([face(vec(0, 2))], false)];
    const kim = await catalog.createPerson('Kim');
    await catalog.assign([
      { faceId: anchor.faceIds[0]!, personId: kim, source: 'confirmed', distance: null },
      ...near.map((n) => ({ faceId: n.faceIds[0]!, personId: kim, source: 'auto' as const, distance: 0.1 })),
    ]);
    const report = await recluster({ catalog }, 'm@1', params);
    expect(report.peopleCreated).toBe(0);
    for (const n of near) expect((await catalog.getFace(n.faceIds[0]!))!.personId).toBe(kim);
    // Rejected from Kim: the group goes to a person of its own.
    await catalog.reject(near[0]!.faceIds[0]!, kim);
    await recluster({ catalog }, 'm@1', params);
    expect((await catalog.getFace(near[1]!.faceIds[0]!))!.personId).not.toBe(kim);
  });
});

describe('suggestions', () => {
  it('ranks candidate people for a face and candidate faces for a person, skipping rejected ones', async () => {
    const { catalog, add } = await library();
    const a1 = await add([face(vec(1, 1))]);
    await add([face(vec(1, 2))]);
    await add([face(vec(9, 1))]);
    await add([face(vec(9, 2))]);
    const stray = await add([face(vec(1, 5, 0.3))], false);
    const index = await loadIndex(catalog, 'm@1', (dims) => createExactIndex(dims!));
    const personA = (await catalog.getFace(a1.faceIds[0]!))!.personId!;
    const forFace = await suggestPeopleForFace({ catalog }, index, stray.faceIds[0]!, { ...params, maxDistance: 0.9 });
    expect(forFace[0]!.personId).toBe(personA);
    expect(forFace[0]!.distance).toBeLessThan(forFace[1]?.distance ?? Infinity);
    const forPerson = await suggestFacesForPerson({ catalog }, index, personA, { ...params, maxDistance: 0.9 });
    expect(forPerson.map((c) => c.faceId)).toContain(stray.faceIds[0]);
    await catalog.reject(stray.faceIds[0]!, personA);
    expect((await suggestFacesForPerson({ catalog }, index, personA, { ...params, maxDistance: 0.9 })).map((c) => c.faceId)).not.toContain(stray.faceIds[0]);
    expect((await suggestPeopleForFace({ catalog }, index, stray.faceIds[0]!, params)).map((c) => c.personId)).not.toContain(personA);
  });

  it('loads a library larger than a page a page at a time, every face in the index', async () => {
    const lib = syntheticFaces(FACE_PAGE * 2 + 123, { seed: 3, dimensions: 16 });
    const faces: FaceVector[] = Array.from({ length: lib.count }, (_, i) => ({ id: i + 1, photoId: i + 1, personId: null, embedding: lib.vector(i), quality: 1, source: 'auto' }) as FaceVector);
    const asked: Array<number | undefined> = [];
    const catalog = {
      async allFaceVectors(_model: string, page?: { afterId?: number; limit: number }) {
        asked.push(page?.limit);
        const from = page?.afterId === undefined ? 0 : faces.findIndex((f) => f.id > page.afterId!);
        return from < 0 ? [] : faces.slice(from, page ? from + page.limit : undefined);
      },
    };
    const index = await loadIndex(catalog, 'm@1');
    expect(asked).toEqual([FACE_PAGE, FACE_PAGE, FACE_PAGE]);
    expect(index.size).toBe(faces.length);
    for (const i of [0, FACE_PAGE, faces.length - 1]) expect(index.search(lib.vector(i), 1)[0]!.id).toBe(i + 1);
  });

  it('sizes the index of an empty library by the embedder, so the first face added fits', async () => {
    const catalog = openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-cl-')), 'c.sqlite'));
    const index = await loadIndex(catalog, 'faceplugin-r512@1');
    expect(index.dimensions).toBe(512);
    index.add(1, new Float32Array(512).fill(1 / Math.sqrt(512)));
    expect(index.size).toBe(1);
    await expect(loadIndex(catalog, 'no-such-embedder@1')).rejects.toThrow(/no-such-embedder has no dimensions in its manifest/);
    // A caller that picks its own index is asked for one even for an embedder the manifest does not know.
    const own = await loadIndex(catalog, 'no-such-embedder@1', (dims) => createExactIndex(dims ?? 64));
    expect(own.dimensions).toBe(64);
  });
});
