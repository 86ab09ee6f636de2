import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../helpers/cli.js';
import { clusterEnv, killStrays, startTracked, startWorker, stopWorker, until, type WorkerProcess } from '../helpers/cluster.js';
import { makeFacePhotos } from '../helpers/photos.js';
import { loopbackConfig, oneValue, PROMETHEUS, PROMTOOL, promtool, requireBinary, seriesOf, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { requireRedis, startRedis, type TestRedis } from '../helpers/redis.js';
import { freePort } from '../helpers/ports.js';

const SUITE = 'Prometheus in cluster mode (test/integration/prometheus-cluster.test.ts)';
const HAVE = requireBinary(PROMETHEUS, SUITE) && requireBinary(PROMTOOL, SUITE) && requireRedis(SUITE);
const PASSWORD = 'prometheus-cluster-test-password';
const PHOTOS = 3;

/**
 * A real Redis, `facetag serve` with queue.driver bullmq, a real `facetag worker`, and a real
 * Prometheus scraping both with the shipped prometheus.yml (addresses moved to 127.0.0.1).
 * "Index now" queues the photos while no worker runs: Prometheus sees them waiting in
 * facetag_queue_depth; then the worker analyses them and Prometheus reads its counters.
 */
describe.skipIf(!HAVE)('a real Prometheus scraping facetag serve and a facetag worker on a real Redis', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-prom-cluster-'));
  const photos = join(root, 'photos');
  const data = join(root, 'data');
  let redis: TestRedis | undefined;
  let prom: RunningPrometheus | undefined;
  let worker: WorkerProcess | undefined;
  let server: ReturnType<typeof startTracked> | undefined;
  let last: { photos: Record<string, number> } | null = null;
  const value = (expr: string) => seriesOf(prom!, expr);
  const one = (expr: string) => oneValue(prom!, expr);
  /** Waits until Prometheus answers `expr` with one series whose value passes `ok`. */
  const eventually = (what: string, expr: string, ok: (v: number) => boolean) =>
    until(what, async () => (await prom!.query(expr)).data?.result ?? [], (rows) => rows.length === 1 && ok(Number(rows[0]!.value[1])), 90_000);

  beforeAll(async () => {
    redis = await startRedis();
    mkdirSync(photos);
    await makeFacePhotos(photos, PHOTOS, 70);
    writeFileSync(join(photos, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const env = clusterEnv(redis.url, { FACETAG_SERVER_ADMIN_PASSWORD: PASSWORD, FACETAG_SERVER_INDEX_FOLDER: photos, FACETAG_LOG_LEVEL: 'warn' });

    server = startTracked(['serve', '--data', data, '--port', '0'], env);
    let out = '';
    server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const url = await until('the dashboard URL', () => /facetag dashboard: (http:\/\/\S+?)\/?\n/.exec(out)?.[1] ?? null, (u) => u !== null, 90_000);
    const dashboardPort = Number(new URL(url!).port);

    // The worker's metrics port is known before it runs: Prometheus scrapes it (down) from the start.
    const workerPort = await freePort();
    const promPort = await freePort();
    const dead = await freePort();
    const rules = join(root, 'alerts.yml');
    writeFileSync(rules, 'groups: []\n');
    const config = loopbackConfig({ '10.30.30.10:8080': dashboardPort, '10.10.10.11:9101': workerPort, '127.0.0.1:9090': promPort }, dead, rules);
    expect(config).not.toMatch(/\b10\.\d+\.\d+\.\d+/);
    writeFileSync(join(root, 'prometheus.yml'), config);
    const check = promtool(['check', 'config', join(root, 'prometheus.yml')]);
    expect(check.code, check.output).toBe(0);
    prom = await startPrometheus(join(root, 'prometheus.yml'), promPort);
    console.log(`prometheus 127.0.0.1:${promPort} ready in ${prom.startupMs} ms`);

    // "Index now" with no worker: the photos wait in the queue.
    const login = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    expect((await fetch(`${url}/api/ingest`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } })).status).toBe(202);
    await eventually('the queued photos in facetag_queue_depth', 'max_over_time(facetag_queue_depth{job="facetag-dashboard",queue="index",state="waiting"}[1m])', (v) => v === PHOTOS + 1);

    worker = startWorker(data, { ...env, FACETAG_WORKER_PORT: String(workerPort) });
    // A port found free minutes ago may have been taken since by another process of a busy
    // machine (an outgoing connection's source port): the worker then takes the next free one, as
    // it does beside another worker, and Prometheus is told where (what an operator does too).
    const bound = Number(/metrics http:\/\/[^\s]+:(\d+)\/metrics/.exec(await worker.ready)?.[1]);
    expect(bound).toBeGreaterThan(0);
    if (bound !== workerPort) {
      console.warn(`port ${workerPort} was taken before the worker started; it listens on ${bound}`);
      writeFileSync(join(root, 'prometheus.yml'), loopbackConfig({ '10.30.30.10:8080': dashboardPort, '10.10.10.11:9101': bound, '127.0.0.1:9090': promPort }, dead, rules));
      await prom.reload(`127.0.0.1:${bound}`);
    }
    type Ingest = { status: { running: boolean; last: { photos: Record<string, number> } | null; error: unknown } };
    const state = await until('the run to finish', async () => (await (await fetch(`${url}/api/ingest`, { headers: { cookie } })).json()) as Ingest,
      (s) => !s.status.running && (s.status.last !== null || s.status.error !== null), 120_000);
    expect(state.status.error).toBeNull();
    last = state.status.last;
    await eventually('the worker\'s counters', 'facetag_photos_analysed_total{job="facetag-worker"}', (v) => v === PHOTOS);
    // Scrapes taken after the run: nothing waits or runs, and the writer's counters are final.
    await eventually('the emptied queue', 'sum(facetag_queue_depth{job="facetag-dashboard",queue="index",state=~"waiting|active"})', (v) => v === 0);
    await eventually('the written photos', 'facetag_photos_processed_total{job="facetag-dashboard"}', (v) => v === PHOTOS);
  }, 300_000);

  afterAll(async () => {
    await prom?.stop();
    if (worker) await stopWorker(worker);
    if (server && server.exitCode === null) {
      const exited = collect(server);
      server.kill('SIGTERM');
      await exited;
    }
    killStrays();
    await redis?.stop();
  });

  it('saw the photos waiting, then the queue drained', async () => {
    expect(last!.photos).toMatchObject({ seen: PHOTOS + 1, processed: PHOTOS, failed: 1 });
    expect(await one('max_over_time(facetag_queue_depth{job="facetag-dashboard",queue="index",state="waiting"}[5m])')).toBe(PHOTOS + 1);
    expect(await one('facetag_queue_depth{job="facetag-dashboard",queue="index",state="active"}')).toBe(0);
    expect(await one('facetag_service_up{job="facetag-dashboard",service="queue"}')).toBe(1);
  });

  it('reads the worker\'s photo counters, failures by code, stage times and process figures', async () => {
    expect(await one('max(max_over_time(up{job="facetag-worker",node="worker-1",role="worker"}[1m]))')).toBe(1);
    expect(await one('facetag_photos_analysed_total{job="facetag-worker"}')).toBe(PHOTOS);
    expect(await one('facetag_faces_detected_total{job="facetag-worker"}')).toBeGreaterThanOrEqual(PHOTOS);
    expect(await one('facetag_stage_seconds_count{job="facetag-worker",stage="detect"}')).toBe(PHOTOS);
    expect(await one('facetag_stage_seconds_sum{job="facetag-worker",stage="embed"}')).toBeGreaterThan(0);
    expect(await one('facetag_stage_seconds_count{job="facetag-worker",stage="read"}')).toBeGreaterThanOrEqual(PHOTOS + 1);
    expect(await one('sum(facetag_job_failures_total{job="facetag-worker"})')).toBeGreaterThanOrEqual(1);
    expect(await one('facetag_photos_processed_total{job="facetag-worker"}')).toBe(0);
    expect(await one('facetag_process_resident_memory_bytes{job="facetag-worker"}')).toBeGreaterThan(0);
    expect(await one('facetag_host_cpu_cores{job="facetag-worker"}')).toBeGreaterThan(0);
    expect((await value('facetag_model_info{job="facetag-worker"}'))[0]!.labels.detector).toMatch(/@/);
  });

  it('counts each photo once across the cluster: written by the dashboard, analysed by the worker', async () => {
    expect(await one('sum(facetag_photos_processed_total)')).toBe(PHOTOS);
    expect(await one('facetag_photos_processed_total{job="facetag-dashboard"}')).toBe(PHOTOS);
    expect(await one('sum(facetag_photos_failed_total)')).toBe(1);
    expect(await one('facetag_stage_seconds_count{job="facetag-dashboard",stage="store"}')).toBe(PHOTOS);
    expect(await one('facetag_stage_seconds_count{job="facetag-dashboard",stage="detect"}')).toBe(0);
    expect(await one('sum(facetag_cluster_changes_total{job="facetag-dashboard",kind=~"face_assigned|person_created"})')).toBeGreaterThanOrEqual(1);
  });
});

