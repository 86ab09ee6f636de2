import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NewFace } from '../catalog/catalog.js';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';
import { assignFaces, type ClusterParams } from './incremental-assign.js';
import { clusterAll } from './global-cluster.js';
import { recluster } from './recluster.js';
import { suggestFacesForPerson, suggestPeopleForFace, loadIndex } from './suggestions.js';
import { createExactIndex } from './vector-index.js';

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
    const { group, groups } = clusterAll({ faces, rejections: [] }, index, params);
    expect(groups).toBe(6);
    for (let person = 0; person < 6; person++) {
      const labels = new Set(group.slice(person * 5, person * 5 + 5));
      expect(labels.size).toBe(1);
      expect([...labels][0]).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(group).size).toBe(6);
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
    const index = await loadIndex(catalog, 'm@1', createExactIndex);
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
});
