import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../errors.js';
import { loadClusterFile } from '../deploy/cluster-file.js';
import { collectorTargetsOf, mergeTargets } from '../metrics/cluster-targets.js';
import { createCollector } from '../metrics/collector.js';
import { createMetrics } from '../metrics/metrics.js';
import { probeFromUrl } from '../metrics/service-probes.js';
import type { Command } from './io.js';
import { listen } from '../server/listen.js';

const HELP = `Usage: facetag metrics collect [--host H] [--port N] [--cluster-file FILE] [--target node/role=url]... [--service name=url]...

The cluster's metrics collector (default http://127.0.0.1:9091/metrics, for Prometheus on the
management node). At each scrape it checks every target's /healthz and every service at once,
with a short timeout (metrics.timeoutMs), and re-exports the targets' machine figures with
{node, role} labels. See docs/MONITORING.md.

  --host H                  address to bind (metrics.host, default 127.0.0.1)
  --port N                  port (metrics.port, default 9091; 0 picks a free one)
  --target node/role=url    a process to watch, e.g. worker-1/detection=http://10.10.10.11:5001
                            (repeatable; replaces metrics.targets, env FACETAG_METRICS_TARGETS)
  --service name=url        a service to probe: tcp://host:port or an http(s) URL answering 2xx
                            (repeatable; replaces metrics.services, env FACETAG_METRICS_SERVICES)
  --cluster-file FILE       also watch every facetag process of this cluster file (dashboard,
                            detection, embedding, queue worker); default node.clusterFile`;

export const metricsCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      target: { type: 'string', multiple: true }, service: { type: 'string', multiple: true }, 'cluster-file': { type: 'string' },
    },
  });
  if (values.help || positionals.length === 0) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  if (positionals[0] !== 'collect' || positionals.length > 1) {
    throw new AppError('USAGE', `unknown metrics command "${positionals.join(' ')}"; the one command is \`facetag metrics collect\``);
  }
  const config = load({
    metrics: {
      host: values.host, port: values.port,
      targets: values.target ? values.target.join(',') : undefined,
      services: values.service ? values.service.join(',') : undefined,
    },
  });
  const clusterFile = values['cluster-file'] ?? config.node.clusterFile;
  const targets = mergeTargets(config.metrics.targets, clusterFile ? collectorTargetsOf(loadClusterFile(resolve(io.cwd, clusterFile))) : []);
  const metrics = createMetrics({ dataDir: config.data.dir, queues: [], pipeline: false });
  const collector = createCollector({
    metrics, timeoutMs: config.metrics.timeoutMs, targets,
    services: config.metrics.services.map((s) => probeFromUrl(s.name, s.url)),
  });
  const http = await listen(collector.app.fetch, config.metrics.host, config.metrics.port, 'FACETAG_METRICS_PORT');
  io.stdout.write(`facetag metrics collector: ${http.origin}/metrics (${targets.length} targets, ${config.metrics.services.length} services)\n`);
  let stopped: () => void = () => {};
  const stop = () => stopped();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await new Promise<void>((resolve) => (stopped = resolve));
    await http.close();
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
};
