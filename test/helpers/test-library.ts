import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Catalog, NewFace } from '../../src/catalog/catalog.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { loadConfig, type ResolvedConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createAnalysisPool } from '../../src/vision/analysis-pool.js';
import { modelKeyOf } from '../../src/vision/model-key.js';
import { DEFAULT_MODELS, findModel } from '../../src/vision/model-manifest.js';
import { analyserOptions, createBlobStore } from '../../src/context.js';
import { authFile, catalogFile } from '../../src/data-folder.js';
import { embedderKey } from '../../src/clustering/cluster-params.js';
import { createServerApp } from '../../src/server/app.js';
import { openAuthStore } from '../../src/server/auth-store.js';

export const PASSWORD = 'correct horse battery staple';

/** The default embedder: the model the seeded faces claim, and its size. */
const EMBEDDER = findModel(DEFAULT_MODELS.embedder)!;
export const EMBEDDER_KEY = modelKeyOf(EMBEDDER);

/** A unit vector near direction `axis` (people are axes; noise keeps faces of one person close). */
export function embedding(axis: number, noise: number, seed: number, dims = EMBEDDER.dimensions!): Float32Array {
  const v = new Float32Array(dims);
  let s = seed * 9301 + 49297;
  for (let i = 0; i < dims; i++) {
    s = (s * 233280 + 49297) % 2147483647;
    v[i] = ((s / 2147483647) - 0.5) * noise;
  }
  v[axis % dims]! += 1;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/**
 * A data folder with a server app over it, for tests through `app.request()` (no port): real
 * SQLite catalog, real blob store (fs, or S3 from the env), real auth store; the analysis pool is real and started only
 * if a test draws a box or indexes.
 */
export async function makeTestServer(options: { env?: Record<string, string>; webRoot?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'facetag-server-'));
  const config: ResolvedConfig = loadConfig({
    cwd: root,
    env: { FACETAG_DATA_DIR: join(root, 'data'), FACETAG_SERVER_ADMIN_PASSWORD: PASSWORD, FACETAG_CLUSTER_MIN_SEED_QUALITY: '0', ...options.env },
  });
  const catalog = openSqliteCatalog(catalogFile(config));
  const blobs = await createBlobStore(config); // fs, or S3 when the env says FACETAG_STORAGE_DRIVER=s3
  const auth = openAuthStore(authFile(config));
  await auth.ensureAdminPassword(config.server.adminPassword);
  const log = createLogger({ dir: null, level: 'silent', component: 'test' });
  const webRoot = options.webRoot ?? join(root, 'web');
  const server = createServerApp({
    config, log, catalog, blobs, auth, webRoot, version: 'test',
    indexFolder: config.server.indexFolder ?? null,
    startAnalyser: () => createAnalysisPool(analyserOptions(config), 1),
  });
  return {
    root, config, catalog, blobs, auth, server, app: server.app,
    async close() {
      await server.close();
      auth.close();
      await blobs.close();
      await catalog.close();
    },
  };
}

/** Writes a real JPEG of `w` x `h` to `path`. */
export async function writePhoto(path: string, w = 800, h = 600, colour = '#7a8') {
  await sharp({ create: { width: w, height: h, channels: 3, background: colour } }).jpeg().toFile(path);
}

/**
 * A small library: `people` people of `facesEach` faces, one photo per face (files on disk),
 * plus group photos of person 0 with each other person, and unassigned faces.
 */
export async function seedLibrary(catalog: Catalog, blobs: BlobStore, dir: string, options: { people?: number; facesEach?: number; unassigned?: number } = {}) {
  const { people = 3, facesEach = 4, unassigned = 2 } = options;
  mkdirSync(dir, { recursive: true });
  const thumb = await sharp({ create: { width: 160, height: 160, channels: 3, background: '#c96' } }).jpeg().toBuffer();
  let n = 0;
  const face = async (axis: number, x: number): Promise<NewFace> => {
    const key = `faces/te/test-${n}.jpg`;
    await blobs.put(key, thumb, 'image/jpeg');
    return {
      box: { x, y: 100, w: 120, h: 150 }, landmarks: [[x + 30, 150], [x + 90, 150], [x + 60, 190], [x + 35, 220], [x + 85, 220]],
      detScore: 0.95, quality: 0.5 + (n % 5) / 10, embedding: embedding(axis, 0.02, n++), model: EMBEDDER_KEY, thumbKey: key,
    };
  };
  const photoFile = async (name: string) => {
    const path = join(dir, name);
    await writePhoto(path);
    return path;
  };
  const ids: number[] = [];
  const faceIds: number[][] = [];
  for (let p = 0; p < people; p++) {
    const mine: number[] = [];
    for (let i = 0; i < facesEach; i++) {
      const saved = await catalog.savePhoto({
        path: await photoFile(`p${p}-${i}.jpg`), sha256: `sha-p${p}-${i}`, size: 1, mtimeMs: 1, width: 800, height: 600,
        takenAt: `2024-0${1 + (i % 9)}-1${p}T10:00:00`, gps: null, model: 'm', faces: [await face(p, 50)],
      });
      mine.push(saved.faceIds[0]!);
    }
    // Created after its photos: saving a photo prunes unnamed people that have no face.
    const pid = await catalog.createPerson(p === 0 ? 'Ann Example' : p === 1 ? 'Bob Example' : null);
    ids.push(pid);
    await catalog.assign(mine.map((faceId, i) => ({ faceId, personId: pid, source: 'auto', distance: i === 0 ? 0.5 : 0.1 })));
    faceIds.push(mine);
  }
  const groups: number[] = [];
  for (let p = 1; p < people; p++) {
    const saved = await catalog.savePhoto({
      path: await photoFile(`group-${p}.jpg`), sha256: `sha-g${p}`, size: 1, mtimeMs: 1, width: 800, height: 600,
      takenAt: `2024-06-0${p}T12:00:00`, gps: null, model: 'm', faces: [await face(0, 50), await face(p, 400)],
    });
    await catalog.assign([
      { faceId: saved.faceIds[0]!, personId: ids[0]!, source: 'confirmed', distance: null },
      { faceId: saved.faceIds[1]!, personId: ids[p]!, source: 'confirmed', distance: null },
    ]);
    groups.push(saved.photoId);
  }
  const loose: number[] = [];
  for (let i = 0; i < unassigned; i++) {
    const saved = await catalog.savePhoto({
      path: await photoFile(`loose-${i}.jpg`), sha256: `sha-l${i}`, size: 1, mtimeMs: 1, width: 800, height: 600,
      takenAt: null, gps: null, model: 'm', faces: [await face(i % people, 50)],
    });
    loose.push(saved.faceIds[0]!);
  }
  return { people: ids, faceIds, groups, loose };
}

/**
 * A library for the review queue, in the configured embedder's own space (its dimensions, and
 * distances as multiples of its clustering threshold): person B with two close unassigned faces
 * (a clean group); person A with two close faces, one a little beyond the threshold and one close
 * but too poor to start a person (a mixed group); and J, a person made of poor detections (a
 * wall), with five close poor faces (probable non-faces). Every face in a photo of its own.
 */
export async function seedReviewLibrary(catalog: Catalog, blobs: BlobStore, dir: string, config: ResolvedConfig) {
  const { maxDistance, minSeedQuality } = config.cluster;
  const model = embedderKey(config);
  const dims = findModel(config.vision.embedder)?.dimensions ?? 512;
  mkdirSync(dir, { recursive: true });
  let n = 0;
  /** A unit vector at cosine distance `d` from axis `axis`, bent towards an axis of its own. */
  const near = (axis: number, d: number) => {
    const v = new Float32Array(dims);
    v[axis] = 1 - d;
    v[16 + (n % (dims - 16))] = Math.sqrt(1 - (1 - d) ** 2);
    return v;
  };
  const add = async (axis: number, d: number, quality: number, colour: string) => {
    const key = `faces/rv/review-${n}.jpg`;
    await blobs.put(key, await sharp({ create: { width: 160, height: 160, channels: 3, background: colour } }).jpeg().toBuffer(), 'image/jpeg');
    const path = join(dir, `r${n}.jpg`);
    await writePhoto(path, 640, 480, colour);
    const saved = await catalog.savePhoto({
      path, sha256: `sha-review-${n}`, size: 1, mtimeMs: 1, width: 640, height: 480, takenAt: null, gps: null, model: 'review',
      faces: [{ box: { x: 100, y: 100, w: 120, h: 150 }, landmarks: [[130, 150], [190, 150], [160, 190], [135, 220], [185, 220]], detScore: 0.9, quality, embedding: near(axis, d), model, thumbKey: key }],
    });
    n++;
    return saved.faceIds[0]!;
  };
  const good = 0.9;
  const poor = minSeedQuality / 2;
  const person = async (axis: number, quality: number, colour: string) => {
    const faces = [await add(axis, 0.01 * maxDistance, quality, colour), await add(axis, 0.02 * maxDistance, quality, colour), await add(axis, 0.03 * maxDistance, quality, colour)];
    const id = await catalog.createPerson();
    await catalog.assign(faces.map((faceId) => ({ faceId, personId: id, source: 'confirmed' as const, distance: null })));
    return id;
  };
  const b = await person(0, good, '#3a6');
  const a = await person(1, good, '#36a');
  const j = await person(2, poor, '#999');
  const clean = [await add(0, 0.4 * maxDistance, good, '#3a6'), await add(0, 0.5 * maxDistance, good, '#3a6')];
  const trusted = [await add(1, 0.4 * maxDistance, good, '#36a'), await add(1, 0.5 * maxDistance, good, '#36a')];
  const beyond = await add(1, 1.1 * maxDistance, good, '#36a');
  const poorNearA = await add(1, 0.4 * maxDistance, poor, '#36a');
  const junk: number[] = [];
  for (const d of [0.2, 0.25, 0.3, 0.35, 0.4]) junk.push(await add(2, d * maxDistance, poor, '#999'));
  return { maxDistance, people: { a, b, j }, clean, trusted, beyond, poorNearA, junk };
}

/** Writes a stand-in for the built dashboard. */
export function fakeWebBuild(dir: string) {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>facetag</title>');
  writeFileSync(join(dir, 'login.html'), '<!doctype html><title>log in</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not an asset');
  return dir;
}
