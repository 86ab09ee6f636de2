import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
export const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

/**
 * True when the binary is installed (Debian package `prometheus`, see .ci/run). Outside CI a
 * suite that needs it is skipped with a loud message; under CI=true its absence is an error.
 */
export function requireBinary(path: string, suite: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: ${path} is missing, and CI=true requires this suite to run (apt-get install -y prometheus)`);
  console.warn(`\n!!! SKIPPED: ${suite} needs ${path}, which is absent (apt-get install -y prometheus) !!!\n`);
  return false;
}

/** `promtool <args>`: its exit code and output. */
export function promtool(args: string[]) {
  const r = spawnSync(PROMTOOL, args, { encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

export interface RunningPrometheus {
  url: string;
  /** Milliseconds from spawn to /-/ready answering 200. */
  startupMs: number;
  query(expr: string): Promise<{ status: string; error?: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } }>;
  api<T = any>(path: string): Promise<T>;
  log(): string;
  /** Reloads the config file (SIGHUP) and waits until Prometheus serves a config that contains `expect`. */
  reload(expect: string): Promise<void>;
  stop(): Promise<void>;
}

/** The series an instant query answers, as labels and a number; the query must succeed. */
export async function seriesOf(prom: RunningPrometheus, expr: string) {
  const r = await prom.query(expr);
  expect(r.status, `${expr}: ${r.error}`).toBe('success');
  return r.data.result.map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
}

/** The value of a query that must answer exactly one series. */
export async function oneValue(prom: RunningPrometheus, expr: string): Promise<number> {
  const rows = await seriesOf(prom, expr);
  expect(rows, expr).toHaveLength(1);
  return rows[0]!.value;
}

/**
 * A real Prometheus on 127.0.0.1 (a free port), with its own temporary TSDB: never the system
 * service. `config` is the path of its prometheus.yml.
 */
export async function startPrometheus(config: string, port: number): Promise<RunningPrometheus> {
  const storage = mkdtempSync(join(tmpdir(), 'facetag-prom-tsdb-'));
  const started = performance.now();
  const child: ChildProcess = spawn(PROMETHEUS, [
    `--config.file=${config}`, `--storage.tsdb.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn', '--storage.tsdb.retention.time=1h',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (performance.now() - started > 60_000) throw new Error(`prometheus not ready after 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const startupMs = Math.round(performance.now() - started);
  const api = async <T = any>(path: string): Promise<T> => (await fetch(`${url}${path}`)).json() as Promise<T>;
  return {
    url, startupMs, api,
    query: (expr) => api(`/api/v1/query?query=${encodeURIComponent(expr)}`),
    log: () => log,
    async reload(expect) {
      child.kill('SIGHUP');
      const deadline = performance.now() + 30_000;
      for (;;) {
        const served = await api<{ data?: { yaml?: string } }>('/api/v1/status/config').then((r) => r.data?.yaml ?? '', () => '');
        if (served.includes(expect)) return;
        if (performance.now() > deadline) throw new Error(`prometheus did not reload a config with ${expect} in 30 s:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The shipped prometheus.yml with every target moved to 127.0.0.1: `ports` maps a shipped
 * `host:port` to a local port; any other target goes to `deadPort`. Scrapes and rule
 * evaluation every second. Returns the YAML text.
 */
export function loopbackConfig(ports: Record<string, number>, deadPort: number, rulesFile: string): string {
  const config = parseYaml(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as {
    global: Record<string, unknown>; rule_files: string[];
    scrape_configs: Array<{ static_configs: Array<{ targets: string[] }>; scrape_interval?: string; scrape_timeout?: string }>;
  };
  config.global = { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
  config.rule_files = [rulesFile];
  for (const job of config.scrape_configs) {
    delete job.scrape_interval;
    delete job.scrape_timeout;
    for (const s of job.static_configs) s.targets = s.targets.map((t) => `127.0.0.1:${ports[t] ?? deadPort}`);
  }
  return JSON.stringify(config, null, 2);
}
