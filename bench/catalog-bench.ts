// npm run bench:catalog [-- --driver neo4j|sqlite|both] [--photos 2000] [--queries 200] [--seed 1]
// Catalog adapter speed on a synthetic library (512-d embeddings, two faces a photo, people by
// identity): savePhoto and assign throughput, nearestFaces latency and recall@10 against an exact
// scan, and the latency of the people, photo and graph queries. The Neo4j side starts its own
// server (tools/neo4j-launcher, needs Java). Wall-clock on whatever else runs: quote the load average.
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Catalog } from '../src/catalog/catalog.js';
import { cosineDistance } from '../src/catalog/cosine-distance.js';
import { openNeo4jCatalog } from '../src/catalog/neo4j-catalog.js';
import { openSqliteCatalog } from '../src/catalog/sqlite-catalog.js';
import { startNeo4j } from '../test/helpers/neo4j.js';
import { syntheticFaces } from './synthetic-faces.js';

const { values } = parseArgs({
  options: {
    driver: { type: 'string', default: 'both' }, photos: { type: 'string', default: '2000' },
    queries: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' },
  },
});
const PHOTOS = Number(values.photos);
const QUERIES = Number(values.queries);
const lib = syntheticFaces(PHOTOS * 2 + QUERIES, { seed: Number(values.seed) });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!.toFixed(1);

async function timeEach(n: number, fn: (i: number) => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return `p50 ${pct(ms, 0.5)} ms, p99 ${pct(ms, 0.99)} ms`;
}

async function bench(name: string, c: Catalog) {
  console.log(`\n${name}: ${PHOTOS} photos, ${PHOTOS * 2} faces (512-d), ${lib.identityCount} identities; load average ${loadavg()[0]!.toFixed(1)}`);
  let t = performance.now();
  const faceIds: number[] = [];
  for (let i = 0; i < PHOTOS; i++) {
    const faces = [0, 1].map((j) => ({
      box: { x: j * 200, y: 10, w: 100, h: 120 }, landmarks: [], detScore: 0.9, quality: 0.8,
      embedding: Float32Array.from(lib.vector(i * 2 + j)), model: 'bench@1', thumbKey: null,
    }));
    const saved = await c.savePhoto({
      path: `/bench/${i}.jpg`, sha256: `sha-${i}`, size: 1000, mtimeMs: 1, width: 1000, height: 800,
      takenAt: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString().slice(0, 19), gps: null, model: 'det@1+bench@1', faces,
    });
    faceIds.push(...saved.faceIds);
  }
  let s = (performance.now() - t) / 1000;
  console.log(`  savePhoto: ${(PHOTOS / s).toFixed(1)} photos/s`);
  t = performance.now();
  const people = new Map<number, number>();
  const assignments = [];
  for (let f = 0; f < faceIds.length; f++) {
    const id = lib.identity[f]!;
    if (!people.has(id)) people.set(id, await c.createPerson(`Person ${id}`));
    assignments.push({ faceId: faceIds[f]!, personId: people.get(id)!, source: 'auto' as const, distance: 0.3 });
  }
  for (let i = 0; i < assignments.length; i += 500) await c.assign(assignments.slice(i, i + 500));
  s = (performance.now() - t) / 1000;
  console.log(`  createPerson + assign: ${(faceIds.length / s).toFixed(0)} faces/s (${people.size} people)`);

  let hits = 0;
  const latency = await timeEach(QUERIES, async (q) => {
    const v = lib.vector(PHOTOS * 2 + q);
    const got = await c.nearestFaces(v, 10, 'bench@1');
    const exact = faceIds.map((id, f) => ({ id, d: cosineDistance(v, lib.vector(f)) })).sort((a, b) => a.d - b.d).slice(0, 10).map((e) => e.id);
    hits += got.filter((g) => exact.includes(g.faceId)).length;
  });
  console.log(`  nearestFaces k=10: ${latency} (with the exact check), recall@10 ${(hits / (QUERIES * 10)).toFixed(3)}`);
  const some = [...people.values()];
  console.log(`  queryPeople (faces sort, page of 50): ${await timeEach(20, (i) => c.queryPeople({ offset: i * 5 }))}`);
  console.log(`  queryPhotos (two people, any): ${await timeEach(50, (i) => c.queryPhotos({ people: [some[i % some.length]!, some[(i * 7) % some.length]!], mode: 'any' }))}`);
  console.log(`  coOccurrences: ${await timeEach(50, (i) => c.coOccurrences(some[i % some.length]!))}`);
  console.log(`  topPairs(20): ${await timeEach(5, () => c.topPairs(20))}`);
  console.log(`  photoChain (max 6 hops): ${await timeEach(20, (i) => c.photoChain(some[i]!, some[some.length - 1 - i]!))}`);
  await c.close();
}

if (values.driver === 'sqlite' || values.driver === 'both') {
  await bench('sqlite', openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-bench-')), 'catalog.sqlite')));
}
if (values.driver === 'neo4j' || values.driver === 'both') {
  const server = await startNeo4j();
  console.log(`\nneo4j: server ready in ${server.startMs} ms`);
  try {
    await bench('neo4j', await openNeo4jCatalog({ url: server.url, user: server.user, password: server.password }));
  } finally {
    await server.stop();
  }
}
