import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDocument } from 'yaml';
import { createClusterCommand } from '../../src/cli/cluster-command.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Probe } from '../../src/deploy/cluster-check.js';
import { json, REPO, runFacetag, startFacetag } from '../helpers/cli.js';
import { clusterPorts, loopbackClusterCopy, type YamlDoc } from '../helpers/cluster.js';
import { fixture } from '../helpers/photos.js';
import { startService, type RunningService } from '../helpers/service.js';
import { freePort } from '../helpers/ports.js';

const EXAMPLE = join(REPO, 'deploy/cluster.example.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'facetag-cluster-'));

const loopbackCopy = (name: string, edit?: (doc: YamlDoc) => void) => loopbackClusterCopy(join(tmp, name), edit);

function brokenExample(name: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(readFileSync(EXAMPLE, 'utf8'));
  edit(doc);
  const path = join(tmp, name);
  writeFileSync(path, doc.toString());
  return path;
}

/** Runs `facetag cluster ...` in this process with a probe that records every target and refuses non-loopback ones. */
async function inProcess(args: string[]) {
  const probed: string[] = [];
  const probe: Probe = async (e) => {
    probed.push(`${e.address}:${e.port}`);
    if (!e.address.startsWith('127.')) throw new Error(`refused to probe ${e.address}: tests stay on loopback`);
    return { healthy: false, detail: 'test probe' };
  };
  let stdout = '';
  const io = { env: {}, cwd: REPO, stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: () => true } } as never;
  const code = await createClusterCommand({ probe })({ args, io, config: () => loadConfig({ env: {}, cwd: REPO }) });
  return { code, stdout, probed };
}

describe('facetag cluster check --static', () => {
  it('validates the example file without opening a socket', async () => {
    const connect = vi.spyOn(Socket.prototype, 'connect');
    try {
      const r = await inProcess(['check', '--static', '--file', EXAMPLE, '--json']);
      expect(r.code).toBe(0);
      expect(r.probed).toEqual([]);
      expect(connect).not.toHaveBeenCalled();
      const report = JSON.parse(r.stdout) as { valid: boolean; rows: Array<{ status: string; service: string; address: string; port: number }> };
      expect(report.valid).toBe(true);
      expect(report.rows).toHaveLength(15);
      expect(report.rows.every((row) => row.status === 'not checked')).toBe(true);
      expect(report.rows).toContainEqual(expect.objectContaining({ service: 'minioConsole', address: '10.20.20.100', port: 9001 }));
    } finally {
      connect.mockRestore();
    }
  });

  it('refuses a network check of the example itself (its addresses are not this cluster\'s)', async () => {
    const r = await runFacetag(['cluster', 'check', '--file', EXAMPLE]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('is the example cluster file');
  });

  it('prints a table for the example through the real CLI', async () => {
    const r = await runFacetag(['cluster', 'check', '--static', '--file', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid (4 nodes, 3 VLANs, 15 services)');
    expect(r.stdout).toMatch(/worker-2\s+worker\s+detection\s+10\.10\.10\.12:5001\s+not checked/);
  });

  it.each([
    ['duplicate port', (d: ReturnType<typeof parseDocument>) => d.setIn(['ports', 'embedding'], 5001), 'ports.embedding: port 5001 is given to detection and embedding; give each service its own port'],
    ['address outside its VLAN', (d: ReturnType<typeof parseDocument>) => d.setIn(['nodes', 0, 'address'], '10.10.10.10'), 'nodes[0].address: node mgmt has address 10.10.10.10, outside VLAN 30 (10.30.30.0/24)'],
    ['missing role', (d: ReturnType<typeof parseDocument>) => { d.deleteIn(['nodes', 2]); d.deleteIn(['nodes', 1]); }, 'nodes: no node has the worker role (it runs detection, embedding, workerMetrics); add a node with roles: [worker]'],
  ])('refuses a %s with a message naming the entry and the fix', async (name, edit, message) => {
    const path = brokenExample(`${name.replace(/ /g, '-')}.yaml`, edit);
    const r = await runFacetag(['cluster', 'check', '--static', '--file', path]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('[CLUSTER_INVALID]');
  });
});

describe('facetag cluster check against running services (loopback cluster)', () => {
  let detection: RunningService;
  let embedding: RunningService;
  let file: string;
  let onlyWorker1: string;

  beforeAll(async () => {
    file = await loopbackCopy('check.yaml', (d) => d.setIn(['nodes', 1, 'services'], ['detection', 'embedding']));
    const ports = clusterPorts(file);
    [detection, embedding] = await Promise.all([
      startService('detection', { host: '127.0.0.11', port: ports.detection }),
      startService('embedding', { host: '127.0.0.11', port: ports.embedding }),
    ]);
    onlyWorker1 = join(tmp, 'only-worker-1.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    for (const i of [0, 2, 3]) doc.setIn(['nodes', i, 'services'], []);
    writeFileSync(onlyWorker1, doc.toString());
  });
  afterAll(async () => {
    await Promise.all([detection?.stop(), embedding?.stop()]);
  });

  it('marks the running services healthy, the dead ports unhealthy, and exits non-zero', async () => {
    const r = await runFacetag(['cluster', 'check', '--file', file, '--json', '--timeout-ms', '1000']);
    expect(r.code).toBe(69);
    const report = json<{ ok: boolean; rows: Array<{ node: string; service: string; status: string; detail: string }> }>(r);
    expect(report.ok).toBe(false);
    const row = (node: string, service: string) => report.rows.find((x) => x.node === node && x.service === service);
    expect(row('worker-1', 'detection')).toMatchObject({ status: 'healthy', detail: '200 /healthz' });
    expect(row('worker-1', 'embedding')).toMatchObject({ status: 'healthy', detail: '200 /healthz' });
    expect(row('worker-2', 'detection')).toMatchObject({ status: 'unhealthy', detail: 'ECONNREFUSED' });
    expect(row('mgmt', 'redis')).toMatchObject({ status: 'unhealthy', detail: 'ECONNREFUSED' });
    expect(row('mgmt', 'neo4jBolt')).toMatchObject({ status: 'unhealthy' });
  });

  it('exits 0 with a table when every service it names is healthy', async () => {
    const r = await runFacetag(['cluster', 'check', '--file', onlyWorker1]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/worker-1\s+worker\s+detection\s+127\.0\.0\.11:\d+\s+healthy\s+200 \/healthz/);
    expect(r.stdout).toContain('all services healthy');
  });
});

describe('facetag cluster up', () => {
  it('starts the node\'s processes, restarts one that dies, and stops them all on SIGTERM', async () => {
    const file = await loopbackCopy('up.yaml', (d) => {
      for (const i of [0, 1, 3]) d.setIn(['nodes', i, 'services'], []);
      d.setIn(['nodes', 2, 'services'], ['detection', 'embedding']);
      d.setIn(['nodes', 2, 'run'], ['detection', 'embedding']);
    });
    const dry = await runFacetag(['cluster', 'up', '--file', file, '--node', 'worker-2', '--dry-run']);
    expect(dry.stdout).toMatch(/facetag service detection --host 127\.0\.0\.12 --port \d+/);

    const data = mkdtempSync(join(tmpdir(), 'facetag-up-'));
    const up = startFacetag(['cluster', 'up', '--file', file, '--node', 'worker-2', '--data', data], { env: { FACETAG_LOG_LEVEL: 'warn' } });
    let out = '';
    let err = '';
    up.stdout!.on('data', (d) => (out += d));
    up.stderr!.on('data', (d) => (err += d));
    const waitFor = (test: () => boolean, what: string) => new Promise<void>((resolve, reject) => {
      const check = () => {
        if (test()) return resolve();
        if (up.exitCode !== null) return reject(new Error(`cluster up exited before ${what}:\n${out}\n${err}`));
        setTimeout(check, 100);
      };
      check();
    });
    try {
      await waitFor(() => /\[detection\] facetag detection service/.test(out) && /\[embedding\] facetag embedding service/.test(out), 'both services listened');
      const healthy = await runFacetag(['cluster', 'check', '--file', file, '--node', 'worker-2', '--json']);
      expect(healthy.code).toBe(0);
      expect(json<{ rows: Array<{ status: string }> }>(healthy).rows.map((r) => r.status)).toEqual(['healthy', 'healthy']);

      // Kill one child the hard way: the supervisor brings it back.
      const children = [...err.matchAll(/(detection|embedding) \(pid (\d+)\)/g)].map((m) => Number(m[2]));
      expect(children).toHaveLength(2);
      process.kill(children[0]!, 'SIGKILL');
      await waitFor(() => /stopped \(SIGKILL\); restarting in 1 s/.test(err), 'the restart message');
      await waitFor(() => (out.match(/service: http/g) ?? []).length === 3, 'the restarted service listened');
      expect((await runFacetag(['cluster', 'check', '--file', file, '--node', 'worker-2'])).code).toBe(0);

      up.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => (up.exitCode !== null ? r(up.exitCode) : up.once('exit', (c) => r(c))));
      expect(code).toBe(0);
      const after = await runFacetag(['cluster', 'check', '--file', file, '--node', 'worker-2', '--json', '--timeout-ms', '500']);
      expect(json<{ rows: Array<{ detail: string }> }>(after).rows.map((r) => r.detail)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    } finally {
      if (up.exitCode === null) up.kill('SIGKILL');
    }
  });
});

describe('facetag cluster targets', () => {
  it('lists every metrics endpoint, and writes a Prometheus file_sd file', async () => {
    const list = await runFacetag(['cluster', 'targets', '--file', EXAMPLE]);
    expect(list.code).toBe(0);
    expect(json(list)).toContainEqual({ node: 'worker-1', role: 'worker', service: 'detection', url: 'http://10.10.10.11:5001/metrics', healthUrl: 'http://10.10.10.11:5001/healthz' });
    const sd = json<Array<{ targets: string[]; labels: Record<string, string> }>>(await runFacetag(['cluster', 'targets', '--file', EXAMPLE, '--format', 'prometheus']));
    expect(sd).toHaveLength(10);
    expect(sd).toContainEqual({ targets: ['10.10.10.11:9101'], labels: { node: 'worker-1', role: 'worker', service: 'workerMetrics', __metrics_path__: '/metrics' } });
    expect(sd).toContainEqual({ targets: ['10.10.10.12:5002'], labels: { node: 'worker-2', role: 'worker', service: 'embedding', __metrics_path__: '/metrics' } });
  });
});

describe('facetag cluster units and firewall', () => {
  it('writes systemd units that systemd-analyze verify accepts, with restart and health checks', async () => {
    const out = join(tmp, 'systemd');
    const r = await runFacetag(['cluster', 'units', '--print', 'systemd', '--file', fixture('cluster.loopback.yaml'), '--node', 'worker-1',
      '--out', out, '--install-dir', REPO, '--node-bin', process.execPath, '--user', '']);
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(['facetag-detection-health.service', 'facetag-detection-health.timer', 'facetag-detection.service',
      'facetag-embedding-health.service', 'facetag-embedding-health.timer', 'facetag-embedding.service',
      'facetag-worker-health.service', 'facetag-worker-health.timer', 'facetag-worker.service']);
    const detection = readFileSync(join(out, 'facetag-detection.service'), 'utf8');
    expect(detection).toContain('Restart=on-failure');
    expect(detection).toMatch(/ExecStart=\S+ \S+\/bin\/facetag\.js service detection --host 127\.0\.0\.11 --port 15001/);
    expect(detection).toContain('ExecStartPost=');
    expect(detection).toContain('cluster wait-healthy --url http://127.0.0.11:15001/healthz');
    expect(readFileSync(join(out, 'facetag-detection-health.timer'), 'utf8')).toContain('OnUnitActiveSec=30');
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', ...files.map((f) => join(out, f))], { encoding: 'utf8' });
    if (verify.error) {
      if (process.env.CI === 'true') throw new Error('systemd-analyze is missing, and CI=true requires this check');
      console.warn('\n!!! SKIPPED: systemd-analyze verify (systemd-analyze is absent) !!!\n');
      return;
    }
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it('prints launchd plists with KeepAlive and a health-check job', async () => {
    const r = await runFacetag(['cluster', 'units', '--print', 'launchd', '--file', EXAMPLE, '--node', 'mgmt']);
    expect(r.code).toBe(0);
    const plists = r.stdout.split(/^# ==> (.+) <==$/m).slice(1);
    const names = plists.filter((_, i) => i % 2 === 0);
    expect(names).toEqual(['org.facetag.serve.plist', 'org.facetag.serve.health.plist', 'org.facetag.collector.plist', 'org.facetag.collector.health.plist']);
    const serve = plists[1]!;
    expect(serve).toContain('<key>KeepAlive</key>');
    expect(serve).toMatch(/<key>SuccessfulExit<\/key>\s*<false\/>/);
    expect(serve).toMatch(/<string>serve<\/string>\s*<string>--host<\/string>\s*<string>10\.30\.30\.10<\/string>\s*<string>--port<\/string>\s*<string>8080<\/string>/);
    expect(plists[3]).toContain('launchctl kickstart -k system/org.facetag.serve');
    for (const p of [serve, plists[3]!]) {
      // Well-formed: every element opened is closed, in order.
      const stack: string[] = [];
      for (const [, close, name, self] of p.replace(/<\?xml[^>]*>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
        if (self) continue;
        if (close) expect(stack.pop()).toBe(name);
        else stack.push(name!);
      }
      expect(stack).toEqual([]);
    }
  });

  it('prints an nftables ruleset per node that `nft -c` accepts, opening only that node\'s ports to the right VLANs', async () => {
    const hasNft = spawnSync('nft', ['--version']).status === 0;
    if (!hasNft) {
      if (process.env.CI === 'true') throw new Error('nft is missing, and CI=true requires this check (apt-get install nftables)');
      console.warn('\n!!! SKIPPED: nft -c checks (nft is absent; apt-get install nftables) !!!\n');
    }
    for (const node of ['mgmt', 'worker-1', 'storage']) {
      const r = await runFacetag(['cluster', 'firewall', '--file', EXAMPLE, '--node', node, '--format', 'nftables']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('policy drop;');
      if (node === 'worker-1') {
        expect(r.stdout).toContain('ip saddr { 10.10.10.0/24, 10.30.30.0/24 } tcp dport 5001 accept');
        expect(r.stdout).toContain('ip saddr { 10.30.30.0/24 } tcp dport 22 accept');
        expect(r.stdout).not.toContain('dport 8080');
      }
      if (node === 'storage') expect(r.stdout).toContain('ip saddr { 10.30.30.0/24 } tcp dport 9001 accept');
      if (hasNft) {
        const path = join(tmp, `${node}.nft`);
        writeFileSync(path, r.stdout);
        const check = spawnSync('nft', ['-c', '-f', path], { encoding: 'utf8' });
        expect(check.stderr).toBe('');
        expect(check.status).toBe(0);
      }
    }
    // And nft -c does catch a broken ruleset, so the check above means something.
    if (hasNft) {
      writeFileSync(join(tmp, 'bad.nft'), 'table inet facetag {\n  chain input {\n    tcp dport 99999 accept\n  }\n}\n');
      expect(spawnSync('nft', ['-c', '-f', join(tmp, 'bad.nft')]).status).not.toBe(0);
    }
  });

  it('prints a pf anchor: tables before use, every port passed from its VLANs, everything else blocked', async () => {
    const r = await runFacetag(['cluster', 'firewall', '--file', EXAMPLE, '--node', 'mgmt', '--format', 'pf']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
    const tables = new Map(lines.filter((l) => l.startsWith('table')).map((l) => [/<(\w+)>/.exec(l)![1]!, /\{ (.+) \}/.exec(l)![1]!]));
    const passes = lines.filter((l) => l.startsWith('pass in quick inet proto tcp'));
    const byPort = new Map(passes.map((l) => [Number(/port (\d+)/.exec(l)![1]), tables.get(/<(\w+)>/.exec(l)![1]!)]));
    expect(byPort).toEqual(new Map([
      [22, '10.30.30.0/24'], [8080, '10.30.30.0/24'], [9091, '10.30.30.0/24'], [9090, '10.30.30.0/24'], [3000, '10.30.30.0/24'],
      [7687, '10.10.10.0/24 10.30.30.0/24'], [8000, '10.10.10.0/24 10.30.30.0/24'], [6379, '10.10.10.0/24 10.30.30.0/24'],
    ]));
    expect(lines.indexOf('block in log all')).toBeLessThan(lines.indexOf(passes[0]!));
    expect(lines.findIndex((l) => l.startsWith('table'))).toBe(0);
    for (const l of passes) expect(l).toMatch(/flags S\/SA keep state/);
  });
});

describe('the seed-style scripts', () => {
  it('services/start_services.sh starts both services on the configured ports and stops them on SIGTERM', async () => {
    const [det, emb] = [await freePort(), await freePort()];
    const data = mkdtempSync(join(tmpdir(), 'facetag-script-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FACETAG_')));
    const { spawn } = await import('node:child_process');
    const child = spawn('bash', [join(REPO, 'services/start_services.sh'), '--host', '127.0.0.1', '--data', data], {
      env: { ...env, FACETAG_SERVICES_DETECTION_PORT: String(det), FACETAG_SERVICES_EMBEDDING_PORT: String(emb), FACETAG_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = () => (out.includes(`127.0.0.1:${det}/`) && out.includes(`127.0.0.1:${emb}/`) ? resolve() : child.exitCode !== null ? reject(new Error(out)) : setTimeout(check, 100));
        check();
      });
      for (const port of [det, emb]) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
      await expect(fetch(`http://127.0.0.1:${det}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
