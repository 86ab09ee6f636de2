import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadClusterFile } from '../../src/deploy/cluster-file.js';
import { collectorTargetsOf, mergeTargets } from '../../src/metrics/cluster-targets.js';
import { REPO, runFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';

// Static checks only: the example's 10.x addresses are read, never connected to.
const EXAMPLE = join(REPO, 'deploy/cluster.example.yaml');
const PROMETHEUS_YML = join(REPO, 'deploy/prometheus/prometheus.yml');
const ALERTS_YML = join(REPO, 'deploy/prometheus/alerts.yml');

/** prometheus.yml's job of each cluster service that Prometheus scrapes. */
const JOB_OF: Record<string, string> = {
  dashboard: 'facetag-dashboard', metricsCollector: 'facetag-collector', detection: 'facetag-detection',
  embedding: 'facetag-embedding', workerMetrics: 'facetag-worker',
};

interface ScrapeConfig { job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[]; labels: { node: string; role: string } }> }

describe('deploy/prometheus/prometheus.yml and the cluster file', () => {
  it('scrape the same hosts, ports, nodes and paths as `facetag cluster targets --format prometheus` of the example', async () => {
    const r = await runFacetag(['cluster', 'targets', '--file', EXAMPLE, '--format', 'prometheus']);
    expect(r.code).toBe(0);
    const sd = JSON.parse(r.stdout) as Array<{ targets: string[]; labels: Record<string, string> }>;
    const fromCluster = sd.filter((t) => JOB_OF[t.labels.service!])
      .map((t) => `${JOB_OF[t.labels.service!]} ${t.labels.node} ${t.targets[0]}${t.labels.__metrics_path__}`).sort();
    const yml = parse(readFileSync(PROMETHEUS_YML, 'utf8')) as { scrape_configs: ScrapeConfig[] };
    const jobs = new Set(Object.values(JOB_OF));
    const fromYml = yml.scrape_configs.filter((j) => jobs.has(j.job_name))
      .flatMap((j) => j.static_configs.flatMap((c) => c.targets.map((t) => `${j.job_name} ${c.labels.node} ${t}${j.metrics_path ?? '/metrics'}`))).sort();
    expect(fromYml).toEqual(fromCluster);
    // Every facetag job of prometheus.yml is one the cluster file knows (a new job must be added to both).
    expect(yml.scrape_configs.map((j) => j.job_name).filter((n) => n.startsWith('facetag-')).sort()).toEqual([...jobs].sort());
    expect(fromCluster).toContain('facetag-worker worker-1 10.10.10.11:9101/metrics');
  });

  it('alerts FacetagWorkerDown on the worker role the collector gives the queue worker', () => {
    const alerts = parse(readFileSync(ALERTS_YML, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const rules = alerts.groups.flatMap((g) => g.rules);
    const roles = new Set(collectorTargetsOf(loadClusterFile(EXAMPLE)).map((t) => t.role));
    const workerDown = rules.find((r) => r.alert === 'FacetagWorkerDown');
    expect(workerDown, 'an alert named FacetagWorkerDown').toBeDefined();
    const alerted = /role=~"([^"]+)"/.exec(workerDown!.expr)![1]!.split('|');
    expect(alerted).toContain('worker');
    for (const role of alerted) expect(roles).toContain(role);
  });
});

describe('the collector\'s targets from the cluster file', () => {
  it('watches the dashboard, the services and the queue workers, with their health and metrics paths', () => {
    const targets = collectorTargetsOf(loadClusterFile(fixture('cluster.loopback.yaml')));
    expect(targets).toEqual([
      { node: 'mgmt', role: 'dashboard', url: 'http://127.0.0.30:18080', metricsPath: '/metrics', healthPath: '/healthz' },
      { node: 'worker-1', role: 'detection', url: 'http://127.0.0.11:15001', metricsPath: '/metrics', healthPath: '/healthz' },
      { node: 'worker-1', role: 'embedding', url: 'http://127.0.0.11:15002', metricsPath: '/metrics', healthPath: '/healthz' },
      { node: 'worker-1', role: 'worker', url: 'http://127.0.0.11:19101', metricsPath: '/metrics', healthPath: '/healthz' },
      { node: 'worker-2', role: 'detection', url: 'http://127.0.0.12:15001', metricsPath: '/metrics', healthPath: '/healthz' },
      { node: 'worker-2', role: 'embedding', url: 'http://127.0.0.12:15002', metricsPath: '/metrics', healthPath: '/healthz' },
    ]);
    const merged = mergeTargets([{ node: 'mgmt', role: 'dashboard', url: 'http://127.0.0.1:8080' }], targets);
    expect(merged).toHaveLength(6);
    expect(merged[0]!.url).toBe('http://127.0.0.1:8080');
  });

  it('`cluster up` on the management node starts the collector on this cluster file, and workers serve their metrics port', async () => {
    const file = fixture('cluster.loopback.yaml');
    const mgmt = await runFacetag(['cluster', 'up', '--file', file, '--node', 'mgmt', '--dry-run']);
    expect(mgmt.code).toBe(0);
    expect(mgmt.stdout).toContain('facetag serve --host 127.0.0.30 --port 18080');
    expect(mgmt.stdout).toContain(`facetag metrics collect --host 127.0.0.30 --port 19091 --cluster-file ${file}`);
    const worker = await runFacetag(['cluster', 'up', '--file', file, '--node', 'worker-1', '--dry-run']);
    expect(worker.stdout).toContain('facetag worker --host 127.0.0.11 --port 19101');
  });
});
