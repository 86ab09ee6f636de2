import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createMemoryQueue } from '../queue/memory-queue.js';
import { ReleaseJob } from '../queue/queue.js';
import { parseExposition, type Sample } from './exposition.js';
import { createMetrics } from './metrics.js';
import { createQueueDepthReader } from './queue-depth.js';
import { measuredAnalyser, measuredHandler, measuredReads, metricsApp } from './worker-metrics.js';

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
}

async function scrape(app: ReturnType<typeof metricsApp>) {
  const res = await app.request('/metrics');
  expect(res.status).toBe(200);
  return parseExposition(await res.text()).samples;
}

const payload = { sha256: 'a'.repeat(64), photo: { key: 'p.jpg', size: 1, mtimeMs: 0 }, source: { kind: 'folder' as const, root: '/x' }, modelKey: 'm' };
const info = (finalAttempt: boolean) => ({ id: 'analyse:x', attempt: 1, finalAttempt });

describe('the worker metrics', () => {
  it('counts analysed photos, their faces and stages, timed reads, and failed runs by code (a released job is no failure)', async () => {
    const metrics = createMetrics({ dataDir: null, queues: [] });
    const app = metricsApp(metrics);
    const timings = { decodeMs: 20, detectMs: 300, embedMs: 40 };
    const analyser = measuredAnalyser(metrics, {
      modelKey: 'm',
      analyse: async () => ({ faces: [{}, {}, {}], timings }) as never,
    });
    await analyser.analyse(Buffer.from('x'));
    await analyser.analyse(Buffer.from('y'));
    const source = measuredReads(metrics, { read: async (_p: string) => Buffer.from('bytes'), other: 7 });
    expect((await source.read('k')).toString()).toBe('bytes');
    expect(source.other).toBe(7);

    let thrown: Error = new AppError('PHOTO_UNREADABLE', 'bad');
    const handler = measuredHandler(metrics, 'analyse', async () => {
      throw thrown;
    });
    await expect(handler(payload, info(false))).rejects.toThrow('bad');
    await expect(handler(payload, info(true))).rejects.toThrow('bad');
    thrown = new ReleaseJob('MODEL_MISMATCH', 'other models');
    await expect(handler(payload, info(false))).rejects.toThrow('other models');

    const s = await scrape(app);
    expect(value(s, 'facetag_photos_analysed_total')).toBe(2);
    expect(value(s, 'facetag_faces_detected_total')).toBe(6);
    expect(value(s, 'facetag_photos_processed_total')).toBe(0); // the writer counts those
    expect(value(s, 'facetag_stage_seconds_count', { stage: 'detect' })).toBe(2);
    expect(value(s, 'facetag_stage_seconds_sum', { stage: 'detect' })).toBeCloseTo(0.6);
    expect(value(s, 'facetag_stage_seconds_count', { stage: 'read' })).toBe(1);
    expect(value(s, 'facetag_stage_seconds_count', { stage: 'store' })).toBe(0);
    expect(value(s, 'facetag_job_failures_total', { job: 'analyse', code: 'PHOTO_UNREADABLE' })).toBe(2);
    expect(value(s, 'facetag_job_failures_total', { job: 'analyse', code: 'MODEL_MISMATCH' })).toBeUndefined();
    // No queue depth from a worker: the dashboard reports the queue once for the whole cluster.
    expect(s.some((x) => x.name === 'facetag_queue_depth')).toBe(false);
    expect(value(s, 'facetag_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value(s, 'facetag_host_cpu_cores')).toBeGreaterThan(0);
  });

  it('answers /healthz 200 while working and 503 once stopping', async () => {
    let running = true;
    const app = metricsApp(createMetrics({ dataDir: null, queues: [] }), () => running);
    expect((await app.request('/healthz')).status).toBe(200);
    running = false;
    expect((await app.request('/healthz')).status).toBe(503);
    expect((await app.request('/other')).status).toBe(404);
  });
});

describe('the queue depth of facetag serve', () => {
  it('reads the queue\'s counts at each scrape, and reports the queue down when it cannot be opened', async () => {
    const metrics = createMetrics({ dataDir: null });
    const queue = createMemoryQueue({ attempts: 1, backoffMs: 0 });
    await queue.add('analyse', 'analyse:1', { ...payload, sha256: '1'.repeat(64) });
    await queue.add('analyse', 'analyse:2', { ...payload, sha256: '2'.repeat(64) });
    let opens = 0;
    const reader = createQueueDepthReader(async () => {
      opens++;
      if (opens === 1) throw new AppError('SERVICE_UNAVAILABLE', 'redis down');
      return queue;
    });
    const read = async () => parseExposition(await metrics.text()).samples;
    await reader.update(metrics);
    let s = await read();
    expect(value(s, 'facetag_service_up', { service: 'queue' })).toBe(0);
    expect(value(s, 'facetag_queue_depth', { queue: 'index', state: 'waiting' })).toBe(0);
    await reader.update(metrics);
    s = await read();
    expect(value(s, 'facetag_service_up', { service: 'queue' })).toBe(1);
    expect(value(s, 'facetag_queue_depth', { queue: 'index', state: 'waiting' })).toBe(2);
    await queue.add('commit', 'commit:1', { sha256: '1'.repeat(64), photo: payload.photo, source: payload.source, result: { outcome: 'failed', code: 'PHOTO_UNREADABLE', message: 'x' } });
    await reader.update(metrics);
    expect(value(await read(), 'facetag_queue_depth', { queue: 'index', state: 'waiting' })).toBe(3);
    expect(opens).toBe(2);
    await reader.close();
  });
});
