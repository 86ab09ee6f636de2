import { createReadStream, createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runFacetag } from '../../test/helpers/cli.js';
import { requireNeo4j, startNeo4j, type Neo4jServer } from '../../test/helpers/neo4j.js';
import type { Catalog } from './catalog.js';
import { face, photo } from './catalog-contract.js';
import { exportCatalog, importCatalog } from './catalog-dump.js';
import { openNeo4jCatalog } from './neo4j-catalog.js';
import { openSqliteCatalog } from './sqlite-catalog.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'facetag-dump-'));
const sqliteIn = (dir: string) => openSqliteCatalog(join(dir, 'catalog.sqlite'));

/** A library as indexing and a person's decisions leave it: every kind of record the dump carries. */
async function fillLibrary(c: Catalog) {
  const at = (path: string, takenAt: string, seeds: number[]) => ({ ...photo(path, seeds.map((s) => face(s))), takenAt });
  const p1 = await c.savePhoto(at('/lib/1.jpg', '2024-06-01T10:00:00', [1, 2]));
  const p2 = await c.savePhoto(at('/lib/2.jpg', '2024-07-15T09:00:00', [3, 4, 5]));
  const p3 = await c.savePhoto(at('/lib/3.jpg', '2023-12-31T23:00:00', [6]));
  const p4 = await c.savePhoto(at('/lib/4.jpg', '2024-08-01T12:00:00', [7, 8]));
  const p5 = await c.savePhoto(at('/lib/5.jpg', '2024-08-02T12:00:00', [10, 11]));
  await c.recordFailure({ path: '/lib/bad.jpg', sha256: 'bad', size: 3, mtimeMs: 5, code: 'PHOTO_CORRUPT', message: 'truncated JPEG' });
  const ann = await c.createPerson('Ann');
  const bob = await c.createPerson('Bob');
  const x = await c.createPerson();
  const hid = await c.createPerson('Hidden Hannah');
  const anna = await c.createPerson('Anna');
  const y = await c.createPerson('Y');
  await c.assign([
    { faceId: p1.faceIds[0]!, personId: ann, source: 'confirmed', distance: null },
    { faceId: p1.faceIds[1]!, personId: bob, source: 'auto', distance: 0.3 },
    { faceId: p2.faceIds[0]!, personId: ann, source: 'auto', distance: 0.2 },
    { faceId: p2.faceIds[1]!, personId: bob, source: 'manual', distance: null },
    { faceId: p2.faceIds[2]!, personId: x, source: 'auto', distance: 0.4 },
    { faceId: p3.faceIds[0]!, personId: hid, source: 'xmp', distance: null },
    { faceId: p4.faceIds[0]!, personId: anna, source: 'auto', distance: 0.25 },
    { faceId: p5.faceIds[1]!, personId: y, source: 'auto', distance: 0.35 },
  ]);
  await c.updatePerson(hid, { hidden: true });
  await c.reject(p4.faceIds[1]!, bob);
  await c.reject(p1.faceIds[1]!, anna); // inherited by Ann at the merge, given back at an undo
  // Split off Bob and merged back: the merge cleared the split's rejection, an undo would restore it.
  await c.mergePeople(bob, await c.splitPerson(bob, [p2.faceIds[1]!]));
  await c.mergePeople(ann, anna);
  const undone = await c.mergePeople(y, x);
  await c.unmerge(undone.id);
  const manual = await c.addManualFace(p3.photoId, { ...face(9, 600), thumbKey: 'faces/t/manual.jpg' });
  await c.moveFace(manual, bob);
  await c.dismissFace(p5.faceIds[0]!);
}

/** Everything a user can see of a catalog, with ids replaced by what they point at. */
async function snapshot(c: Catalog) {
  const people = (await c.listPeople({ includeHidden: true, includeMerged: true }))
    .sort((a, b) => Number(a.mergedInto !== null) - Number(b.mergedInto !== null) || a.id - b.id);
  const ord = new Map(people.map((p, i) => [p.id, i]));
  const faceKey = new Map<number, string>();
  const photos = [];
  for (const p of await c.listPhotos()) {
    const faces = [];
    for (const f of await c.listFaces({ photoId: p.id })) {
      faceKey.set(f.id, `${p.path}@${f.box.x}`);
      faces.push({
        box: f.box, landmarks: f.landmarks, detScore: f.detScore, quality: f.quality, model: f.model, thumbKey: f.thumbKey, manual: f.manual,
        person: f.personId === null ? null : ord.get(f.personId), source: f.source, distance: f.distance,
        embedding: Array.from((await c.getEmbedding(f.id))!),
      });
    }
    const { id: _id, indexedAt: _at, ...rest } = p;
    photos.push({ ...rest, faces, dismissed: await c.dismissedBoxes(p.path) });
  }
  const live = people.filter((p) => p.mergedInto === null);
  const names = (items: Array<{ id: number }>) => items.map((p) => ord.get(p.id));
  const paths = async (q: Parameters<Catalog['queryPhotos']>[0]) => {
    const page = await c.queryPhotos(q);
    return { total: page.total, paths: page.items.map((p) => p.path) };
  };
  return {
    photos,
    people: people.map((p) => ({
      ord: ord.get(p.id), name: p.name, hidden: p.hidden, createdAt: p.createdAt, faceCount: p.faceCount,
      cover: p.coverFaceId === null ? null : faceKey.get(p.coverFaceId), mergedInto: p.mergedInto === null ? null : ord.get(p.mergedInto),
    })),
    rejections: (await c.allRejections()).map((r) => [faceKey.get(r.faceId), ord.get(r.personId)]).sort(),
    merges: (await c.listMerges()).map((m) => ({
      into: ord.get(m.intoId), from: ord.get(m.fromId), faceCount: m.faceCount, at: m.at, undone: m.undoneAt !== null,
      faces: m.faces.map((f) => [faceKey.get(f.id), f.source, f.distance]), rejections: m.rejections.map((id) => faceKey.get(id)),
      cleared: m.cleared.map((id) => faceKey.get(id)),
    })),
    lastMerge: (await c.lastMerge())?.at ?? null,
    counts: await c.counts(),
    queryPeople: {
      faces: names((await c.queryPeople()).items), name: names((await c.queryPeople({ sort: 'name', unnamedFirst: true })).items),
      newest: names((await c.queryPeople({ sort: 'newest', hidden: 'include' })).items),
    },
    queryPhotos: await Promise.all(live.flatMap((a) => live.map((b) => paths({ people: [a.id, b.id], mode: a === b ? 'only' : 'all' })))),
    byDate: await paths({ takenFrom: '2024-01-01', takenTo: '2024-07-31' }),
    coOccurrences: await Promise.all(live.map(async (a) => (await c.coOccurrences(a.id)).map((o) => [ord.get(o.personId), o.name, o.photos]))),
  };
}

async function dump(c: Catalog, file: string) {
  const out = createWriteStream(file);
  const counts = await exportCatalog(c, out);
  out.end();
  await once(out, 'finish');
  return counts;
}

describe('catalog dump (SQLite to SQLite)', () => {
  it('moves every photo, face, embedding, person and decision, and answers the same queries', async () => {
    const source = sqliteIn(tmp());
    await fillLibrary(source);
    const file = join(tmp(), 'library.ndjson');
    const written = await dump(source, file);
    expect(written).toEqual({ photos: 6, faces: 10, people: 7, rejections: 3, dismissals: 1, merges: 3 });
    const target = sqliteIn(tmp());
    expect(await importCatalog(target, createReadStream(file))).toEqual(written);
    const before = await snapshot(source);
    expect(before.rejections.length).toBe(3);
    expect(await snapshot(target)).toEqual(before);
    // The imported merge can still be undone.
    const merge = (await target.lastMerge())!;
    await target.unmerge(merge.id);
    expect((await target.findPersonByName('Anna'))?.faceCount).toBe(1);
    await source.close();
    await target.close();
  });

  it('restores a dump written before merges kept the rejections they cleared, as clearing none', async () => {
    const source = sqliteIn(tmp());
    await fillLibrary(source);
    const file = join(tmp(), 'library.ndjson');
    await dump(source, file);
    const isMerge = (l: string) => l.startsWith('{"type":"merge"');
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.filter(isMerge).some((l) => JSON.parse(l).cleared.length > 0)).toBe(true);
    const older = join(tmp(), 'older.ndjson');
    writeFileSync(older, lines.map((l) => {
      if (!isMerge(l)) return l;
      const { cleared: _cleared, ...rest } = JSON.parse(l);
      return JSON.stringify(rest);
    }).join('\n'));
    const target = sqliteIn(tmp());
    await importCatalog(target, createReadStream(older));
    const before = await snapshot(source);
    expect(await snapshot(target)).toEqual({ ...before, merges: before.merges.map((m) => ({ ...m, cleared: [] })) });
    await source.close();
    await target.close();
  });

  it('refuses a non-empty catalog and a cut-off file, naming the fix', async () => {
    const source = sqliteIn(tmp());
    await fillLibrary(source);
    const file = join(tmp(), 'library.ndjson');
    await dump(source, file);
    await expect(importCatalog(source, createReadStream(file))).rejects.toMatchObject({
      code: 'CONFLICT', message: expect.stringMatching(/catalog is not empty .*empty catalog/),
    });
    const cut = join(tmp(), 'cut.ndjson');
    writeFileSync(cut, readFileSync(file, 'utf8').split('\n').slice(0, 4).join('\n'));
    await expect(importCatalog(sqliteIn(tmp()), createReadStream(cut))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/cut off/) });
    writeFileSync(cut, '{"type":"photo"}\n');
    await expect(importCatalog(sqliteIn(tmp()), createReadStream(cut))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/graph export/) });
    await source.close();
  });
});

const available = requireNeo4j('catalog dump suite (Neo4j)');
if (available) {
  describe('catalog dump between SQLite and Neo4j', () => {
    let server: Neo4jServer;
    beforeAll(async () => {
      server = await startNeo4j();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('moves a library from SQLite to Neo4j and back through `facetag graph export|import`', async () => {
      const laptop = tmp();
      const source = sqliteIn(laptop);
      await fillLibrary(source);
      const before = await snapshot(source);
      await source.close();
      const file = join(tmp(), 'library.ndjson');
      const neo4jEnv = { FACETAG_CATALOG_DRIVER: 'neo4j', FACETAG_CATALOG_NEO4J_URL: server.url, FACETAG_CATALOG_NEO4J_PASSWORD: server.password };

      const exported = await runFacetag(['graph', 'export', file, '--json', '--data', laptop]);
      expect(exported.code, exported.stderr).toBe(0);
      const imported = await runFacetag(['graph', 'import', file, '--json', '--data', tmp()], { env: neo4jEnv });
      expect(imported.code, imported.stderr).toBe(0);
      expect(json(imported)).toMatchObject({ driver: 'neo4j', photos: 6, faces: 10, people: 7, merges: 3 });

      const cluster = await openNeo4jCatalog({ url: server.url, user: server.user, password: server.password });
      expect(await snapshot(cluster)).toEqual(before);
      // The graph questions answer alike from both stores.
      const pairs = async (env: Record<string, string>, data: string) =>
        json((await runFacetag(['graph', 'pairs', '--json', '--data', data], { env }))).map((p: any) => [p.a.name, p.b.name, p.photos]);
      expect(await pairs(neo4jEnv, tmp())).toEqual(await pairs({}, laptop));
      expect((await pairs({}, laptop)).length).toBeGreaterThan(0);

      const again = await runFacetag(['graph', 'import', file, '--data', tmp()], { env: neo4jEnv });
      expect(again.code).toBe(65);
      expect(again.stderr).toMatch(/catalog is not empty/);

      const back = join(tmp(), 'back.ndjson');
      expect((await runFacetag(['graph', 'export', back, '--data', tmp()], { env: neo4jEnv })).code).toBe(0);
      const home = tmp();
      const restored = await runFacetag(['graph', 'import', back, '--data', home]);
      expect(restored.code, restored.stderr).toBe(0);
      const laptopAgain = sqliteIn(home);
      expect(await snapshot(laptopAgain)).toEqual(before);
      await laptopAgain.close();
      await cluster.close();
    });

    it('backs up a Neo4j library with `facetag backup` and restores it into an emptied Neo4j', async () => {
      const neo4jEnv = { FACETAG_CATALOG_DRIVER: 'neo4j', FACETAG_CATALOG_NEO4J_URL: server.url, FACETAG_CATALOG_NEO4J_PASSWORD: server.password };
      const cluster = await openNeo4jCatalog({ url: server.url, user: server.user, password: server.password });
      await cluster.run('MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n');
      await fillLibrary(cluster);
      const before = await snapshot(cluster);
      const dest = join(tmp(), 'backup');
      const backedUp = await runFacetag(['backup', dest, '--json', '--data', tmp()], { env: neo4jEnv });
      expect(backedUp.code, backedUp.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(dest, 'manifest.json'), 'utf8')).catalog).toEqual({ kind: 'catalog-dump', counts: await cluster.counts() });

      // Into a catalog that still holds the library: refused, nothing changed.
      const refused = await runFacetag(['restore', dest, '--data', tmp()], { env: neo4jEnv });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/not empty/);
      expect(await snapshot(cluster)).toEqual(before);

      await cluster.run('MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n');
      const restored = await runFacetag(['restore', dest, '--data', tmp()], { env: neo4jEnv });
      expect(restored.code, restored.stderr).toBe(0);
      expect(await snapshot(cluster)).toEqual(before);
      await cluster.close();
    });
  });
}
