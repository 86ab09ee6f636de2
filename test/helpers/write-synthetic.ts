// node --import tsx test/helpers/write-synthetic.ts <sqlite-file | bolt-url> <photos> <batch photos>
// Writes synthetic results through the single writer, all at once (so every batch is full), and
// prints "batch" after each commit: the child the writer's kill test SIGKILLs mid-batch.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../../src/catalog/catalog.js';
import { createVectorIndex } from '../../src/clustering/create-vector-index.js';
import { loadIndex } from '../../src/clustering/suggestions.js';
import { createSingleWriter } from '../../src/ingest/single-writer.js';
import { createLogger } from '../../src/log.js';
import { createFsBlobStore } from '../../src/storage/fs-blob-store.js';
import { SYNTHETIC_MODELS, syntheticResults } from './synthetic-results.js';

const [target, photos, batch] = process.argv.slice(2) as [string, string, string];
const catalog: Catalog = target.startsWith('bolt://')
  ? await (await import('../../src/catalog/neo4j-catalog.js')).openNeo4jCatalog({ url: target, user: 'neo4j', password: process.env.NEO4J_PASSWORD! })
  : (await import('../../src/catalog/sqlite-catalog.js')).openSqliteCatalog(target);
const blobs = await createFsBlobStore(mkdtempSync(join(tmpdir(), 'facetag-synthetic-blobs-')));
const log = createLogger({ dir: null, level: 'silent', component: 'test' });
const index = await loadIndex(catalog, SYNTHETIC_MODELS.embedderId, () => createVectorIndex(64));
const writer = createSingleWriter({ catalog, blobs, log }, index, { maxDistance: 0.55, minFaces: 3, k: 16, minSeedQuality: 0.3 }, SYNTHETIC_MODELS, {
  maxPhotos: Number(batch), maxWaitMs: 60_000,
});
let written = 0;
const outcomes = await Promise.all(syntheticResults(Number(photos), { dimensions: 64 }).map(async (r) => {
  const o = await writer.write(r.photo, r.sha256, r.analysis);
  if (++written % Number(batch) === 0) process.stdout.write('batch\n');
  return o.kind;
}));
await writer.clusterWaiting();
process.stdout.write(`${JSON.stringify({ written: outcomes.filter((k) => k === 'written').length, unchanged: outcomes.filter((k) => k === 'unchanged').length })}\n`);
await catalog.close();
