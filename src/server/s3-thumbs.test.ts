import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireS3, s3Env, startS3, uniqueBucket, type S3Server } from '../../test/helpers/s3.js';
import { loadConfig } from '../config/load-config.js';
import { createS3BlobStore, ensureBuckets } from '../storage/s3-blob-store.js';
import { makeTestServer, PASSWORD, seedLibrary } from '../../test/helpers/test-library.js';

const available = requireS3('dashboard thumbnails on S3 (Ceph RGW)');

describe.runIf(available)('dashboard with S3 storage (Ceph RGW): presigned thumbnails, crops deleted at once', () => {
  let s3: S3Server;
  let t: Awaited<ReturnType<typeof makeTestServer>>;
  let lib: Awaited<ReturnType<typeof seedLibrary>>;
  let cookie: string;
  let csrf: string;
  let env: Record<string, string>;
  const call = (method: string, path: string) => t.app.request(path, { method, headers: { Cookie: cookie, ...(method === 'GET' ? {} : { 'X-CSRF-Token': csrf }) } });

  beforeAll(async () => {
    s3 = await startS3();
    console.log(`Ceph RGW started in ${s3.startMs} ms`);
    env = s3Env(s3, { crops: uniqueBucket('crops'), incoming: uniqueBucket('in'), processed: uniqueBucket('done') });
    await ensureBuckets(loadConfig({ env }).storage, [env.FACETAG_STORAGE_CROPS_BUCKET!, env.FACETAG_STORAGE_INCOMING_BUCKET!, env.FACETAG_STORAGE_PROCESSED_BUCKET!]);
    t = await makeTestServer({ env });
    lib = await seedLibrary(t.catalog, t.blobs, join(mkdtempSync(join(tmpdir(), 'facetag-s3thumbs-')), 'photos'));
    const res = await t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await s3?.stop();
  });

  it('redirects a thumbnail to a presigned URL on the S3 server, which serves the stored crop', async () => {
    const faceId = lib.faceIds[0]![0]!;
    const res = await call('GET', `/api/faces/${faceId}/thumb`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).toBe(s3.endpoint);
    expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(location.searchParams.get('X-Amz-Expires'))).toBe(300);
    const served = await fetch(location);
    expect(served.status).toBe(200);
    const face = await t.catalog.getFace(faceId);
    const stored = await t.blobs.get(face!.thumbKey!);
    expect(Buffer.from(await served.arrayBuffer()).equals(stored!)).toBe(true);
    // The same URL within the signing window: the browser's cache works.
    expect((await call('GET', `/api/faces/${faceId}/thumb`)).headers.get('location')).toBe(location.href);
  });

  it('checks the session before redirecting', async () => {
    const res = await t.app.request(`/api/faces/${lib.faceIds[0]![0]}/thumb`);
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
  });

  it('makes other sizes itself from the crop read from S3', async () => {
    const res = await call('GET', `/api/faces/${lib.faceIds[0]![1]}/thumb?size=64`);
    expect(res.status).toBe(200);
    expect(await sharp(Buffer.from(await res.arrayBuffer())).metadata()).toMatchObject({ format: 'jpeg', width: 64, height: 64 });
  });

  it('lets the dashboard load images from the S3 server (Content-Security-Policy img-src)', async () => {
    const res = await call('GET', '/api/session');
    expect(res.headers.get('content-security-policy')).toMatch(new RegExp(`img-src 'self' data: blob: ${s3.endpoint.replace(/[.:/]/g, '\\$&')}`));
  });

  it('previews a photo indexed from S3: read from the processed bucket it was moved to; a clear 404 once it is gone', async () => {
    const settings = loadConfig({ env }).storage;
    const processed = createS3BlobStore(settings, settings.processedBucket);
    const jpeg = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#48a' } }).jpeg().toBuffer();
    await processed.put('2024/trip/p1.jpg', jpeg, 'image/jpeg');
    const saved = await t.catalog.savePhoto({
      path: `s3://${settings.incomingBucket}/2024/trip/p1.jpg`, sha256: 'sha-s3-preview', size: jpeg.length, mtimeMs: 1, width: 900, height: 600,
      takenAt: null, gps: null, model: 'm', faces: [],
    });
    const res = await call('GET', `/api/photos/${saved.photoId}/preview?size=320`);
    expect(res.status).toBe(200);
    expect(await sharp(Buffer.from(await res.arrayBuffer())).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 213 });
    await processed.delete('2024/trip/p1.jpg');
    const gone = await t.catalog.savePhoto({
      path: `s3://${settings.incomingBucket}/2024/gone.jpg`, sha256: 'sha-s3-gone', size: 1, mtimeMs: 1, width: 900, height: 600,
      takenAt: null, gps: null, model: 'm', faces: [],
    });
    const missing = await call('GET', `/api/photos/${gone.photoId}/preview?size=320`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/gone from its bucket and from storage\.processedBucket/);
    await processed.close();
  });

  it('deletes the crops of a deleted person and of a dismissed face from S3 at once', async () => {
    const personId = lib.people[1]!;
    const faces = await t.catalog.listFaces({ personId });
    expect(faces.length).toBeGreaterThan(0);
    const keys = faces.map((f) => f.thumbKey!);
    for (const k of keys) expect(await t.blobs.exists(k)).toBe(true);
    expect((await call('DELETE', `/api/people/${personId}`)).status).toBeLessThan(300);
    for (const k of keys) expect(await t.blobs.exists(k)).toBe(false);

    const loose = (await t.catalog.getFace(lib.loose[0]!))!;
    expect(await t.blobs.exists(loose.thumbKey!)).toBe(true);
    expect((await call('DELETE', `/api/faces/${loose.id}`)).status).toBeLessThan(300);
    expect(await t.blobs.exists(loose.thumbKey!)).toBe(false);
    // Every other crop is still there.
    const left = await t.catalog.listFaces({});
    for (const f of left) expect(await t.blobs.exists(f.thumbKey!)).toBe(true);
  });
});
