// npm run bench:writer [-- --photos 10000] [--library 10000] [--driver sqlite|neo4j|both] [--batch 256]
// The index run's single writer alone: synthetic results (2 faces a photo, embeddings of the
// configured embedder's size, people drawn as in bench/synthetic-faces.ts) written through
// createSingleWriter with clustering on. `--library` photos are written first, untimed (a library
// past the vector index's first, exact-search stage; 0 starts empty), then `--photos` are timed.
// One line per driver:
// "writer <driver>: N photos/s". The Neo4j side starts its own server (tools/neo4j-launcher)
// with the JVM docs/INSTALLATION.md gives an operator (heap, GC, page cache: printed), never the
// test launcher's quick-start flags. Wall-clock on whatever else runs: the load average is printed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Catalog } from '../src/catalog/catalog.js';
import { openNeo4jCatalog } from '../src/catalog/neo4j-catalog.js';
import { openSqliteCatalog } from '../src/catalog/sqlite-catalog.js';
import { createVectorIndex } from '../src/clustering/create-vector-index.js';
import { loadConfig } from '../src/config/load-config.js';
import { createSingleWriter } from '../src/ingest/single-writer.js';
import { createLogger } from '../src/log.js';
import { createFsBlobStore } from '../src/storage/fs-blob-store.js';
import { findModel } from '../src/vision/model-manifest.js';
import { SYNTHETIC_MODELS, syntheticResults } from '../test/helpers/synthetic-results.js';
import { startOperatorNeo4j } from './operator-neo4j.js';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '10000' }, library: { type: 'string', default: '10000' },
    driver: { type: 'string', default: 'both' }, batch: { type: 'string', default: '256' },
  },
});
const photos = Number(values.photos);
const library = Number(values.library);
const config = loadConfig({ env: {} });
const dimensions = findModel(config.vision.embedder)?.dimensions ?? 512;
const params = config.cluster;
const all = syntheticResults(library + photos, { dimensions, maxDistance: params.maxDistance });
const before = all.slice(0, library);
const results = all.slice(library);
const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;

async function bench(driver: string, catalog: Catalog, storeDir?: string) {
  const blobs = await createFsBlobStore(mkdtempSync(join(tmpdir(), 'facetag-writer-bench-')));
  const log = createLogger({ dir: null, level: 'silent', component: 'bench' });
  const writer = createSingleWriter({ catalog, blobs, log }, createVectorIndex(dimensions), params, SYNTHETIC_MODELS, { maxPhotos: Number(values.batch) });
  const tl = performance.now();
  await Promise.all(before.map((r) => writer.write(r.photo, r.sha256, r.analysis)));
  if (library > 0) console.log(`  ${driver}: a library of ${library} photos written first in ${((performance.now() - tl) / 1000).toFixed(1)} s (untimed)`);
  const t0 = performance.now();
  const outcomes = await Promise.all(results.map((r) => writer.write(r.photo, r.sha256, r.analysis)));
  const seconds = (performance.now() - t0) / 1000;
  const written = outcomes.filter((o) => o.kind === 'written').length;
  if (written !== photos) throw new Error(`only ${written} of ${photos} photos written: ${JSON.stringify(outcomes.find((o) => o.kind !== 'written'))}`);
  const t1 = performance.now();
  await writer.clusterWaiting();
  const waitingSeconds = (performance.now() - t1) / 1000;
  const counts = await catalog.counts();
  console.log(`writer ${driver}: ${(photos / seconds).toFixed(0)} photos/s (${photos} photos, ${photos * 2} faces of ${dimensions} dimensions, into a library of ${library * 2} faces, batches of ${values.batch}; ${load()})`);
  console.log(`  then the end-of-run pass over the faces still waiting: ${waitingSeconds.toFixed(1)} s; ${counts.people} people, ${counts.unassigned} faces in none`);
  if (storeDir) {
    const kb = (dir: string) => Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]);
    const perFace = (k: number) => `${(k / 1024).toFixed(0)} MB, ${(k / counts.faces).toFixed(1)} KB a face`;
    // Neo4j: the store (what the page cache holds) apart from the transaction logs; SQLite: the catalog file and its WAL.
    const parts = driver === 'neo4j'
      ? `store ${perFace(kb(join(storeDir, 'data', 'databases')))}, transaction logs ${perFace(kb(join(storeDir, 'data', 'transactions')))}`
      : `catalog ${perFace(kb(storeDir))}`;
    console.log(`  on disk for ${counts.faces} faces: ${parts}`);
  }
  await catalog.close();
}

if (values.driver === 'sqlite' || values.driver === 'both') {
  const dir = mkdtempSync(join(tmpdir(), 'facetag-writer-bench-'));
  await bench('sqlite', openSqliteCatalog(join(dir, 'catalog.sqlite')), dir);
}
if (values.driver === 'neo4j' || values.driver === 'both') {
  const server = await startOperatorNeo4j();
  try {
    await bench('neo4j', await openNeo4jCatalog({ url: server.url, user: server.user, password: server.password }), server.dataDir);
  } finally {
    await server.stop();
  }
}
