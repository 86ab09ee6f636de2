import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from './collector.js';
import { parseExposition, type Sample } from './exposition.js';
import { createMetrics } from './metrics.js';
import { recordPhotoIndexed } from './record.js';
import { probeFromUrl, type ServiceProbe } from './service-probes.js';

const listen = <T extends Server | ServerType>(server: T) => new Promise<number>((resolve) => {
  if (server.listening) resolve((server.address() as AddressInfo).port);
  else server.once('listening', () => resolve((server.address() as AddressInfo).port));
});
const closeServer = (server: Server | ServerType) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A port nothing listens on: opened, then closed. */
async function deadPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  const port = await listen(s);
  await closeServer(s);
  return port;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  if (!s) throw new Error(`no series ${name}${JSON.stringify(labels)}`);
  return s.value;
}

describe('the metrics collector against real targets on 127.0.0.1', () => {
  const servers: Array<Server | ServerType> = [];
  const sockets: Socket[] = [];
  let livePort = 0;
  let sickPort = 0;
  let silentPort = 0;
  let redisPort = 0;
  let dead = 0;

  beforeAll(async () => {
    // A facetag process: its real metrics, with a photo indexed.
    const target = createMetrics({ dataDir: mkdtempSync(`${tmpdir()}/facetag-collector-`) });
    recordPhotoIndexed(target, { stageMs: { detect: 50 }, faces: 2 });
    recordPhotoIndexed(target, { stageMs: { detect: 60 }, faces: 1 });
    const live = new Hono();
    live.get('/healthz', (c) => c.json({ ok: true }));
    live.get('/metrics', async () => new Response(await target.text()));
    const sick = new Hono();
    sick.get('/healthz', (c) => c.json({ ok: false }, 503));
    const a = serve({ fetch: live.fetch, hostname: '127.0.0.1', port: 0 });
    const b = serve({ fetch: sick.fetch, hostname: '127.0.0.1', port: 0 });
    // Accepts connections and never answers: a hung process.
    const silent = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
    // Stands in for Redis: a TCP listener.
    const redis = createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    servers.push(a, b, silent, redis);
    [livePort, sickPort, silentPort, redisPort] = await Promise.all([listen(a), listen(b), listen(silent), listen(redis)]);
    dead = await deadPort();
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map(closeServer));
  });

  it('reports each target up or down, re-exports the live ones\' figures, and probes the services', async () => {
    const failing: ServiceProbe = { name: 's3', probe: async () => { throw new Error('bucket gone'); } };
    const collector = createCollector({
      metrics: createMetrics({ dataDir: null, queues: [], pipeline: false }),
      // Long enough for a live target on a loaded machine; the hung one costs this much.
      timeoutMs: 3000,
      targets: [
        { node: 'mgmt', role: 'dashboard', url: `http://127.0.0.1:${livePort}` },
        { node: 'worker-1', role: 'detection', url: `http://127.0.0.1:${sickPort}` },
        { node: 'worker-1', role: 'embedding', url: `http://127.0.0.1:${silentPort}` },
        { node: 'worker-2', role: 'detection', url: `http://127.0.0.1:${dead}` },
      ],
      services: [probeFromUrl('redis', `tcp://127.0.0.1:${redisPort}`), probeFromUrl('neo4j', `tcp://127.0.0.1:${dead}`), failing],
    });
    const res = await collector.app.request('/metrics');
    expect(res.status).toBe(200);
    const samples = parseExposition(await res.text()).samples;
    expect(value(samples, 'facetag_node_up', { node: 'mgmt', role: 'dashboard' })).toBe(1);
    expect(value(samples, 'facetag_node_up', { node: 'worker-1', role: 'detection' })).toBe(0);
    expect(value(samples, 'facetag_node_up', { node: 'worker-1', role: 'embedding' })).toBe(0);
    expect(value(samples, 'facetag_node_up', { node: 'worker-2', role: 'detection' })).toBe(0);
    expect(value(samples, 'facetag_probe_seconds', { node: 'mgmt', role: 'dashboard' })).toBeGreaterThan(0);
    expect(value(samples, 'facetag_nodes')).toBe(3);
    expect(value(samples, 'facetag_nodes_up')).toBe(1);
    // Re-exported from the live target only, with its node and role.
    expect(value(samples, 'facetag_node_photos_processed_total', { node: 'mgmt', role: 'dashboard' })).toBe(2);
    expect(value(samples, 'facetag_node_cpu_seconds_total', { node: 'mgmt', mode: 'idle' })).toBeGreaterThan(0);
    expect(value(samples, 'facetag_node_disk_size_bytes', { node: 'mgmt' })).toBeGreaterThan(0);
    expect(value(samples, 'facetag_node_data_dir_bytes', { node: 'mgmt' })).toBe(0);
    expect(value(samples, 'facetag_node_memory_total_bytes', { node: 'mgmt' })).toBeGreaterThan(0);
    expect(samples.some((s) => s.name.startsWith('facetag_node_') && s.name !== 'facetag_node_up' && s.labels.node !== 'mgmt')).toBe(false);
    expect(value(samples, 'facetag_service_up', { service: 'redis' })).toBe(1);
    expect(value(samples, 'facetag_service_up', { service: 'neo4j' })).toBe(0);
    expect(value(samples, 'facetag_service_up', { service: 's3' })).toBe(0);
    // The collector's own process figures are there too; pipeline figures are not (it indexes nothing).
    expect(samples.some((s) => s.name.startsWith('facetag_photos') || s.name.startsWith('facetag_stage_'))).toBe(false);
    expect(value(samples, 'facetag_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(await (await collector.app.request('/healthz')).json()).toEqual({ ok: true });
    expect((await collector.app.request('/other')).status).toBe(404);
  });

  it('forgets a target\'s figures once it is down', async () => {
    const target = createMetrics({ dataDir: null });
    const app = new Hono();
    let healthy = true;
    app.get('/healthz', (c) => c.json({ ok: healthy }, healthy ? 200 : 503));
    app.get('/metrics', async () => new Response(await target.text()));
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    servers.push(server);
    const collector = createCollector({
      metrics: createMetrics({ dataDir: null, queues: [], pipeline: false }), timeoutMs: 3000, services: [],
      targets: [{ node: 'w', role: 'worker', url: `http://127.0.0.1:${await listen(server)}` }],
    });
    const first = parseExposition(await (await collector.app.request('/metrics')).text()).samples;
    expect(value(first, 'facetag_node_up', { node: 'w' })).toBe(1);
    expect(first.some((s) => s.name === 'facetag_node_memory_total_bytes')).toBe(true);
    healthy = false;
    const second = parseExposition(await (await collector.app.request('/metrics')).text()).samples;
    expect(value(second, 'facetag_node_up', { node: 'w' })).toBe(0);
    expect(second.some((s) => s.name === 'facetag_node_memory_total_bytes')).toBe(false);
  });

  it('refuses a service URL it cannot probe, naming the fix', () => {
    expect(() => probeFromUrl('redis', 'redis://127.0.0.1:6379')).toThrow(/neither tcp:\/\/ nor http\(s\):\/\/.*tcp:\/\/127\.0\.0\.1:6379/);
    expect(() => probeFromUrl('redis', 'tcp://127.0.0.1')).toThrow(/has no port/);
  });
});
