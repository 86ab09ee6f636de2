import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createS3BlobStore, ensureBuckets } from '../../src/storage/s3-blob-store.js';
import { collect, json, runFacetag, startFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';
import { requireS3, s3Env, startS3, uniqueBucket, type S3Server } from '../helpers/s3.js';

/**
 * The catalog the run writes to. The SQLite default here; a cluster catalog (Neo4j) runs the same
 * suite by adding its FACETAG_* environment (its server started by its own helper). The Neo4j
 * run of the cluster stack, kept short (one Neo4j and one RGW start), is
 * test/e2e/s3-neo4j-index.test.ts: real photos, Neo4j, and the same through the queue.
 */
export const catalogDrivers: Array<{ name: string; env: () => Promise<Record<string, string>>; stop?: () => Promise<void> }> = [
  { name: 'sqlite', env: async () => ({}) },
];

interface Summary {
  photos: { seen: number; processed: number; skippedUnchanged: number; failed: number; unsettled: number };
  faces: number; people: number;
  failures: Array<{ file: string; code: string; message: string }>;
}

const available = requireS3('facetag index --source s3:// (Ceph RGW)');

describe.runIf(available)('facetag index --source s3:// against a real S3 server (Ceph RGW)', () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3();
    console.log(`Ceph RGW started in ${s3.startMs} ms`);
  }, 120_000);
  afterAll(async () => s3?.stop());

  /** Fresh buckets, the env pointing facetag at them, and stores to look into them. */
  async function world(catalogEnv: Record<string, string>) {
    const buckets = { incoming: uniqueBucket('incoming'), processed: uniqueBucket('processed'), crops: uniqueBucket('crops') };
    const env = { ...s3Env(s3, buckets), ...catalogEnv, FACETAG_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'facetag-s3e2e-')), 'data') };
    const settings = loadConfig({ env }).storage;
    await ensureBuckets(settings, Object.values(buckets));
    const store = (bucket: string): BlobStore => createS3BlobStore(settings, bucket);
    return { buckets, env, settings, incoming: store(buckets.incoming), processed: store(buckets.processed), crops: store(buckets.crops) };
  }

  it('storage init creates the missing buckets, and names the fix for bad credentials', async () => {
    const buckets = { incoming: uniqueBucket('init-in'), processed: uniqueBucket('init-done'), crops: uniqueBucket('init-crops') };
    const env = { ...s3Env(s3, buckets), FACETAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'facetag-s3init-')) };
    const first = json<{ created: string[] }>(await runFacetag(['storage', 'init', '--json'], { env }));
    expect(first.created).toEqual([buckets.incoming, buckets.processed, buckets.crops]);
    expect(json<{ created: string[] }>(await runFacetag(['storage', 'init', '--json'], { env })).created).toEqual([]);
    const bad = await runFacetag(['index', '--source', `s3://${buckets.incoming}`], { env: { ...env, FACETAG_STORAGE_S3_SECRET_ACCESS_KEY: 'wrong-secret-wrong-secret-wrong-secret-00' } });
    expect(bad.code).toBe(77);
    expect(bad.stderr).toMatch(/refused listing photos in bucket "init-in-[^"]+" \(SignatureDoesNotMatch\); check storage\.s3AccessKeyId and storage\.s3SecretAccessKey/);
    const none = await runFacetag(['index', '--source', `s3://${buckets.incoming}`], { env: { ...env, FACETAG_STORAGE_S3_ACCESS_KEY_ID: '' } });
    expect(none.code).toBe(78);
    expect(none.stderr).toMatch(/storage\.s3AccessKeyId \(env FACETAG_STORAGE_S3_ACCESS_KEY_ID\) is empty/);
    const missing = await runFacetag(['index', '--source', 's3://no-such-bucket-anywhere'], { env });
    expect(missing.stderr).toMatch(/bucket "no-such-bucket-anywhere" does not exist/);
  }, 60_000);

  it('storage init with expireProcessedDays sets a lifecycle rule that the server applies (RGW test clock: a day is 10 s)', async () => {
    const buckets = { incoming: uniqueBucket('lc-in'), processed: uniqueBucket('lc-done'), crops: uniqueBucket('lc-crops') };
    const env = { ...s3Env(s3, buckets), FACETAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'facetag-s3lc-')), FACETAG_STORAGE_EXPIRE_PROCESSED_DAYS: '1' };
    const init = json<{ expireProcessedDays: number }>(await runFacetag(['storage', 'init', '--json'], { env }));
    expect(init.expireProcessedDays).toBe(1);
    const settings = loadConfig({ env }).storage;
    const processed = createS3BlobStore(settings, buckets.processed);
    const incoming = createS3BlobStore(settings, buckets.incoming);
    await processed.put('old.jpg', readFileSync(fixture('astronaut.jpg')), 'image/jpeg');
    await incoming.put('new.jpg', readFileSync(fixture('astronaut.jpg')), 'image/jpeg');
    for (let i = 0; i < 120 && (await processed.exists('old.jpg')); i++) await new Promise((r) => setTimeout(r, 500));
    expect(await processed.exists('old.jpg')).toBe(false);
    expect(await incoming.exists('new.jpg')).toBe(true);
    await processed.close();
    await incoming.close();
  }, 90_000);

  describe.each(catalogDrivers)('catalog: $name', (driver) => {
    let w: Awaited<ReturnType<typeof world>>;
    let first: Summary;
    const uploads: Record<string, string> = {
      '2024/astronaut.jpg': 'astronaut.jpg',
      '2024/july/astronaut-rotated.jpg': 'astronaut-rotated.jpg',
      'phone/astronaut.heic': 'astronaut.heic',
      'cameraman.png': 'cameraman.png',
    };

    beforeAll(async () => {
      w = await world(await driver.env());
      for (const [key, file] of Object.entries(uploads)) await w.incoming.put(key, readFileSync(fixture(file)), 'image/jpeg');
      await w.incoming.put('broken.jpg', Buffer.from('this is not a JPEG at all'), 'image/jpeg');
      await w.incoming.put('notes.txt', Buffer.from('not a photo'), 'text/plain');
      const result = await runFacetag(['index', '--source', `s3://${w.buckets.incoming}`, '--json'], { env: w.env });
      expect(result.code, result.stderr).toBe(0);
      first = json<Summary>(result);
    }, 180_000);
    afterAll(async () => {
      for (const s of [w?.incoming, w?.processed, w?.crops]) await s?.close();
      await driver.stop?.();
    });

    it('indexes the photos of the bucket and reports the broken one by its key', () => {
      expect(first.photos).toEqual({ seen: 5, processed: 4, skippedUnchanged: 0, failed: 1, unsettled: 0 });
      expect(first.failures).toEqual([expect.objectContaining({ file: 'broken.jpg', code: 'PHOTO_UNSUPPORTED' })]);
      expect(first.faces).toBeGreaterThanOrEqual(3);
      expect(first.people).toBeGreaterThanOrEqual(1);
    });

    it('stores every face crop in the crops bucket, under the key the catalog holds', async () => {
      const faces = json<Array<{ file: string; thumbKey: string; personId: number | null }>>(await runFacetag(['faces', 'list', '--json'], { env: w.env }));
      expect(faces.length).toBe(first.faces);
      const astronaut = faces.filter((f) => f.file.includes('astronaut'));
      expect(astronaut.map((f) => f.file).sort()).toEqual(
        ['2024/astronaut.jpg', '2024/july/astronaut-rotated.jpg', 'phone/astronaut.heic'].map((k) => `s3://${w.buckets.incoming}/${k}`),
      );
      // One person: the same face in three encodings.
      expect(new Set(astronaut.map((f) => f.personId)).size).toBe(1);
      expect(astronaut[0]!.personId).not.toBeNull();
      const crops = await w.crops.list('');
      expect(crops.sort()).toEqual(faces.map((f) => f.thumbKey).sort());
      const crop = await w.crops.get(faces[0]!.thumbKey);
      expect(crop!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // a JPEG
    });

    it('moves the indexed photos to the processed bucket byte for byte, and leaves the failed one and non-photos', async () => {
      expect(await w.incoming.list('')).toEqual(['broken.jpg', 'notes.txt']);
      expect(await w.processed.list('')).toEqual(Object.keys(uploads).sort());
      for (const [key, file] of Object.entries(uploads)) expect((await w.processed.get(key))!.equals(readFileSync(fixture(file)))).toBe(true);
      const failed = json<Array<{ path: string; errorCode: string }>>(await runFacetag(['photos', 'list', '--failed', '--json'], { env: w.env }));
      expect(failed.map((p) => [p.path, p.errorCode])).toEqual([[`s3://${w.buckets.incoming}/broken.jpg`, 'PHOTO_UNSUPPORTED']]);
    });

    it('a second run tries the failed photo again and duplicates nothing', async () => {
      const again = json<Summary>(await runFacetag(['index', '--source', `s3://${w.buckets.incoming}`, '--json'], { env: w.env }));
      expect(again.photos).toEqual({ seen: 1, processed: 0, skippedUnchanged: 0, failed: 1, unsettled: 0 });
      expect(again.faces).toBe(first.faces);
      expect(await w.incoming.list('')).toEqual(['broken.jpg', 'notes.txt']);
    }, 60_000);

    it('reads a prefix only, and copies (not moves) with processedAction copy', async () => {
      await w.incoming.put('2025/a/astronaut.jpg', readFileSync(fixture('astronaut.jpg')), 'image/jpeg');
      await w.incoming.put('2026/astronaut.jpg', readFileSync(fixture('astronaut.jpg')), 'image/jpeg');
      const r = json<Summary>(await runFacetag(['index', '--source', `s3://${w.buckets.incoming}/2025/`, '--json'], { env: { ...w.env, FACETAG_STORAGE_PROCESSED_ACTION: 'copy' } }));
      expect(r.photos).toMatchObject({ seen: 1, processed: 1, failed: 0 });
      expect(await w.incoming.list('')).toEqual(['2025/a/astronaut.jpg', '2026/astronaut.jpg', 'broken.jpg', 'notes.txt']);
      expect(await w.processed.exists('2025/a/astronaut.jpg')).toBe(true);
      expect(await w.processed.exists('2026/astronaut.jpg')).toBe(false);
    }, 60_000);

    it('deletes crops from the crops bucket at once: a dismissed face, a deleted person (CLI)', async () => {
      const faces = json<Array<{ id: number; thumbKey: string; personId: number | null }>>(await runFacetag(['faces', 'list', '--json'], { env: w.env }));
      // Crops are keyed by content: two copies of one photo share theirs, and it stays while a face uses it.
      const uses = (key: string, among: typeof faces) => among.some((f) => f.thumbKey === key);
      const victim = faces.find((f) => f.personId !== null && faces.filter((g) => g.thumbKey === f.thumbKey).length === 1)!;
      expect(victim).toBeDefined();
      expect((await runFacetag(['faces', 'dismiss', String(victim.id)], { env: w.env })).code).toBe(0);
      expect(await w.crops.exists(victim.thumbKey)).toBe(false);
      const afterDismiss = faces.filter((f) => f.id !== victim.id);
      for (const f of afterDismiss) expect(await w.crops.exists(f.thumbKey)).toBe(true);
      const personFaces = afterDismiss.filter((f) => f.personId === victim.personId);
      const left = afterDismiss.filter((f) => f.personId !== victim.personId);
      expect(personFaces.filter((f) => !uses(f.thumbKey, left)).length).toBeGreaterThan(0);
      const del = await runFacetag(['people', 'delete', String(victim.personId)], { env: w.env });
      expect(del.code, del.stderr).toBe(0);
      for (const f of personFaces) expect(await w.crops.exists(f.thumbKey)).toBe(uses(f.thumbKey, left));
      for (const f of left) expect(await w.crops.exists(f.thumbKey)).toBe(true);
      expect((await w.crops.list('')).sort()).toEqual([...new Set(left.map((f) => f.thumbKey))].sort());
    }, 60_000);

    it('storage expire: keeps everything when unset; deletes only processed originals older than the setting', async () => {
      const before = await w.processed.list('');
      expect(before.length).toBeGreaterThan(0);
      const unset = await runFacetag(['storage', 'expire'], { env: w.env });
      expect(unset.stdout).toMatch(/not set: processed originals are kept forever/);
      const young = json<{ deleted: number; kept: number }>(await runFacetag(['storage', 'expire', '--json'], { env: { ...w.env, FACETAG_STORAGE_EXPIRE_PROCESSED_DAYS: '1' } }));
      expect(young).toMatchObject({ expireProcessedDays: 1, deleted: 0, kept: before.length });
      expect(await w.processed.list('')).toEqual(before);
      // Two days later (the clock is the only thing moved): all of them are over a day old.
      const { expireProcessed } = await import('../../src/storage/s3-expire.js');
      const incomingBefore = await w.incoming.list('');
      const cropsBefore = await w.crops.list('');
      expect(await expireProcessed(w.settings, 1, Date.now() + 2 * 86_400_000)).toEqual({ deleted: before.length, kept: 0 });
      expect(await w.processed.list('')).toEqual([]);
      expect(await w.incoming.list('')).toEqual(incomingBefore);
      expect(await w.crops.list('')).toEqual(cropsBefore);
    }, 60_000);

    it('storage upload puts a folder into the bucket; keys with spaces, accents and symbols are indexed and moved', async () => {
      const folder = join(mkdtempSync(join(tmpdir(), 'facetag-s3up-')), 'photos');
      mkdirSync(join(folder, 'Été 2024'), { recursive: true });
      copyFileSync(fixture('astronaut.jpg'), join(folder, 'Été 2024', 'IMG 001 (copy).jpg'));
      copyFileSync(fixture('astronaut-rotated.jpg'), join(folder, 'a+b&c=d #1.jpg'));
      writeFileSync(join(folder, 'readme.txt'), 'not a photo');
      const up = json<{ uploaded: number; prefix: string }>(await runFacetag(['storage', 'upload', folder, '--to', `s3://${w.buckets.incoming}/upload`, '--json'], { env: w.env }));
      expect(up).toMatchObject({ uploaded: 2, prefix: 'upload/' });
      const keys = ['upload/a+b&c=d #1.jpg', 'upload/Été 2024/IMG 001 (copy).jpg'];
      expect((await w.incoming.list('upload/')).sort()).toEqual([...keys].sort());
      const r = json<Summary>(await runFacetag(['index', '--source', `s3://${w.buckets.incoming}/upload/`, '--json'], { env: w.env }));
      expect(r.photos).toMatchObject({ seen: 2, processed: 2, failed: 0, unsettled: 0 });
      expect(await w.incoming.list('upload/')).toEqual([]);
      expect((await w.processed.list('upload/')).sort()).toEqual([...keys].sort());
      const faces = json<Array<{ file: string }>>(await runFacetag(['faces', 'list', '--json'], { env: w.env }));
      for (const k of keys) expect(faces.map((f) => f.file)).toContain(`s3://${w.buckets.incoming}/${k}`);
    }, 90_000);

    it('watches the bucket: photos uploaded later are indexed and moved; SIGTERM stops it cleanly', async () => {
      const { buckets, env } = await world(await driver.env()).then(async (fresh) => {
        await fresh.processed.close();
        return fresh;
      });
      const incoming = createS3BlobStore(loadConfig({ env }).storage, buckets.incoming);
      const processed = createS3BlobStore(loadConfig({ env }).storage, buckets.processed);
      const child = startFacetag(['index', '--source', `s3://${buckets.incoming}`, '--watch', '--interval-ms', '200', '--json'], { env });
      const done = collect(child);
      const waitFor = async (check: () => Promise<boolean>) => {
        for (let i = 0; i < 600; i++) {
          if (await check()) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('timed out waiting for the watcher');
      };
      await incoming.put('first.jpg', readFileSync(fixture('astronaut.jpg')), 'image/jpeg');
      await waitFor(() => processed.exists('first.jpg'));
      await incoming.put('later/second.png', readFileSync(fixture('cameraman.png')), 'image/png');
      await waitFor(() => processed.exists('later/second.png'));
      child.kill('SIGTERM');
      const result = await done;
      expect(result.code, result.stderr).toBe(0);
      const runs = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Summary);
      expect(runs.reduce((n, r) => n + r.photos.processed, 0)).toBe(2);
      expect(runs.every((r) => r.photos.failed === 0)).toBe(true);
      expect(await incoming.list('')).toEqual([]);
      await incoming.close();
      await processed.close();
    }, 120_000);
  });
});
