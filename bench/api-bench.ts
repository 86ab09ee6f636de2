// API latency on a synthetic library: `npm run bench:api [-- --faces 100000 --requests 200 --keep DIR]`.
//
// Builds a catalog of N faces through the real catalog port (photos of 1-4 faces of distinct
// people, 90% of faces in a person, half the people named), starts the real server app on a
// port of 127.0.0.1, logs in as the dashboard does, and times the requests the People grid
// and a person page make: sequential requests over keep-alive, p50/p95/max in milliseconds.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import type { Assignment, PhotoResult } from '../src/catalog/catalog.js';
import { openSqliteCatalog } from '../src/catalog/sqlite-catalog.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/log.js';
import { createServerApp } from '../src/server/app.js';
import { openAuthStore } from '../src/server/auth-store.js';
import { createFsBlobStore } from '../src/storage/fs-blob-store.js';
import { seededRandom } from '../src/clustering/seeded-random.js';
import { syntheticFaces } from './synthetic-faces.js';

const { values } = parseArgs({ options: { faces: { type: 'string' }, requests: { type: 'string' }, keep: { type: 'string' } } });
const FACES = Number(values.faces ?? 100_000);
const REQUESTS = Number(values.requests ?? 200);
const PASSWORD = 'benchmark password';

const root = values.keep ?? mkdtempSync(join(tmpdir(), 'facetag-api-bench-'));
mkdirSync(root, { recursive: true });
const config = loadConfig({ cwd: root, env: { FACETAG_DATA_DIR: join(root, 'data'), FACETAG_SERVER_ADMIN_PASSWORD: PASSWORD } });
const catalog = openSqliteCatalog(join(config.data.dir, 'catalog.sqlite'));
const blobs = createFsBlobStore(join(config.data.dir, 'blobs'));
const embedder = 'faceplugin-r512@1.0';

const existing = (await catalog.counts()).faces;
if (existing < FACES) {
  const t0 = performance.now();
  const lib = syntheticFaces(FACES, { seed: 7 });
  const random = seededRandom(11);
  // Photos of 1-4 faces of distinct identities, in library order.
  const photos: number[][] = [];
  let i = 0;
  while (i < FACES) {
    const want = 1 + Math.floor(random() ** 2 * 4);
    const faces: number[] = [];
    const seen = new Set<number>();
    while (faces.length < want && i < FACES) {
      if (seen.has(lib.identity[i]!)) break;
      seen.add(lib.identity[i]!);
      faces.push(i++);
    }
    photos.push(faces);
  }
  const faceId = new Int32Array(FACES);
  for (let p = 0; p < photos.length; p++) {
    const day = new Date(Date.UTC(2015, 0, 1) + Math.floor(random() * 3650) * 86_400_000).toISOString().slice(0, 19);
    const result: PhotoResult = {
      path: `/synthetic/${p}.jpg`, sha256: `s${p}`, size: 1, mtimeMs: 1, width: 4000, height: 3000, takenAt: day, gps: null, model: `det@1+${embedder}`,
      faces: photos[p]!.map((f, k) => ({
        box: { x: 100 + k * 900, y: 800, w: 400, h: 500 }, landmarks: [], detScore: 0.9, quality: 0.3 + random() * 0.7,
        embedding: Float32Array.from(lib.vector(f)), model: embedder, thumbKey: null,
      })),
    };
    const saved = await catalog.savePhoto(result);
    photos[p]!.forEach((f, k) => (faceId[f] = saved.faceIds[k]!));
  }
  const t1 = performance.now();
  // One person per identity; 10% of faces left unassigned; half the people named.
  const personOf = new Map<number, number>();
  const assignments: Assignment[] = [];
  for (let f = 0; f < FACES; f++) {
    if (random() < 0.1) continue;
    const identity = lib.identity[f]!;
    let person = personOf.get(identity);
    if (person === undefined) {
      person = await catalog.createPerson(random() < 0.5 ? `Person ${identity} ${['Smith', 'Jones', 'Garcia', 'Chen', 'Okafor'][identity % 5]}` : null);
      personOf.set(identity, person);
    }
    assignments.push({ faceId: faceId[f]!, personId: person, source: random() < 0.2 ? 'confirmed' : 'auto', distance: random() * 0.5 });
    if (assignments.length === 20_000) await catalog.assign(assignments.splice(0));
  }
  await catalog.assign(assignments);
  console.log(`built ${FACES} faces in ${photos.length} photos, ${personOf.size} people: insert ${((t1 - t0) / 1000).toFixed(1)} s, assign ${((performance.now() - t1) / 1000).toFixed(1)} s (${root})`);
}

const auth = openAuthStore(join(config.data.dir, 'auth.sqlite'));
await auth.ensureAdminPassword(PASSWORD);
const server = createServerApp({
  config, catalog, blobs, auth, log: createLogger({ dir: null, level: 'silent', component: 'bench' }), webRoot: join(root, 'web'),
  version: 'bench', indexFolder: null, startAnalyser: () => Promise.reject(new Error('no analysis in this benchmark')),
});
const http = serve({ fetch: server.app.fetch, hostname: '127.0.0.1', port: 0 });
await new Promise((r) => http.once('listening', r));
const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
const login = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
const get = async (path: string) => {
  const res = await fetch(`${base}${path}`, { headers: { Cookie: cookie } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
};

const counts = await catalog.counts();
const everyone = (await get('/api/people?limit=200&hidden=include')).items as Array<{ id: number; faceCount: number }>;
const total = (await get('/api/people?limit=1')).total as number;
const random = seededRandom(3);
const somePerson = async () => {
  const page = await get(`/api/people?limit=1&offset=${Math.floor(random() * total)}`);
  return page.items[0].id as number;
};
const ids: number[] = [everyone[0]!.id];
while (ids.length < REQUESTS) ids.push(await somePerson());

async function time(label: string, paths: () => string[]) {
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) await Promise.all(paths().map(get)); // warm-up
  for (let i = 0; i < REQUESTS; i++) {
    const list = paths();
    const t = performance.now();
    await Promise.all(list.map(get));
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1);
  console.log(`${label.padEnd(46)} p50 ${q(0.5).padStart(6)}  p95 ${q(0.95).padStart(6)}  max ${ms[ms.length - 1]!.toFixed(1).padStart(6)} ms`);
}

console.log(`\nlibrary: ${counts.faces} faces, ${counts.photos} photos, ${total} people, ${counts.unassigned} unassigned; ${REQUESTS} requests each, over HTTP on 127.0.0.1`);
let n = 0;
const next = () => ids[n++ % ids.length]!;
await time('people list (most faces, 60)', () => ['/api/people?limit=60']);
await time('people list, page 20 by name, unnamed first', () => ['/api/people?limit=60&offset=1140&sort=name&unnamedFirst=true']);
await time('people search "smith"', () => ['/api/people?limit=60&search=smith']);
await time('person', () => [`/api/people/${next()}`]);
await time('person faces (120)', () => [`/api/people/${next()}/faces?limit=120`]);
await time('person photos (60)', () => [`/api/people/${next()}/photos?limit=60`]);
await time('person co-occurrences', () => [`/api/people/${next()}/co-occurrences`]);
await time('person page (person + faces, in parallel)', () => {
  const id = next();
  return [`/api/people/${id}`, `/api/people/${id}/faces?limit=120`];
});
await time('largest person page (person + faces)', () => [`/api/people/${everyone[0]!.id}`, `/api/people/${everyone[0]!.id}/faces?limit=120`]);
await time('photos of two people (all)', () => [`/api/photos?people=${everyone[0]!.id},${everyone[1]!.id}&mode=any&limit=60`]);

await new Promise<void>((r) => http.close(() => r()));
await server.close();
auth.close();
await catalog.close();
