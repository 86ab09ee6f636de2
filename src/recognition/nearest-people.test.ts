import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, NewFace } from '../catalog/catalog.js';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';
import { loadIndex } from '../clustering/suggestions.js';
import { embedding } from '../../test/helpers/test-library.js';
import { loadConfig } from '../config/load-config.js';
import { faceNeighbours, reloadOnCatalogChange, type FaceNeighbours } from './face-neighbours.js';
import { FIRST_LOOK, nearestNamedPeople } from './nearest-people.js';
import { MATCH_SIMILARITY } from './similarity.js';

const MODEL = 'test-embedder@1';
let seed = 0;
const face = (axis: number, noise: number): NewFace => ({
  box: { x: 10, y: 10, w: 100, h: 100 }, landmarks: [], detScore: 0.9, quality: 0.8,
  embedding: embedding(axis, noise, seed++), model: MODEL, thumbKey: null,
});

/** One photo per face; returns the face ids. */
async function addFaces(catalog: Catalog, faces: NewFace[]) {
  const ids: number[] = [];
  for (const f of faces) {
    const n = seed++;
    ids.push((await catalog.savePhoto({ path: `/p/${n}.jpg`, sha256: `s${n}`, size: 1, mtimeMs: 1, width: 500, height: 500, takenAt: null, gps: null, model: 'm', faces: [f] })).faceIds[0]!);
  }
  return ids;
}

async function person(catalog: Catalog, name: string | null, faceIds: number[]) {
  const id = await catalog.createPerson(name);
  await catalog.assign(faceIds.map((faceId) => ({ faceId, personId: id, source: 'confirmed', distance: null })));
  return id;
}

describe('the nearest named people of a face (real SQLite catalog, real vector index)', () => {
  let catalog: Catalog;
  let neighbours: FaceNeighbours;
  const threshold = 0.3;

  beforeEach(async () => {
    catalog = openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-nearest-')), 'catalog.sqlite'));
    neighbours = async (e, k) => (await loadIndex(catalog, MODEL)).search(e, k).map((h) => ({ faceId: h.id, distance: h.distance }));
  });
  afterEach(async () => catalog.close());

  it('answers named people only, nearest first, each by their nearest face, with a calibrated similarity', async () => {
    const ann = await person(catalog, 'Ann', await addFaces(catalog, [face(0, 0.05), face(0, 0.05)]));
    const bob = await person(catalog, 'Bob', await addFaces(catalog, [face(1, 0.05)]));
    await person(catalog, null, await addFaces(catalog, [face(0, 0.02), face(0, 0.02)])); // unnamed, and nearer
    const found = await nearestNamedPeople({ catalog }, neighbours, embedding(0, 0.05, 999), { limit: 5, threshold });
    expect(found.map((p) => [p.personId, p.name, p.match])).toEqual([[ann, 'Ann', true], [bob, 'Bob', false]]);
    expect(found[0]!.similarity).toBeGreaterThan(MATCH_SIMILARITY);
    expect(found[1]!.similarity).toBeLessThan(MATCH_SIMILARITY);
    expect(found[0]!.distance).toBeLessThan(found[1]!.distance);
    expect(await nearestNamedPeople({ catalog }, neighbours, embedding(0, 0.05, 999), { limit: 1, threshold })).toHaveLength(1);
  });

  it('never answers a hidden person, nor one merged away', async () => {
    const ann = await person(catalog, 'Ann', await addFaces(catalog, [face(0, 0.05)]));
    const bob = await person(catalog, 'Bob', await addFaces(catalog, [face(1, 0.05)]));
    const query = embedding(0, 0.05, 998);
    await catalog.updatePerson(ann, { hidden: true });
    expect((await nearestNamedPeople({ catalog }, neighbours, query, { limit: 5, threshold })).map((p) => p.name)).toEqual(['Bob']);
    await catalog.updatePerson(ann, { hidden: false });
    await catalog.mergePeople(bob, ann); // Ann's face is Bob's now
    expect((await nearestNamedPeople({ catalog }, neighbours, query, { limit: 5, threshold })).map((p) => [p.name, p.match])).toEqual([['Bob', true]]);
  });

  it(`looks further than the nearest ${FIRST_LOOK} faces when they belong to nobody named`, async () => {
    // A crowd of unnamed faces right around the query, and the named person a little further off.
    await addFaces(catalog, Array.from({ length: FIRST_LOOK + 20 }, () => face(3, 0.02)));
    const carol = await person(catalog, 'Carol', await addFaces(catalog, [face(3, 0.4)]));
    const found = await nearestNamedPeople({ catalog }, neighbours, embedding(3, 0.02, 997), { limit: 1, threshold: 0.5 });
    expect(found.map((p) => p.personId)).toEqual([carol]);
  });

  it('says when the index holds faces the catalog no longer has (another process re-indexed), and answers from the rest', async () => {
    const ann = await person(catalog, 'Ann', await addFaces(catalog, [face(0, 0.05)]));
    const stale = async (e: Float32Array, k: number) => [{ faceId: 999_999, distance: 0.01 }, ...(await neighbours(e, k))];
    let told = 0;
    const found = await nearestNamedPeople({ catalog }, stale, embedding(0, 0.05, 995), { limit: 1, threshold, onStale: () => void told++ });
    expect(found.map((p) => p.personId)).toEqual([ann]);
    expect(told).toBe(1);
    await nearestNamedPeople({ catalog }, neighbours, embedding(0, 0.05, 995), { limit: 1, threshold, onStale: () => void told++ });
    expect(told).toBe(1);
  });

  it('answers nobody in a library with no named person', async () => {
    await addFaces(catalog, [face(0, 0.05)]);
    expect(await nearestNamedPeople({ catalog }, neighbours, embedding(0, 0.05, 996), { limit: 3, threshold })).toEqual([]);
  });
});

describe('reloadOnCatalogChange', () => {
  it('drops the index when the catalog\'s face count changed since the last look, at most every checkEveryMs', async () => {
    let faces = 10;
    let now = 0;
    let resets = 0;
    const index = reloadOnCatalogChange(
      { catalog: { counts: async () => ({ photos: 0, photosFailed: 0, faces, people: 0, unassigned: 0 }) } },
      { get: async () => ({}) as never, reset: () => void resets++ },
      { checkEveryMs: 5000, now: () => now },
    );
    await index();
    expect(resets).toBe(0);
    faces = 12; // another process indexed two faces
    now = 1000;
    await index();
    expect(resets).toBe(0); // not looked again yet
    now = 6000;
    await index();
    expect(resets).toBe(1);
    now = 12_000;
    await index();
    expect(resets).toBe(1); // unchanged since
  });
});

describe('faceNeighbours: where a recognition searches', () => {
  const calls: string[] = [];
  const catalog = {
    nearestFaces: async (_e: Float32Array, k: number, model: string) => {
      calls.push(`neo4j k=${k} ${model}`);
      return [{ faceId: 7, distance: 0.1 }];
    },
  } as unknown as Catalog;
  const inProcess = async () => {
    calls.push('in-process');
    return { search: () => [{ id: 8, distance: 0.2 }] } as never;
  };

  it('asks the management\'s Neo4j vector index in cluster mode, the in-process index embedded', async () => {
    const neo4j = faceNeighbours({ config: loadConfig({ env: { FACETAG_CATALOG_DRIVER: 'neo4j' } }), catalog }, 'emb@1', inProcess);
    expect(await neo4j(new Float32Array(4), 64)).toEqual([{ faceId: 7, distance: 0.1 }]);
    const embedded = faceNeighbours({ config: loadConfig({ env: {} }), catalog }, 'emb@1', inProcess);
    expect(await embedded(new Float32Array(4), 64)).toEqual([{ faceId: 8, distance: 0.2 }]);
    expect(calls).toEqual(['neo4j k=64 emb@1', 'in-process']);
  });
});
