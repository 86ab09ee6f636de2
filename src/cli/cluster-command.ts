import { mkdirSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkCluster, networkProbe, type Probe } from '../deploy/cluster-check.js';
import { clusterTargets, findNode, inspectClusterText, issuesMessage, readClusterText, type ClusterFile } from '../deploy/cluster-file.js';
import { nftablesRules, pfRules } from '../deploy/firewall-rules.js';
import { processesOf } from '../deploy/node-processes.js';
import { superviseProcesses } from '../deploy/supervise.js';
import { generateUnits } from '../deploy/service-units.js';
import { AppError } from '../errors.js';
import { printJson, printTable, type Command, type CommandInput } from './io.js';

const HELP = `Usage: facetag cluster <verb> [--file cluster.yaml] [options]

The cluster file (deploy/cluster.example.yaml; --file, or node.clusterFile /
FACETAG_NODE_CLUSTER_FILE) describes the nodes, their VLANs and every service's port.

  check [--static] [--node NAME] [--json] [--timeout-ms N]
        validate the file (unique ports, every role present, addresses inside their VLAN),
        then check that every service it names is reachable and healthy; exit 0 only when
        all are. --static validates without touching the network.
  up [--node NAME] [--dry-run]
        start this node's facetag processes (dashboard and metrics collector, queue worker,
        detection and embedding services), restart them when they fail, stop them on SIGTERM/Ctrl-C. The node is
        --node, node.name, or the node whose address is on this machine.
  units --print systemd|launchd [--node NAME] [--out DIR] [--install-dir DIR]
        [--node-bin PATH] [--config-file PATH] [--user NAME] [--log-dir DIR]
        systemd units (Linux) or launchd plists (macOS) for the node's processes, with
        automatic restart and a health check every 30 s; --out writes the files to DIR.
  firewall [--node NAME] [--format nftables|pf]
        inbound firewall rules for the node's role: its services open to the VLANs that use
        them, everything else dropped (nftables for Linux, a pf anchor for macOS).
  targets [--format json|prometheus]
        every HTTP metrics endpoint of the cluster: as a list, or as a Prometheus
        file_sd_configs file (labels node, role, service).
  wait-healthy --url URL [--timeout-ms N]
        wait until URL answers 2xx (used by the generated units); exit 69 on timeout.`;

const REPO_EXAMPLE = fileURLToPath(new URL('../../deploy/cluster.example.yaml', import.meta.url));

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4').map((a) => a!.address);
}

/** The cluster file and its parsed content; an invalid file throws with every problem listed. */
function readFile(input: CommandInput, flag: string | undefined): { path: string; file: ClusterFile } {
  const config = input.config();
  const given = flag ?? config.node.clusterFile;
  if (!given) throw new AppError('USAGE', 'no cluster file: pass --file cluster.yaml, or set node.clusterFile (FACETAG_NODE_CLUSTER_FILE); deploy/cluster.example.yaml is a template');
  const path = resolve(input.io.cwd, given);
  const { file, issues } = inspectClusterText(readClusterText(path));
  if (!file || issues.length > 0) throw new AppError('CLUSTER_INVALID', issuesMessage(path, issues));
  return { path, file };
}

export interface ClusterCommandDeps {
  /** The network step of `cluster check`; injected by tests. */
  probe: Probe;
}

export function createClusterCommand(deps: ClusterCommandDeps): Command {
  return async (input) => {
    const { args, io } = input;
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: {
        file: { type: 'string' }, node: { type: 'string' }, json: { type: 'boolean' }, static: { type: 'boolean' },
        'timeout-ms': { type: 'string' }, 'dry-run': { type: 'boolean' }, print: { type: 'string' }, out: { type: 'string' },
        'install-dir': { type: 'string' }, 'node-bin': { type: 'string' }, 'config-file': { type: 'string' }, user: { type: 'string' },
        'log-dir': { type: 'string' }, format: { type: 'string' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
    const [verb, extra] = positionals;
    if (values.help || !verb) {
      io.stdout.write(`${HELP}\n`);
      return values.help ? 0 : 64;
    }
    if (extra !== undefined) throw new AppError('USAGE', `cluster ${verb} takes no argument "${extra}"; run \`facetag cluster --help\``);
    const timeoutMs = values['timeout-ms'] === undefined ? 2000 : Number(values['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new AppError('USAGE', `--timeout-ms "${values['timeout-ms']}" is not a positive whole number of milliseconds`);

    if (verb === 'wait-healthy') {
      if (!values.url) throw new AppError('USAGE', 'wait-healthy needs --url http://host:port/healthz');
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        try {
          const res = await fetch(values.url, { signal: AbortSignal.timeout(Math.min(2000, Math.max(1, deadline - Date.now()))) });
          await res.body?.cancel();
          if (res.ok) return 0;
          last = `answered ${res.status}`;
        } catch (error) {
          last = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new AppError('SERVICE_UNAVAILABLE', `${values.url} was not healthy within ${timeoutMs} ms (${last}); see the service's log`);
    }

    const { path, file } = readFile(input, values.file);
    const nodeName = values.node ?? input.config().node.name;
    const node = () => findNode(file, { name: nodeName, localAddresses: localAddresses() });

    if (verb === 'check') {
      if (!values.static && resolve(path) === REPO_EXAMPLE) {
        throw new AppError('USAGE', `${path} is the example cluster file, whose addresses are not yours; copy it, put in your nodes' addresses, and check the copy (\`cluster check --static\` validates the example without the network)`);
      }
      if (nodeName && !file.nodes.some((n) => n.name === nodeName)) throw new AppError('CLUSTER_INVALID', `no node named "${nodeName}"; use one of ${file.nodes.map((n) => n.name).join(', ')}`);
      const report = await checkCluster(file, { static: Boolean(values.static), probe: deps.probe, timeoutMs, node: values.node });
      if (values.json) printJson(io, { file: path, valid: true, ok: report.ok, rows: report.rows });
      else {
        io.stdout.write(`cluster file ${path}: valid (${file.nodes.length} nodes, ${file.vlans.length} VLANs, ${report.rows.length} services)\n`);
        printTable(io, ['node', 'role', 'service', 'address', 'status', 'detail'], report.rows.map((r) => [r.node, r.role, r.service, `${r.address}:${r.port}`, r.status, r.detail]));
        if (!values.static) {
          const bad = report.rows.filter((r) => r.status === 'unhealthy').length;
          io.stdout.write(bad === 0 ? 'all services healthy\n' : `${bad} service${bad > 1 ? 's' : ''} unreachable or unhealthy\n`);
        }
      }
      return report.ok ? 0 : 69;
    }

    if (verb === 'targets') {
      const format = values.format ?? 'json';
      if (format !== 'json' && format !== 'prometheus') throw new AppError('USAGE', `--format "${format}" is not known; use json or prometheus`);
      const targets = clusterTargets(file);
      printJson(io, format === 'json' ? targets : targets.map((t) => {
        const url = new URL(t.url);
        return { targets: [url.host], labels: { node: t.node, role: t.role, service: t.service, __metrics_path__: url.pathname } };
      }));
      return 0;
    }

    if (verb === 'firewall') {
      const format = values.format ?? (process.platform === 'darwin' ? 'pf' : 'nftables');
      if (format !== 'nftables' && format !== 'pf') throw new AppError('USAGE', `--format "${format}" is not known; use nftables (Linux) or pf (macOS)`);
      const n = node();
      io.stdout.write(format === 'pf' ? pfRules(file, n) : nftablesRules(file, n));
      return 0;
    }

    if (verb === 'units') {
      const kind = values.print;
      if (kind !== 'systemd' && kind !== 'launchd') throw new AppError('USAGE', `units needs --print systemd (Linux) or --print launchd (macOS)${kind ? `, not "${kind}"` : ''}`);
      const n = node();
      const units = generateUnits(kind, file, n, {
        installDir: values['install-dir'] ?? '/opt/facetag',
        nodeBin: values['node-bin'] ?? (kind === 'launchd' ? '/opt/homebrew/bin/node' : '/usr/bin/node'),
        configFile: values['config-file'] ?? '/etc/facetag/facetag.yaml',
        user: values.user === '' ? null : (values.user ?? 'facetag'),
        logDir: values['log-dir'] ?? '/usr/local/var/log/facetag',
      });
      if (values.out) {
        const dir = resolve(io.cwd, values.out);
        mkdirSync(dir, { recursive: true });
        for (const u of units) writeFileSync(join(dir, u.name), u.text);
        io.stdout.write(`wrote ${units.map((u) => u.name).join(', ')} to ${dir}\n`);
      } else {
        for (const u of units) io.stdout.write(`# ==> ${u.name} <==\n${u.text}\n`);
      }
      return 0;
    }

    if (verb === 'up') {
      const n = node();
      const config = input.config();
      const common = [...(config.configFile ? ['--config', config.configFile] : []), '--data', config.data.dir];
      // The collector watches the targets of this very file, whatever node.clusterFile says.
      const processes = processesOf(file, n).map((p) => ({ ...p, args: [...p.args, ...(p.name === 'collector' ? ['--cluster-file', path] : []), ...common] }));
      if (values['dry-run'] || processes.length === 0) {
        io.stdout.write(`node ${n.name} (${n.roles.join(', ')}, ${n.address}) runs:\n`);
        for (const p of processes) io.stdout.write(`  facetag ${p.args.join(' ')}\n`);
        if (processes.length === 0) io.stdout.write('  (no facetag process: its services, e.g. MinIO, run on their own)\n');
        return 0;
      }
      return superviseProcesses(processes, { io, bin: fileURLToPath(new URL('../../bin/facetag.js', import.meta.url)) });
    }

    throw new AppError('USAGE', `unknown verb "cluster ${verb}"; run \`facetag cluster --help\``);
  };
}

export const clusterCommand: Command = createClusterCommand({ probe: networkProbe });
