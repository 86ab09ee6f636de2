import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireNeo4j, startNeo4j, type Neo4jServer } from '../../test/helpers/neo4j.js';
import type { Catalog, NewFace } from '../catalog/catalog.js';
import { openNeo4jCatalog, type Neo4jCatalog } from '../catalog/neo4j-catalog.js';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';
import type { ClusterParams } from '../clustering/incremental-assign.js';
import { loadIndex } from '../clustering/suggestions.js';
import { createExactIndex } from '../clustering/vector-index.js';
import { createLogger } from '../log.js';
import { createFsBlobStore } from '../storage/fs-blob-store.js';
import type { Box } from '../vision/image.js';
import { noXmpFindings, type AnalysedFace, type PhotoAnalysisResult, type XmpFindings } from './analysis-result.js';
import { createSingleWriter, type BatchOptions, type WriteOutcome } from './single-writer.js';

const DIMS = 16;
const EMBEDDER = 'emb@1';
const MODELS = { modelKey: `det@1+${EMBEDDER}`, embedderId: EMBEDDER };
const params: ClusterParams = { maxDistance: 0.4, minFaces: 3, k: 8, minSeedQuality: 0.3 };
const log = createLogger({ dir: null, level: 'silent', component: 'test' });

/** A unit vector near identity `id`'s axis, jittered deterministically. */
function vec(id: number, jitter: number): Float32Array {
  const v = new Float32Array(DIMS);
  v[id % DIMS] = 1;
  for (let i = 0; i < DIMS; i++) v[i] = v[i]! + 0.06 * Math.sin(jitter * 12.9898 + i * 78.233 + id);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const box = (x: number): Box => ({ x, y: 10, w: 80, h: 80 });
const quality = (q: number) => ({ quality: q, size: 1, sharpness: 1, pose: 1, yaw: 0 });
const analysedFace = (id: number, jitter: number, x: number, q = 0.8): AnalysedFace => ({
  box: box(x), landmarks: [[x + 20, 30], [x + 60, 30], [x + 40, 50], [x + 25, 70], [x + 55, 70]], detScore: 0.9, faceness: null, quality: quality(q),
  embedding: vec(id, jitter), thumbKey: `faces/t/${id}-${jitter}-${x}.jpg`,
});
const newFace = (id: number, jitter: number, x: number, extra: Partial<NewFace> = {}): NewFace => ({
  box: box(x), landmarks: [], detScore: 0.9, quality: 0.8, embedding: vec(id, jitter), model: EMBEDDER, thumbKey: `faces/s/${id}-${jitter}.jpg`, ...extra,
});
const analysis = (faces: AnalysedFace[], xmp: XmpFindings = noXmpFindings(), modelKey = MODELS.modelKey): PhotoAnalysisResult => ({
  modelKey, meta: { width: 1000, height: 800, format: 'jpeg', orientation: 1, takenAt: null, gps: null }, faces, dropped: 0, notFaces: 0,
  timings: { decodeMs: 1, detectMs: 1, embedMs: 1 }, xmp,
});

/** The library before the run: people, human decisions, a dismissed box and a hand-drawn face. */
async function setUp(c: Catalog) {
  const save = (path: string, faces: NewFace[]) => c.savePhoto({
    path, sha256: `${path}@v1`, size: 1, mtimeMs: 1, width: 1000, height: 800, takenAt: null, gps: null, model: MODELS.modelKey, faces,
  });
  const p0 = await save('/lib/p0.jpg', [newFace(0, 1, 0), newFace(1, 1, 200)]);
  const p1 = await save('/lib/p1.jpg', [newFace(0, 2, 0)]);
  const p2 = await save('/lib/p2.jpg', [newFace(1, 2, 0)]);
  const p3 = await save('/lib/p3.jpg', [newFace(2, 1, 0), newFace(3, 1, 200)]);
  const p4 = await save('/lib/p4.jpg', [newFace(2, 2, 0)]);
  await save('/lib/p5.jpg', [newFace(3, 2, 0)]);
  const ada = await c.createPerson('Ada');
  await c.assign([{ faceId: p0.faceIds[0]!, personId: ada, source: 'auto', distance: 0.1 }, { faceId: p1.faceIds[0]!, personId: ada, source: 'confirmed', distance: null }]);
  const other = await c.createPerson(null);
  await c.assign([{ faceId: p0.faceIds[1]!, personId: other, source: 'auto', distance: 0.1 }, { faceId: p2.faceIds[0]!, personId: other, source: 'auto', distance: 0.2 }]);
  await c.reject(p4.faceIds[0]!, ada);
  await c.dismissFace(p3.faceIds[1]!);
  await c.addManualFace(p4.photoId, newFace(4, 1, 400, { manual: true }));
  await c.createPerson('Bea');
}

type Item =
  | { kind: 'photo'; path: string; sha256: string; analysis: PhotoAnalysisResult }
  | { kind: 'fail'; path: string; code: string };

/** The run: new photos of a few people, re-indexed photos, XMP regions and keywords, failures, identical files, a wrong model. */
function stream(): Item[] {
  const items: Item[] = [];
  const photo = (path: string, faces: AnalysedFace[], xmp?: XmpFindings, modelKey?: string) =>
    items.push({ kind: 'photo', path, sha256: `${path}@v2`, analysis: analysis(faces, xmp, modelKey) });
  const fresh = (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      const faces = [analysedFace(i % 7, i, 0, i % 9 === 0 ? 0.1 : 0.8)];
      if (i % 3 === 0) faces.push(analysedFace((i * 5 + 2) % 9, i + 100, 300));
      photo(`/new/n${i}.jpg`, faces);
    }
  };
  fresh(0, 20);
  photo('/lib/p1.jpg', [analysedFace(0, 2, 0)]);
  photo('/lib/p3.jpg', [analysedFace(2, 1, 0), analysedFace(3, 1, 200)]);
  photo('/lib/p4.jpg', [analysedFace(2, 2, 0)], {
    regions: [{ name: 'Ada', box: box(400), face: null }, { name: 'Zed', box: box(600), face: analysedFace(7, 1, 600) }],
    personKeywords: [], keywords: ['beach'], problems: [],
  });
  fresh(20, 10);
  items.push({ kind: 'fail', path: '/new/broken.jpg', code: 'PHOTO_CORRUPT' });
  photo('/lib/p2.jpg', [analysedFace(1, 2, 500)]);
  photo('/new/bea.jpg', [analysedFace(8, 1, 0)], { regions: [{ name: 'Bea', box: box(5), face: null }], personKeywords: ['Bea'], keywords: [], problems: [] });
  photo('/new/kw.jpg', [analysedFace(8, 2, 0)], { regions: [], personKeywords: ['Cy'], keywords: [], problems: [] });
  items.push({ kind: 'photo', path: '/new/same-a.jpg', sha256: 'same@v2', analysis: analysis([analysedFace(5, 50, 0)]) });
  items.push({ kind: 'photo', path: '/new/same-b.jpg', sha256: 'same@v2', analysis: analysis([analysedFace(5, 50, 0)]) });
  photo('/new/other-model.jpg', [analysedFace(6, 1, 0)], undefined, 'det@2+emb@1');
  fresh(30, 20);
  items.push({ kind: 'fail', path: '/lib/p5.jpg', code: 'PHOTO_UNREADABLE' });
  fresh(50, 10);
  return items;
}

/** The whole catalog, comparable between runs: photos, faces (ids included), people by their faces, rejections. */
async function dump(c: Catalog) {
  const faces = await c.listFaces();
  const people = await c.listPeople({ includeHidden: true, includeMerged: true });
  return {
    photos: (await c.listPhotos()).map((p) => [p.id, p.path, p.sha256, p.status, p.errorCode, p.faceCount]),
    faces: faces.map((f) => [f.id, f.photoId, f.box.x, f.source, f.manual, f.distance === null ? null : Math.round(f.distance * 1e6)]),
    // People by name and by the faces they hold (a SQLite id freed by a prune may be handed out again at another moment).
    people: people.map((p) => [p.name, faces.filter((f) => f.personId === p.id).map((f) => f.id)]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    rejections: (await c.allRejections()).map((r) => [r.faceId, people.find((p) => p.id === r.personId)?.name ?? faces.filter((f) => f.personId === r.personId).map((f) => f.id)]),
  };
}

async function run(catalog: Catalog, batch: BatchOptions) {
  await setUp(catalog);
  const blobs = await createFsBlobStore(mkdtempSync(join(tmpdir(), 'facetag-writer-blobs-')));
  const index = await loadIndex(catalog, EMBEDDER, () => createExactIndex(DIMS));
  const writer = createSingleWriter({ catalog, blobs, log }, index, params, MODELS, batch);
  // Everything at once: the writer groups what is waiting into batches of up to `maxPhotos`.
  const outcomes: WriteOutcome[] = await Promise.all(stream().map((item) => (item.kind === 'fail'
    ? writer.fail({ key: item.path, size: 1, mtimeMs: 1 }, null, { code: item.code, message: 'cannot read it' })
    : writer.write({ key: item.path, size: 1, mtimeMs: 1 }, item.sha256, item.analysis))));
  const waiting = await writer.clusterWaiting();
  return { outcomes, waiting, dump: await dump(catalog), people: await catalog.listPeople({ includeHidden: true }) };
}

function writerEquivalence(name: string, fresh: () => Promise<Catalog>) {
  describe(`the single writer on ${name}: batches end face for face as one photo at a time`, () => {
    it('writes a mixed run identically with batches of 1, 7 and 256 photos', async () => {
      const one = await run(await fresh(), { maxPhotos: 1, maxWaitMs: 0 });
      const seven = await run(await fresh(), { maxPhotos: 7, maxWaitMs: 1000 });
      const all = await run(await fresh(), { maxPhotos: 256, maxWaitMs: 1000 });
      expect(seven.dump).toEqual(one.dump);
      expect(all.dump).toEqual(one.dump);
      expect(seven.outcomes).toEqual(one.outcomes);
      expect(all.outcomes).toEqual(one.outcomes);
      expect(all.waiting).toEqual(one.waiting);

      // And the run did what a run must: a sanity check that the comparison is not of two empty catalogs.
      const { outcomes, dump: d, people } = one;
      const byName = (n: string) => people.find((p) => p.name === n);
      expect(outcomes.filter((o) => o.kind === 'written').length).toBeGreaterThan(60);
      expect(outcomes.filter((o) => o.kind === 'failed').map((o) => (o as { code: string }).code)).toEqual(['PHOTO_CORRUPT', 'MODEL_MISMATCH', 'PHOTO_UNREADABLE']);
      expect(people.filter((p) => p.name === null).length).toBeGreaterThanOrEqual(5);
      expect(byName('Zed')?.faceCount).toBe(1);
      expect(byName('Bea')?.faceCount).toBeGreaterThanOrEqual(1);
      expect(byName('Cy')?.faceCount).toBe(1);
      // The re-indexed p1 keeps its confirmed face on Ada; the dismissed box of p3 stays dismissed.
      const photoId = (path: string) => d.photos.find((p) => p[1] === path)![0];
      expect(d.faces.filter((f) => f[1] === photoId('/lib/p1.jpg')).map((f) => f[3])).toEqual(['confirmed']);
      expect(d.faces.filter((f) => f[1] === photoId('/lib/p3.jpg')).map((f) => f[2])).toEqual([0]);
      expect(d.photos.find((p) => p[1] === '/lib/p5.jpg')).toMatchObject([expect.any(Number), '/lib/p5.jpg', null, 'failed', 'PHOTO_UNREADABLE', 0]);
      expect(d.photos.filter((p) => String(p[1]).startsWith('/new/same-')).map((p) => p[5])).toEqual([1, 1]);
    }, 120_000);
  });
}

writerEquivalence('sqlite', async () => openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-writer-')), 'catalog.sqlite')));

const neo4j = requireNeo4j('single writer on neo4j');
let server: Neo4jServer;
const opened: Neo4jCatalog[] = [];
if (neo4j) {
  beforeAll(async () => {
    server = await startNeo4j();
  }, 200_000);
  afterAll(async () => {
    for (const c of opened) await c.close().catch(() => undefined);
    await server?.stop();
  });
}
describe.runIf(neo4j)('neo4j', () => {
  writerEquivalence('neo4j', async () => {
    const c = await openNeo4jCatalog({ url: server.url, user: server.user, password: server.password });
    opened.push(c);
    // Counters included: each run starts from the same ids.
    await c.run('MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n');
    return c;
  });
});
