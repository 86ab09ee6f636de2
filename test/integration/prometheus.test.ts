import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';
import { DEPLOY, loopbackConfig, oneValue, PROMETHEUS, PROMTOOL, promtool, requireBinary, seriesOf, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { alertRules, dashboardExprs, grafanaToPromql, isNumber, topLevelOperands } from '../helpers/promql.js';
import { freePort } from '../helpers/ports.js';

const SUITE = 'Prometheus integration (test/integration/prometheus.test.ts)';
const HAVE = requireBinary(PROMETHEUS, SUITE) && requireBinary(PROMTOOL, SUITE);
const PASSWORD = 'correct horse battery staple';

/** Starts a facetag command that serves, and returns its port from the URL it prints. */
async function startServing(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = startFacetag(args, { env });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`facetag ${args[0]} exited with ${code}:\n${out}\n${err}`)));
  });
  return { child, port };
}

const stop = (child: ChildProcess | undefined) => new Promise<void>((resolve) => {
  if (!child || child.exitCode !== null) return resolve();
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
});

/** Logs in to the dashboard, starts indexing its folder, waits for the run to end. */
async function indexThroughDashboard(base: string) {
  const login = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const headers = { Cookie: cookie, 'X-CSRF-Token': csrfToken, 'Content-Type': 'application/json' };
  expect((await fetch(`${base}/api/ingest`, { method: 'POST', headers, body: '{}' })).status).toBe(202);
  for (let i = 0; i < 600; i++) {
    const { status } = (await (await fetch(`${base}/api/ingest`, { headers })).json()) as { status: { running: boolean; last: { photos: Record<string, number> } | null } };
    if (!status.running) return status.last!;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the index run did not finish');
}

describe.skipIf(!HAVE)('a real Prometheus scraping real facetag processes on 127.0.0.1', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-prom-'));
  const photos = join(root, 'photos');
  const data = join(root, 'data');
  let serve: ChildProcess | undefined;
  let collector: ChildProcess | undefined;
  let prom: RunningPrometheus | undefined;
  let redis: Server | undefined;
  let indexed: Record<string, number>;
  let dead = 0;
  const value = (expr: string) => seriesOf(prom!, expr);
  const one = (expr: string) => oneValue(prom!, expr);

  beforeAll(async () => {
    mkdirSync(photos);
    await sharp(fixture('astronaut.jpg')).toFile(join(photos, 'astronaut.jpg'));
    await sharp(fixture('cameraman.png')).toFile(join(photos, 'cameraman.png'));
    writeFileSync(join(photos, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));

    // The dashboard process, with a few photos indexed through the real pipeline.
    const dashboard = await startServing(['serve', '--data', data, '--port', '0'], {
      FACETAG_SERVER_ADMIN_PASSWORD: PASSWORD, FACETAG_SERVER_INDEX_FOLDER: photos, FACETAG_INDEX_CONCURRENCY: '1',
    });
    serve = dashboard.child;
    indexed = (await indexThroughDashboard(`http://127.0.0.1:${dashboard.port}`)).photos!;

    // The collector: the dashboard, two dead workers, a live TCP service and a dead one.
    dead = await freePort();
    redis = createServer((s) => s.end()).listen(0, '127.0.0.1');
    await new Promise((r) => redis!.once('listening', r));
    const coll = await startServing([
      'metrics', 'collect', '--data', data, '--port', '0',
      '--target', `mgmt/dashboard=http://127.0.0.1:${dashboard.port}`,
      '--target', `worker-1/detection=http://127.0.0.1:${dead}`,
      '--target', `worker-1/embedding=http://127.0.0.1:${dead}`,
      '--service', `redis=tcp://127.0.0.1:${(redis.address() as AddressInfo).port}`,
      '--service', `neo4j=tcp://127.0.0.1:${dead}`,
    ], { FACETAG_METRICS_TIMEOUT_MS: '3000' });
    collector = coll.child;

    // The shipped config with every address moved to this machine; the rest to a dead port.
    const promPort = await freePort();
    const rules = join(root, 'alerts.yml');
    copyFileSync(join(DEPLOY, 'prometheus/alerts.yml'), rules);
    const config = loopbackConfig({ '10.30.30.10:8080': dashboard.port, '10.30.30.10:9091': coll.port, '127.0.0.1:9090': promPort }, dead, rules);
    expect(config).not.toMatch(/\b10\.\d+\.\d+\.\d+/);
    writeFileSync(join(root, 'prometheus.yml'), config);
    const check = promtool(['check', 'config', join(root, 'prometheus.yml')]);
    expect(check.code, check.output).toBe(0);
    prom = await startPrometheus(join(root, 'prometheus.yml'), promPort);
    console.log(`prometheus 127.0.0.1:${promPort} ready in ${prom.startupMs} ms`);

    // Enough scrapes (one a second) for rate() over a minute to have two points.
    for (let i = 0; ; i++) {
      const r = await prom.query('min(count_over_time(up{job=~"facetag-dashboard|facetag-collector"}[1m]))');
      if (r.status === 'success' && Number(r.data.result[0]?.value[1] ?? 0) >= 4) break;
      if (i > 300) throw new Error(`no scrapes after 60 s:\n${prom.log()}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  });

  afterAll(async () => {
    await prom?.stop();
    await Promise.all([stop(collector), stop(serve)]);
    await new Promise((r) => (redis ? redis.close(r) : r(undefined)));
  });

  it('promtool accepts the shipped config and rules', () => {
    const config = promtool(['check', 'config', join(DEPLOY, 'prometheus/prometheus.yml')]);
    expect(config.code, config.output).toBe(0);
    expect(config.output).toMatch(/SUCCESS: 1 rule files found/);
    const local = promtool(['check', 'config', join(DEPLOY, 'prometheus/prometheus-local.yml')]);
    expect(local.code, local.output).toBe(0);
    const rules = promtool(['check', 'rules', join(DEPLOY, 'prometheus/alerts.yml')]);
    expect(rules.code, rules.output).toBe(0);
    expect(rules.output).toMatch(/SUCCESS: 8 rules found/);
  });

  it('scrapes the dashboard and the collector, and sees the absent roles as down', async () => {
    // Scraped successfully (the latest scrape of a loaded machine may have timed out at 1 s).
    expect(await one('max_over_time(up{job="facetag-dashboard"}[1m])')).toBe(1);
    expect(await one('max_over_time(up{job="facetag-collector"}[1m])')).toBe(1);
    expect(await one('max_over_time(up{job="prometheus"}[1m])')).toBe(1);
    const down = await value('max_over_time(up{job=~"facetag-detection|facetag-embedding|facetag-worker|minio"}[1m])');
    expect(down.length).toBe(7);
    for (const d of down) expect(d.value).toBe(0);
  });

  it('holds the index run\'s figures: photos, failures by code, stage times, faces, models', async () => {
    expect(indexed).toMatchObject({ seen: 3, processed: 2, failed: 1 });
    expect(await one('facetag_photos_processed_total{job="facetag-dashboard"}')).toBe(2);
    expect(await one('sum(facetag_photos_failed_total{job="facetag-dashboard"})')).toBe(1);
    expect(await one('facetag_stage_seconds_count{job="facetag-dashboard",stage="detect"}')).toBe(2);
    expect(await one('facetag_stage_seconds_sum{job="facetag-dashboard",stage="detect"}')).toBeGreaterThan(0);
    const faces = await one('facetag_faces{job="facetag-dashboard"}');
    expect(faces).toBeGreaterThanOrEqual(1);
    expect(await one('facetag_faces_detected_total{job="facetag-dashboard"}')).toBe(faces);
    const [info] = await value('facetag_model_info');
    expect(info!.labels).toMatchObject({ job: 'facetag-dashboard', node: 'mgmt', role: 'dashboard' });
    expect(info!.labels.detector).toMatch(/@/);
    expect(await one('facetag_service_up{job="facetag-dashboard",service="catalog"}')).toBe(1);
    expect(await one('facetag_data_disk_size_bytes{job="facetag-dashboard"}')).toBeGreaterThan(0);
    expect(await one('facetag_nodejs_eventloop_lag_p99_seconds{job="facetag-dashboard"}')).toBeGreaterThanOrEqual(0);
    expect(await one('sum(facetag_http_request_seconds_count{job="facetag-dashboard",route="/api/ingest"})')).toBeGreaterThanOrEqual(2);
  });

  it('holds the collector\'s cluster figures with their node and role', async () => {
    expect(await one('facetag_node_up{node="mgmt",role="dashboard"}')).toBe(1);
    expect(await one('facetag_node_up{node="worker-1",role="detection"}')).toBe(0);
    expect(await one('facetag_nodes_up')).toBe(1);
    expect(await one('facetag_nodes')).toBe(2);
    expect(await one('facetag_service_up{service="redis"}')).toBe(1);
    expect(await one('facetag_service_up{service="neo4j"}')).toBe(0);
    expect(await one('facetag_node_photos_processed_total{node="mgmt",role="dashboard"}')).toBe(2);
    expect(await one('facetag_probe_seconds{node="mgmt",role="dashboard"}')).toBeGreaterThan(0);
  });

  it('answers every dashboard query with at least one series', async () => {
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(40);
    const empty: string[] = [];
    for (const { where, expr } of exprs) {
      const r = await prom!.query(grafanaToPromql(expr));
      expect(r.status, `${where}: ${expr}: ${r.error}`).toBe('success');
      if (r.data.result.length === 0) empty.push(`${where}: ${expr}`);
    }
    expect(empty).toEqual([]);
  });

  it('parses every alert rule, with a series behind each operand, and raises the alerts for the dead targets', async () => {
    const empty: string[] = [];
    for (const rule of alertRules()) {
      const r = await prom!.query(rule.expr);
      expect(r.status, `${rule.alert}: ${r.error}`).toBe('success');
      const operands = topLevelOperands(rule.expr);
      expect(operands.length, rule.alert).toBeGreaterThanOrEqual(2);
      for (const operand of operands.filter((o) => !isNumber(o))) {
        const o = await prom!.query(operand);
        expect(o.status, `${rule.alert}: ${operand}: ${o.error}`).toBe('success');
        if (o.data.result.length === 0) empty.push(`${rule.alert}: ${operand}`);
      }
    }
    expect(empty).toEqual([]);
    // Prometheus loaded and evaluated each rule without error.
    let rules: Array<{ name: string; health: string; lastError?: string }> = [];
    for (let i = 0; i < 100; i++) {
      const res = await prom!.api<{ data: { groups: Array<{ rules: typeof rules }> } }>('/api/v1/rules');
      rules = res.data.groups.flatMap((g) => g.rules);
      if (rules.length > 0 && rules.every((r) => r.health === 'ok')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rules.map((r) => [r.name, r.health, r.lastError ?? ''])).toEqual(alertRules().map((r) => [r.alert, 'ok', '']));
    const alerts = (await prom!.api<{ data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }>('/api/v1/alerts')).data.alerts;
    const raised = (name: string, labels: Record<string, string>) => alerts.some((a) => a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
    expect(raised('FacetagTargetDown', { job: 'facetag-detection', node: 'worker-2' })).toBe(true);
    expect(raised('FacetagWorkerDown', { node: 'worker-1', role: 'embedding' })).toBe(true);
    expect(raised('FacetagServiceDown', { service: 'neo4j' })).toBe(true);
    expect(raised('FacetagServiceDown', { service: 'redis' })).toBe(false);
    expect(raised('FacetagDiskAlmostFull', {})).toBe(false);
  });
});
