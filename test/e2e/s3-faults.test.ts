import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createS3BlobStore, ensureBuckets } from '../../src/storage/s3-blob-store.js';
import { collect, json, runFacetag, startFacetag } from '../helpers/cli.js';
import { isCopy, isListing, isObjectGet, startFaultProxy } from '../helpers/fault-proxy.js';
import { fixture } from '../helpers/photos.js';
import { requireS3, s3Env, startS3, uniqueBucket, type S3Server } from '../helpers/s3.js';

interface Summary {
  photos: { seen: number; processed: number; skippedUnchanged: number; failed: number; unsettled: number };
  faces: number;
  failures: Array<{ file: string; code: string; message: string }>;
}

const available = requireS3('S3 fault tests (Ceph RGW behind a fault-injecting proxy)');

describe.runIf(available)('S3 faults: errors, dropped connections, a stopped server (Ceph RGW)', () => {
  let s3: S3Server;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  beforeAll(async () => {
    s3 = await startS3();
    console.log(`Ceph RGW started in ${s3.startMs} ms`);
    proxy = await startFaultProxy(s3.endpoint);
  }, 120_000);
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
  });

  /** Fresh buckets with `photos` uploaded straight to the server; facetag talks through the proxy. */
  async function world(photos: Record<string, string>) {
    const buckets = { incoming: uniqueBucket('in'), processed: uniqueBucket('done'), crops: uniqueBucket('crops') };
    const direct = loadConfig({ env: s3Env(s3, buckets) }).storage;
    await ensureBuckets(direct, Object.values(buckets));
    const incoming = createS3BlobStore(direct, buckets.incoming);
    const processed = createS3BlobStore(direct, buckets.processed);
    for (const [key, file] of Object.entries(photos)) await incoming.put(key, readFileSync(fixture(file)), 'image/jpeg');
    const env = {
      ...s3Env({ ...s3, endpoint: proxy.endpoint }, buckets),
      FACETAG_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'facetag-s3faults-')), 'data'),
    };
    const index = async (extra: Record<string, string> = {}) => runFacetag(['index', '--source', `s3://${buckets.incoming}`, '--json'], { env: { ...env, ...extra } });
    return { buckets, env, incoming, processed, index, async close() { await incoming.close(); await processed.close(); } };
  }
  const three = { 'a.jpg': 'astronaut.jpg', 'b.jpg': 'astronaut-rotated.jpg', 'c.png': 'cameraman.png' };

  it('retries 500s, 503s and dropped connections, and loses nothing', async () => {
    const w = await world(three);
    proxy.rules.length = 0;
    proxy.seen.length = 0;
    proxy.rules.push(
      { match: isListing, fault: 500, times: 1 },
      { match: isObjectGet, fault: 503, times: 2 },
      { match: isObjectGet, fault: 'reset', times: 1 },
      { match: isCopy, fault: 'reset', times: 1 },
      { match: isCopy, fault: 503, times: 1 },
    );
    const result = await w.index();
    expect(result.code, result.stderr).toBe(0);
    const summary = json<Summary>(result);
    expect(summary.photos).toEqual({ seen: 3, processed: 3, skippedUnchanged: 0, failed: 0, unsettled: 0 });
    expect(proxy.faults().length).toBe(6);
    expect(proxy.rules.every((r) => r.times === 0)).toBe(true);
    expect(await w.incoming.list('')).toEqual([]);
    expect(await w.processed.list('')).toEqual(['a.jpg', 'b.jpg', 'c.png']);
    await w.close();
  }, 120_000);

  it('a photo whose move keeps failing stays indexed and in the bucket; the next run moves it, with no duplicate', async () => {
    const w = await world({ 'a.jpg': 'astronaut.jpg' });
    proxy.rules.length = 0;
    proxy.rules.push({ match: isCopy, fault: 503, times: 1000 });
    const first = json<Summary>(await w.index({ FACETAG_STORAGE_S3_MAX_ATTEMPTS: '2' }));
    expect(first.photos).toEqual({ seen: 1, processed: 1, skippedUnchanged: 0, failed: 0, unsettled: 1 });
    expect(first.faces).toBe(1);
    expect(await w.incoming.list('')).toEqual(['a.jpg']);
    expect(await w.processed.list('')).toEqual([]);
    proxy.rules.length = 0;
    const second = json<Summary>(await w.index());
    expect(second.photos).toEqual({ seen: 1, processed: 0, skippedUnchanged: 1, failed: 0, unsettled: 0 });
    expect(second.faces).toBe(1);
    expect(await w.incoming.list('')).toEqual([]);
    expect(await w.processed.list('')).toEqual(['a.jpg']);
    await w.close();
  }, 120_000);

  it('reads that keep failing are recorded with a clear code, stay in the bucket and succeed on the next run', async () => {
    const w = await world(three);
    proxy.rules.length = 0;
    proxy.rules.push({ match: (r) => isObjectGet(r) && r.url.includes('/b.jpg'), fault: 'reset', times: 1000 });
    const first = json<Summary>(await w.index({ FACETAG_STORAGE_S3_MAX_ATTEMPTS: '2' }));
    expect(first.photos).toMatchObject({ seen: 3, processed: 2, failed: 1 });
    expect(first.failures).toEqual([expect.objectContaining({ file: 'b.jpg', code: 'S3_UNAVAILABLE' })]);
    expect(first.failures[0]!.message).toMatch(/S3 server .* failed reading a photo.*check that it is running/);
    expect(await w.incoming.list('')).toEqual(['b.jpg']);
    proxy.rules.length = 0;
    const second = json<Summary>(await w.index());
    expect(second.photos).toEqual({ seen: 1, processed: 1, skippedUnchanged: 0, failed: 0, unsettled: 0 });
    expect(await w.processed.list('')).toEqual(['a.jpg', 'b.jpg', 'c.png']);
    await w.close();
  }, 120_000);

  it('a run killed (SIGKILL) mid-way, run again: every photo indexed once and moved, none lost or duplicated', async () => {
    // Enough photos that the kill lands mid-way on a loaded machine too (two in flight, results written in batches).
    const count = 24;
    const photos = Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${String(i).padStart(2, '0')}.jpg`, i % 2 ? 'astronaut-rotated.jpg' : 'astronaut.jpg']));
    const w = await world(photos);
    proxy.rules.length = 0;
    const child = startFacetag(['index', '--source', `s3://${w.buckets.incoming}`, '--json', '--concurrency', '1'], { env: w.env });
    const done = collect(child);
    for (let i = 0; i < 600 && (await w.processed.list('')).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const movedBefore = (await w.processed.list('')).length;
    expect(movedBefore).toBeGreaterThanOrEqual(2);
    expect(movedBefore).toBeLessThan(count);
    // A photo copied but not yet deleted when the kill came is in both buckets: the rerun finishes its move.
    const left = (await w.incoming.list('')).length;
    expect(left).toBeGreaterThanOrEqual(count - movedBefore);
    const again = json<Summary>(await w.index());
    expect(again.photos.failed).toBe(0);
    expect(again.photos.seen).toBe(left);
    expect(await w.incoming.list('')).toEqual([]);
    expect(await w.processed.list('')).toEqual(Object.keys(photos).sort());
    const faces = json<Array<{ file: string }>>(await runFacetag(['faces', 'list', '--json'], { env: w.env }));
    expect(faces.map((f) => f.file).sort()).toEqual(Object.keys(photos).map((k) => `s3://${w.buckets.incoming}/${k}`).sort());
    await w.close();
  }, 180_000);

  it('with the server stopped: a clear error; a watcher waits and resumes when it is back', async () => {
    const w = await world(three);
    proxy.rules.length = 0;
    await s3.stopGateway();
    try {
      const down = await w.index({ FACETAG_STORAGE_S3_MAX_ATTEMPTS: '2' });
      expect(down.code).toBe(69);
      expect(down.stderr).toMatch(/S3 server http:\/\/127\.0\.0\.1:\d+ failed listing photos in bucket "in-[^"]+".*check that it is running and reachable \(storage\.s3Endpoint\)/);

      const watcher = startFacetag(['index', '--source', `s3://${w.buckets.incoming}`, '--watch', '--interval-ms', '300', '--json'], { env: { ...w.env, FACETAG_STORAGE_S3_MAX_ATTEMPTS: '1' } });
      const done = collect(watcher);
      let stderr = '';
      watcher.stderr!.on('data', (d) => (stderr += d));
      for (let i = 0; i < 300 && !/trying again/.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toMatch(/S3_UNAVAILABLE.*trying again in 300 ms/);
      await s3.restartGateway();
      for (let i = 0; i < 600 && (await w.processed.list('')).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      watcher.kill('SIGINT');
      const result = await done;
      expect(result.code, result.stderr).toBe(0);
      expect(await w.processed.list('')).toEqual(['a.jpg', 'b.jpg', 'c.png']);
      expect(await w.incoming.list('')).toEqual([]);
      const runs = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Summary);
      expect(runs.reduce((n, r) => n + r.photos.processed, 0)).toBe(3);
    } finally {
      await s3.restartGateway().catch(() => undefined);
    }
    await w.close();
  }, 180_000);
});
