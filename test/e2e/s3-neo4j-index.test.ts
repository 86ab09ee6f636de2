import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNeo4jCatalog } from '../../src/catalog/neo4j-catalog.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createS3BlobStore, ensureBuckets } from '../../src/storage/s3-blob-store.js';
import { clusterEnv, killStrays, startTracked, startWorker, stopWorker, until, type WorkerProcess } from '../helpers/cluster.js';
import { collect, json, runFacetag } from '../helpers/cli.js';
import { requireRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { requireNeo4j, startNeo4j, type Neo4jServer } from '../helpers/neo4j.js';
import { requireS3, s3Env, startS3, uniqueBucket, type S3Server } from '../helpers/s3.js';
import { requireShared, SHARED_FACES } from '../helpers/shared.js';

/**
 * The cluster stack's storage end to end: real photos uploaded to an `incoming` bucket of a real
 * S3 server (Ceph RGW), `facetag index --source s3://incoming` with the catalog on a real Neo4j:
 * faces and people in Neo4j, crops in the crops bucket, photos moved to the processed bucket.
 */
const suite = 'facetag index --source s3:// with the Neo4j catalog';
const available = requireS3(suite) && requireNeo4j(suite) && requireShared(SHARED_FACES, suite);

/** Real photos of two labelled people (../shared/faces), keyed as they are uploaded. */
export const REAL_PHOTOS: Record<string, { file: string; identity: string }> = {
  'jolie/a.jpg': { file: 'images/angelina_jolie/3.jpg', identity: 'jolie' },
  'jolie/b.jpg': { file: 'images/angelina_jolie/5.jpg', identity: 'jolie' },
  'jolie/c.jpg': { file: 'images/angelina_jolie/6.jpg', identity: 'jolie' },
  'powell/a.jpg': { file: 'images/colin_powell/1.jpg', identity: 'powell' },
  'powell/b.jpg': { file: 'images/colin_powell/2.jpg', identity: 'powell' },
  'powell/c.jpg': { file: 'images/colin_powell/3.jpg', identity: 'powell' },
};

interface Summary {
  photos: { seen: number; processed: number; skippedUnchanged: number; failed: number; unsettled: number };
  faces: number; people: number;
}
interface FaceRow { id: number; file: string; thumbKey: string; personId: number | null; box: { w: number; h: number } }

/** The person of the largest face of each photo of `identity` (the labelled one). */
export function labelledPeople(faces: FaceRow[], bucket: string, identity: string): Array<number | null> {
  return Object.entries(REAL_PHOTOS).filter(([, p]) => p.identity === identity).map(([key]) => {
    const own = faces.filter((f) => f.file === `s3://${bucket}/${key}`).sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h);
    return own[0]?.personId ?? null;
  });
}

describe.runIf(available)(suite, () => {
  let s3: S3Server;
  let neo4j: Neo4jServer;
  beforeAll(async () => {
    [s3, neo4j] = await Promise.all([startS3(), startNeo4j()]);
    console.log(`Ceph RGW started in ${s3.startMs} ms, Neo4j in ${neo4j.startMs} ms`);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([s3?.stop(), neo4j?.stop()]);
  });

  it('indexes real photos from incoming: faces and people in Neo4j, crops in the crops bucket, photos moved to processed', async () => {
    const buckets = { incoming: uniqueBucket('incoming'), processed: uniqueBucket('processed'), crops: uniqueBucket('face-crops') };
    const env = {
      ...s3Env(s3, buckets),
      FACETAG_CATALOG_DRIVER: 'neo4j', FACETAG_CATALOG_NEO4J_URL: neo4j.url, FACETAG_CATALOG_NEO4J_PASSWORD: neo4j.password,
      FACETAG_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'facetag-s3n4j-')), 'data'),
    };
    const settings = loadConfig({ env }).storage;
    await ensureBuckets(settings, Object.values(buckets));
    const store = (bucket: string): BlobStore => createS3BlobStore(settings, bucket);
    const [incoming, processed, crops] = [store(buckets.incoming), store(buckets.processed), store(buckets.crops)];
    try {
      for (const [key, p] of Object.entries(REAL_PHOTOS)) await incoming.put(key, readFileSync(join(SHARED_FACES, p.file)), 'image/jpeg');
      const run = await runFacetag(['index', '--source', `s3://${buckets.incoming}`, '--json'], { env });
      expect(run.code, run.stderr).toBe(0);
      const summary = json<Summary>(run);
      const n = Object.keys(REAL_PHOTOS).length;
      expect(summary.photos).toEqual({ seen: n, processed: n, skippedUnchanged: 0, failed: 0, unsettled: 0 });
      expect(summary.faces).toBeGreaterThanOrEqual(n);
      expect(summary.people).toBeGreaterThanOrEqual(2);

      // The catalog is the Neo4j server's: read it there, not through facetag.
      const catalog = await openNeo4jCatalog({ url: neo4j.url, user: neo4j.user, password: neo4j.password });
      try {
        expect(await catalog.run('MATCH (p:Photo) RETURN count(p) AS n')).toEqual([{ n }]);
        expect(await catalog.run('MATCH (f:Face)-[:IN]->(:Photo) RETURN count(f) AS n')).toEqual([{ n: summary.faces }]);
      } finally {
        await catalog.close();
      }

      const faces = json<FaceRow[]>(await runFacetag(['faces', 'list', '--json'], { env }));
      expect(faces).toHaveLength(summary.faces);
      for (const key of Object.keys(REAL_PHOTOS)) expect(faces.some((f) => f.file === `s3://${buckets.incoming}/${key}`)).toBe(true);
      // Each labelled person's photos in one person, and the two people apart.
      const jolie = labelledPeople(faces, buckets.incoming, 'jolie');
      const powell = labelledPeople(faces, buckets.incoming, 'powell');
      expect(new Set(jolie).size, `jolie ${jolie}`).toBe(1);
      expect(new Set(powell).size, `powell ${powell}`).toBe(1);
      expect(jolie[0]).not.toBeNull();
      expect(powell[0]).not.toBeNull();
      expect(jolie[0]).not.toBe(powell[0]);

      // Every crop in the crops bucket under the key the catalog holds, and a JPEG.
      expect((await crops.list('')).sort()).toEqual([...new Set(faces.map((f) => f.thumbKey))].sort());
      expect((await crops.get(faces[0]!.thumbKey))!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

      // Every photo moved to processed byte for byte; incoming is empty.
      expect(await incoming.list('')).toEqual([]);
      expect(await processed.list('')).toEqual(Object.keys(REAL_PHOTOS).sort());
      for (const [key, p] of Object.entries(REAL_PHOTOS)) expect((await processed.get(key))!.equals(readFileSync(join(SHARED_FACES, p.file)))).toBe(true);

      // A second run finds nothing to do and duplicates nothing.
      const again = json<Summary>(await runFacetag(['index', '--source', `s3://${buckets.incoming}`, '--json'], { env }));
      expect(again.photos.seen).toBe(0);
      expect(again.faces).toBe(summary.faces);
    } finally {
      for (const s of [incoming, processed, crops]) await s.close();
    }
  }, 300_000);

  describe.runIf(requireRedis('cluster mode with an s3:// source'))('cluster mode: a worker process and the management on a real Redis', () => {
    let redis: TestRedis;
    let worker: WorkerProcess;
    let workerData: string;
    const root = mkdtempSync(join(tmpdir(), 'facetag-s3cluster-'));
    /** Everything one machine of the cluster needs: the S3 server, Neo4j (the management only reads it), Redis. */
    const envFor = (buckets: { incoming: string; processed: string; crops: string }) => ({
      ...s3Env(s3, buckets),
      FACETAG_CATALOG_DRIVER: 'neo4j', FACETAG_CATALOG_NEO4J_URL: neo4j.url, FACETAG_CATALOG_NEO4J_PASSWORD: neo4j.password,
      ...clusterEnv(redis.url),
    });
    const buckets = { incoming: uniqueBucket('c-incoming'), processed: uniqueBucket('c-processed'), crops: uniqueBucket('c-crops') };
    beforeAll(async () => {
      redis = await startRedis();
      await ensureBuckets(loadConfig({ env: s3Env(s3) }).storage, Object.values(buckets));
      // The worker's own data folder (another machine): the thumbnails must not land there.
      workerData = join(root, 'worker');
      worker = startWorker(workerData, envFor(buckets));
      await worker.ready;
    }, 120_000);
    afterAll(async () => {
      if (worker) await stopWorker(worker);
      killStrays();
      await redis?.stop();
    });

    it('the management queues a bucket, the worker reads it and stores the crops in S3, the management writes Neo4j and moves each photo once', async () => {
      const env = { ...envFor(buckets), FACETAG_DATA_DIR: join(root, 'management') };
      const settings = loadConfig({ env }).storage;
      const [incoming, processed, crops] = [buckets.incoming, buckets.processed, buckets.crops].map((b) => createS3BlobStore(settings, b));
      try {
        for (const [key, p] of Object.entries(REAL_PHOTOS)) await incoming!.put(key, readFileSync(join(SHARED_FACES, p.file)), 'image/jpeg');
        // Identical content at a second key: one analysis, two photos.
        await incoming!.put('copies/jolie-a.jpg', readFileSync(join(SHARED_FACES, REAL_PHOTOS['jolie/a.jpg']!.file)), 'image/jpeg');
        await incoming!.put('broken.jpg', Buffer.from('this is not a JPEG at all'), 'image/jpeg');
        const keys = [...Object.keys(REAL_PHOTOS), 'copies/jolie-a.jpg'];

        const run = await runFacetag(['index', '--source', `s3://${buckets.incoming}`, '--json'], { env });
        expect(run.code, run.stderr).toBe(0);
        const summary = json<Summary & { failures: Array<{ file: string; code: string }> }>(run);
        expect(summary.photos).toEqual({ seen: keys.length + 1, processed: keys.length, skippedUnchanged: 0, failed: 1, unsettled: 0 });
        expect(summary.failures).toEqual([expect.objectContaining({ file: 'broken.jpg', code: 'PHOTO_UNSUPPORTED' })]);

        // Each photo exactly once in Neo4j; the copy has the same faces as its original.
        const catalog = await openNeo4jCatalog({ url: neo4j.url, user: neo4j.user, password: neo4j.password });
        let photos: Array<{ path: string; status: string; faceCount: number; sha256: string | null }>;
        try {
          photos = await catalog.listPhotos();
        } finally {
          await catalog.close();
        }
        const done = photos.filter((p) => p.path.startsWith(`s3://${buckets.incoming}/`) && p.status === 'done');
        expect(done.map((p) => p.path).sort()).toEqual(keys.map((k) => `s3://${buckets.incoming}/${k}`).sort());
        const byPath = new Map(done.map((p) => [p.path.slice(`s3://${buckets.incoming}/`.length), p]));
        expect(byPath.get('copies/jolie-a.jpg')!.sha256).toBe(byPath.get('jolie/a.jpg')!.sha256);
        expect(byPath.get('copies/jolie-a.jpg')!.faceCount).toBe(byPath.get('jolie/a.jpg')!.faceCount);
        expect(photos.filter((p) => p.path === `s3://${buckets.incoming}/broken.jpg`).map((p) => p.status)).toEqual(['failed']);

        // The worker analysed each distinct content once and stored its crops in the bucket, none on its disk.
        const log = readFileSync(join(workerData, 'logs', 'worker.log'), 'utf8');
        expect(log.split('\n').filter((l) => l.includes('"msg":"photo analysed"')).length).toBe(Object.keys(REAL_PHOTOS).length);
        expect(existsSync(join(workerData, 'blobs'))).toBe(false);
        const faces = json<FaceRow[]>(await runFacetag(['faces', 'list', '--json'], { env }));
        const ours = faces.filter((f) => f.file.startsWith(`s3://${buckets.incoming}/`));
        expect(ours.length).toBe(done.reduce((n, p) => n + p.faceCount, 0));
        expect((await crops!.list('')).sort()).toEqual([...new Set(ours.map((f) => f.thumbKey))].sort());
        const jolie = labelledPeople(ours, buckets.incoming, 'jolie');
        expect(new Set(jolie).size, `jolie ${jolie}`).toBe(1);
        expect(jolie[0]).not.toBeNull();

        // Moved once the catalog held them, byte for byte; the failed one stays.
        expect(await incoming!.list('')).toEqual(['broken.jpg']);
        expect((await processed!.list('')).sort()).toEqual([...keys].sort());
        for (const [key, p] of Object.entries(REAL_PHOTOS)) expect((await processed!.get(key))!.equals(readFileSync(join(SHARED_FACES, p.file)))).toBe(true);
      } finally {
        for (const s of [incoming, processed, crops]) await s!.close();
      }
    }, 300_000);

    it('a worker that would keep crops on its own disk refuses the jobs and exits naming the fix; a right worker then does them', async () => {
      const b = { incoming: uniqueBucket('m-incoming'), processed: uniqueBucket('m-processed'), crops: buckets.crops };
      // Its own queue prefix: the suite's worker does not see these jobs.
      const env = { ...envFor(b), FACETAG_QUEUE_PREFIX: 'mismatch', FACETAG_DATA_DIR: join(root, 'management') };
      const settings = loadConfig({ env }).storage;
      await ensureBuckets(settings, [b.incoming, b.processed]);
      const [incoming, processed] = [b.incoming, b.processed].map((x) => createS3BlobStore(settings, x));
      try {
        await incoming!.put('one.jpg', readFileSync(join(SHARED_FACES, REAL_PHOTOS['powell/b.jpg']!.file)), 'image/jpeg');
        const management = collect(startTracked(['index', '--source', `s3://${b.incoming}`, '--json'], env));
        const wrongData = join(root, 'wrong-worker');
        const wrong = startWorker(wrongData, { ...env, FACETAG_STORAGE_DRIVER: 'fs' });
        const refused = await wrong.done;
        expect(refused.code).toBe(78);
        expect(refused.stderr).toMatch(/stores face crops in its own data folder \(storage\.driver fs\) but the management reads them from s3:\/\/c-crops-[^ ]+; set the same storage\.driver/);
        expect(existsSync(join(wrongData, 'blobs'))).toBe(false);
        expect(await incoming!.list('')).toEqual(['one.jpg']);
        const right = startWorker(join(root, 'right-worker'), env);
        const r = await management;
        expect(r.code, r.stderr).toBe(0);
        expect(json<Summary>(r).photos).toMatchObject({ seen: 1, processed: 1, failed: 0 });
        await stopWorker(right);
        expect(await processed!.list('')).toEqual(['one.jpg']);
      } finally {
        for (const s of [incoming, processed]) await s!.close();
      }
    }, 180_000);

    it('--watch through the queue: a photo uploaded later is analysed by the worker and moved; SIGTERM stops it', async () => {
      const watched = { incoming: uniqueBucket('w-incoming'), processed: uniqueBucket('w-processed'), crops: buckets.crops };
      const env = { ...envFor(watched), FACETAG_DATA_DIR: join(root, 'management') };
      const settings = loadConfig({ env }).storage;
      await ensureBuckets(settings, [watched.incoming, watched.processed]);
      const [incoming, processed] = [watched.incoming, watched.processed].map((b) => createS3BlobStore(settings, b));
      try {
        const child = startTracked(['index', '--source', `s3://${watched.incoming}`, '--watch', '--interval-ms', '200', '--json'], env);
        const result = collect(child);
        await incoming!.put('later.jpg', readFileSync(join(SHARED_FACES, REAL_PHOTOS['powell/a.jpg']!.file)), 'image/jpeg');
        await until('the watched photo in processed', () => processed!.exists('later.jpg'), (v) => v, 120_000);
        child.kill('SIGTERM');
        const r = await result;
        expect(r.code, r.stderr).toBe(0);
        const runs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Summary);
        expect(runs.reduce((n, s) => n + s.photos.processed, 0)).toBe(1);
        expect(await incoming!.list('')).toEqual([]);
        const faces = json<FaceRow[]>(await runFacetag(['faces', 'list', '--json'], { env }));
        expect(faces.filter((f) => f.file === `s3://${watched.incoming}/later.jpg`).length).toBeGreaterThanOrEqual(1);
      } finally {
        for (const s of [incoming, processed]) await s!.close();
      }
    }, 180_000);
  });
});
