import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/photos.js';
import { makeTestServer, PASSWORD, seedLibrary } from '../server/test-library.js';
import { parseExposition, type Sample } from './exposition.js';
import { createMetrics } from './metrics.js';
import { recordClusterChange, recordPhotoFailed, recordPhotoIndexed, recordPhotoSkipped, setQueueDepth } from './record.js';
import { DEFAULT_MODELS } from '../vision/model-manifest.js';

type App = Awaited<ReturnType<typeof makeTestServer>>['app'];

/** The value of one series; throws when absent so a missing metric fails loudly. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  if (!s) throw new Error(`no series ${name}${JSON.stringify(labels)}`);
  return s.value;
}

async function scrape(app: App) {
  const res = await app.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text()).samples;
}

async function login(app: App) {
  const res = await app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return (method: string, path: string, body: unknown = {}) => app.request(path, {
    method, headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken, 'Content-Type': 'application/json' }, ...(method === 'GET' ? {} : { body: JSON.stringify(body) }),
  });
}

describe('the metrics module', () => {
  it('keeps one registry per instance: nothing leaks between two', async () => {
    const a = createMetrics({ dataDir: null });
    const b = createMetrics({ dataDir: null });
    recordPhotoIndexed(a, { stageMs: { read: 2, decode: 40, detect: 120, embed: 30, store: 5 }, faces: 3 });
    recordPhotoFailed(a, 'PHOTO_CORRUPT');
    recordPhotoSkipped(a);
    recordClusterChange(a, 'merge', 2);
    setQueueDepth(a, 'index', { waiting: 7 });
    const sa = parseExposition(await a.text()).samples;
    const sb = parseExposition(await b.text()).samples;
    expect(value(sa, 'facetag_photos_processed_total')).toBe(1);
    expect(value(sa, 'facetag_faces_detected_total')).toBe(3);
    expect(value(sa, 'facetag_photos_failed_total', { code: 'PHOTO_CORRUPT' })).toBe(1);
    expect(value(sa, 'facetag_photos_skipped_total')).toBe(1);
    expect(value(sa, 'facetag_cluster_changes_total', { kind: 'merge' })).toBe(2);
    expect(value(sa, 'facetag_queue_depth', { queue: 'index', state: 'waiting' })).toBe(7);
    expect(value(sa, 'facetag_stage_seconds_count', { stage: 'detect' })).toBe(1);
    expect(value(sa, 'facetag_stage_seconds_sum', { stage: 'detect' })).toBeCloseTo(0.12, 6);
    // 0.12 s falls in the 0.25 s bucket, not the 0.1 s one.
    expect(value(sa, 'facetag_stage_seconds_bucket', { stage: 'detect', le: '0.1' })).toBe(0);
    expect(value(sa, 'facetag_stage_seconds_bucket', { stage: 'detect', le: '0.25' })).toBe(1);
    // The other registry saw none of it, yet has every series zero-initialised.
    expect(value(sb, 'facetag_photos_processed_total')).toBe(0);
    expect(value(sb, 'facetag_photos_failed_total', { code: 'PHOTO_CORRUPT' })).toBe(0);
    expect(value(sb, 'facetag_stage_seconds_count', { stage: 'detect' })).toBe(0);
    expect(value(sb, 'facetag_queue_depth', { queue: 'index', state: 'waiting' })).toBe(0);
  });

  it('names every facetag metric facetag_<thing>_<unit>, with help and type', async () => {
    const text = await createMetrics({ dataDir: mkdtempSync(join(tmpdir(), 'facetag-metrics-')) }).text();
    const names = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(names.length).toBeGreaterThan(30);
    for (const [name, type] of names) {
      expect(name).toMatch(/^facetag_[a-z0-9_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      expect(text).toContain(`# HELP ${name} `);
    }
  });
});

describe('/metrics of the server (app.request)', () => {
  let t: Awaited<ReturnType<typeof makeTestServer>>;
  let lib: Awaited<ReturnType<typeof seedLibrary>>;
  beforeAll(async () => {
    t = await makeTestServer();
    lib = await seedLibrary(t.catalog, t.blobs, join(t.root, 'photos'));
  });
  afterAll(async () => t.close());

  it('reports the library, the catalog probe, HTTP timings, the process and the machine', async () => {
    await t.app.request('/healthz');
    await t.app.request('/healthz');
    const samples = await scrape(t.app);
    const counts = await t.catalog.counts();
    expect(value(samples, 'facetag_faces')).toBe(counts.faces);
    expect(value(samples, 'facetag_people')).toBe(counts.people);
    expect(value(samples, 'facetag_photos')).toBe(counts.photos);
    expect(value(samples, 'facetag_faces_unassigned')).toBe(counts.unassigned);
    expect(counts.faces).toBeGreaterThan(10);
    expect(value(samples, 'facetag_service_up', { service: 'catalog' })).toBe(1);
    expect(value(samples, 'facetag_http_request_seconds_count', { method: 'GET', route: '/healthz', status: '200' })).toBe(2);
    expect(value(samples, 'facetag_process_resident_memory_bytes')).toBeGreaterThan(1e6);
    expect(value(samples, 'facetag_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'facetag_nodejs_eventloop_lag_p99_seconds')).toBe(true);
    const size = value(samples, 'facetag_data_disk_size_bytes', { path: 'data' });
    const free = value(samples, 'facetag_data_disk_available_bytes', { path: 'data' });
    expect(size).toBeGreaterThan(0);
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(size);
    // The catalog and the seeded thumbnails are in the data folder.
    const { statSync } = await import('node:fs');
    expect(value(samples, 'facetag_data_dir_bytes', { path: 'data' })).toBeGreaterThanOrEqual(statSync(join(t.config.data.dir, 'catalog.sqlite')).size);
    expect(value(samples, 'facetag_host_memory_total_bytes')).toBeGreaterThanOrEqual(value(samples, 'facetag_host_memory_available_bytes'));
    expect(value(samples, 'facetag_host_cpu_seconds_total', { mode: 'idle' })).toBeGreaterThan(0);
  });

  it('counts a person\'s changes to who is who, only when they succeed', async () => {
    const call = await login(t.app);
    // People 0 and 1 share a photo: refused, and not counted.
    expect((await call('POST', '/api/merges', { intoId: lib.people[0]!, fromId: lib.people[1]! })).status).toBe(409);
    expect((await call('POST', '/api/merges', { intoId: lib.people[1]!, fromId: lib.people[2]! })).status).toBe(201);
    expect((await call('POST', '/api/merges', { intoId: lib.people[1]!, fromId: 999_999 })).status).toBe(404);
    const samples = await scrape(t.app);
    expect(value(samples, 'facetag_cluster_changes_total', { kind: 'merge' })).toBe(1);
    expect(value(samples, 'facetag_cluster_changes_total', { kind: 'split' })).toBe(0);
  });

  it('labels requests by route pattern, never by the raw path (bounded cardinality)', async () => {
    await t.app.request('/api/people/123');
    await t.app.request('/api/people/456');
    const samples = await scrape(t.app);
    const routes = samples.filter((s) => s.name === 'facetag_http_request_seconds_count').map((s) => s.labels.route);
    expect(routes.some((r) => r?.includes('123'))).toBe(false);
  });
});

describe('pipeline metrics of an index run from the dashboard (real models)', () => {
  let t: Awaited<ReturnType<typeof makeTestServer>>;
  const photos = mkdtempSync(join(tmpdir(), 'facetag-metrics-photos-'));
  beforeAll(async () => {
    await sharp(fixture('astronaut.jpg')).toFile(join(photos, 'astronaut.jpg'));
    await sharp(fixture('cameraman.png')).toFile(join(photos, 'cameraman.png'));
    writeFileSync(join(photos, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]));
    t = await makeTestServer({ env: { FACETAG_SERVER_INDEX_FOLDER: photos } });
  });
  afterAll(async () => t.close());

  const runIndex = async (call: Awaited<ReturnType<typeof login>>) => {
    expect((await call('POST', '/api/ingest')).status).toBe(202);
    for (let i = 0; i < 480; i++) {
      const { status } = (await (await call('GET', '/api/ingest')).json()) as { status: { running: boolean; last: { photos: Record<string, number>; failures: Array<{ code: string }> } } };
      if (!status.running) return status.last;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('the index run did not finish');
  };

  it('counts photos, failures by code, stage times, faces, clustering changes and the models', async () => {
    const call = await login(t.app);
    const last = await runIndex(call);
    expect(last.photos).toMatchObject({ seen: 3, failed: 1 });
    const samples = await scrape(t.app);
    expect(value(samples, 'facetag_photos_processed_total')).toBe(last.photos.processed);
    expect(last.photos.processed).toBe(2);
    expect(value(samples, 'facetag_photos_failed_total', { code: last.failures[0]!.code })).toBe(1);
    expect(samples.filter((s) => s.name === 'facetag_photos_failed_total').reduce((n, s) => n + s.value, 0)).toBe(1);
    for (const stage of ['decode', 'detect', 'embed']) expect(value(samples, 'facetag_stage_seconds_count', { stage })).toBe(2);
    expect(value(samples, 'facetag_stage_seconds_sum', { stage: 'detect' })).toBeGreaterThan(0);
    const counts = await t.catalog.counts();
    expect(value(samples, 'facetag_faces_detected_total')).toBe(counts.faces);
    expect(counts.faces).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'facetag_cluster_changes_total', { kind: 'person_created' })).toBe(counts.people);
    expect(value(samples, 'facetag_cluster_changes_total', { kind: 'face_assigned' })).toBe(counts.faces - counts.unassigned);
    expect(value(samples, 'facetag_queue_depth', { queue: 'index', state: 'waiting' })).toBe(0);
    const info = samples.find((s) => s.name === 'facetag_model_info')!;
    expect(info.value).toBe(1);
    expect(info.labels).toMatchObject({ version: 'test' });
    expect(info.labels.detector).toMatch(new RegExp(`^${DEFAULT_MODELS.detector}@`));
    expect(info.labels.landmarker).toMatch(new RegExp(`^${DEFAULT_MODELS.landmarker}@`));
    expect(info.labels.embedder).toMatch(new RegExp(`^${DEFAULT_MODELS.embedder}@`));

    // A second run skips the unchanged photos and adds no stage time.
    const again = await runIndex(call);
    const after = await scrape(t.app);
    expect(value(after, 'facetag_photos_skipped_total')).toBe(again.photos.skippedUnchanged);
    expect(again.photos.skippedUnchanged).toBe(2);
    expect(value(after, 'facetag_photos_processed_total')).toBe(2);
  });
});
