import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCollector } from '../../src/metrics/collector.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { recordHttpRequest } from '../../src/metrics/record.js';
import { DEPLOY } from '../helpers/prometheus.js';
import { alertRules, allPanels, dashboardExprs, loadDashboards } from '../helpers/promql.js';

const provisioning = (kind: string) => parseYaml(readFileSync(join(DEPLOY, `grafana/provisioning/${kind}/facetag.yml`), 'utf8'));
const PANEL_TYPES = new Set(['row', 'stat', 'timeseries', 'table', 'gauge', 'bargauge', 'text']);

describe('Grafana provisioning and dashboards (as Grafana 10 loads them)', () => {
  const datasources = provisioning('datasources') as { apiVersion: number; datasources: Array<{ uid: string; type: string; url: string; name: string }> };
  const providers = provisioning('dashboards') as { apiVersion: number; providers: Array<{ type: string; options: { path: string } }> };
  const dashboards = loadDashboards();

  it('provisions one Prometheus data source with a fixed uid, and a file provider for the dashboards', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources).toHaveLength(1);
    expect(datasources.datasources[0]).toMatchObject({ uid: 'facetag-prometheus', type: 'prometheus', url: 'http://127.0.0.1:9090' });
    expect(providers.apiVersion).toBe(1);
    expect(providers.providers[0]).toMatchObject({ type: 'file' });
    expect(providers.providers[0]!.options.path).toMatch(/^\//);
  });

  it('ships the cluster overview, pipeline and node dashboards with unique uids', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['cluster-overview.json', 'node.json', 'pipeline.json']);
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(3);
    for (const { dashboard } of dashboards) {
      expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      expect(dashboard.title).toMatch(/^facetag \/ /);
    }
  });

  for (const { file, dashboard } of dashboards) {
    it(`${file}: schemaVersion >= 36, valid panels, every target an expression on the provisioned data source`, () => {
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
      const dsVar = dashboard.templating.list.find((v) => v.name === 'datasource')!;
      expect(dsVar).toMatchObject({ type: 'datasource', query: 'prometheus', current: { value: datasources.datasources[0]!.uid } });
      for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      const panels = allPanels(dashboard.panels);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      const cells = new Set<string>();
      let targets = 0;
      for (const p of panels) {
        expect(PANEL_TYPES.has(p.type), `${p.title}: type ${p.type}`).toBe(true);
        expect(Number.isInteger(p.id) && p.id > 0).toBe(true);
        const g = p.gridPos;
        expect(g.w).toBeGreaterThan(0);
        expect(g.h).toBeGreaterThan(0);
        expect(g.x + g.w, `${p.title} is wider than the grid`).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`), `${p.title} overlaps another panel at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
        if (p.type === 'row') continue;
        expect(p.title.length).toBeGreaterThan(0);
        expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets!.length, `${p.title} has no query`).toBeGreaterThan(0);
        expect(new Set(p.targets!.map((t) => t.refId)).size).toBe(p.targets!.length);
        for (const t of p.targets!) {
          expect(t.expr?.trim().length, `${p.title} ${t.refId} has no expr`).toBeGreaterThan(0);
          expect(t.datasource).toEqual(p.datasource);
          targets++;
        }
      }
      expect(targets).toBeGreaterThan(5);
    });
  }

  it('uses only metrics that facetag processes and the collector export', async () => {
    // The names a real process and a real collector (scraping that process) export.
    const target = createMetrics({ dataDir: mkdtempSync(join(tmpdir(), 'facetag-dashboards-')) });
    const app = new Hono();
    app.get('/healthz', (c) => c.json({ ok: true }));
    app.get('/metrics', async () => new Response(await target.text()));
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      target.modelInfo.set({ detector: 'd', embedder: 'e', version: 'v' }, 1);
      // Series of these two appear with their first value.
      recordHttpRequest(target, { method: 'GET', route: '/healthz', status: 200, seconds: 0.001 });
      const collector = createCollector({
        metrics: createMetrics({ dataDir: null, queues: [], pipeline: false }), timeoutMs: 2000,
        targets: [{ node: 'n', role: 'r', url: `http://127.0.0.1:${port}` }],
        services: [{ name: 's', probe: async () => {} }],
      });
      const text = `${await target.text()}${await (await collector.app.request('/metrics')).text()}`;
      const known = new Set([...text.matchAll(/^(facetag_\w+)(?:\{| )/gm)].map((m) => m[1]!));
      const used = new Set([...dashboardExprs().map((e) => e.expr), ...alertRules().map((r) => r.expr)]
        .flatMap((e) => [...e.matchAll(/\bfacetag_\w+/g)].map((m) => m[0])));
      expect(used.size).toBeGreaterThan(25);
      for (const name of used) expect(known.has(name), `${name} is used by a dashboard or alert but no process exports it`).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
