import { Hono } from 'hono';
import { Gauge } from 'prom-client';
import { formatExposition, parseExposition, type Sample } from './exposition.js';
import type { Metrics } from './metrics.js';
import { probeService } from './record.js';
import type { ServiceProbe } from './service-probes.js';

/** A facetag process (or MinIO) on a node of the cluster, as the cluster file lists it. */
export interface CollectorTarget {
  /** Node name, e.g. `worker-1`. */
  node: string;
  /** What runs there: `dashboard`, `detection`, `embedding`, `worker`, `minio`... */
  role: string;
  /** Base URL, e.g. `http://10.10.10.11:5001`. */
  url: string;
  /** @default "/healthz" */
  healthPath?: string | undefined;
  /** @default "/metrics" */
  metricsPath?: string | undefined;
}

export interface CollectorOptions {
  targets: CollectorTarget[];
  /** Redis, Neo4j, S3...: probed at each scrape, reported as `facetag_service_up{service}`. */
  services: ServiceProbe[];
  /** Longest wait for one probe or one scrape; a dead target costs this at most. */
  timeoutMs: number;
  /** The collector's own metrics (process figures); the cluster figures are added to it. */
  metrics: Metrics;
}

/** Figures re-exported from each target with `{node, role}` added: source name, exported name, help. */
const REEXPORTED: Array<[string, string, string]> = [
  ['facetag_host_cpu_seconds_total', 'facetag_node_cpu_seconds_total', 'CPU time of the node, all cores, by mode.'],
  ['facetag_host_cpu_cores', 'facetag_node_cpu_cores', 'Logical CPU cores of the node.'],
  ['facetag_host_memory_total_bytes', 'facetag_node_memory_total_bytes', 'Physical memory of the node.'],
  ['facetag_host_memory_available_bytes', 'facetag_node_memory_available_bytes', 'Memory available on the node.'],
  ['facetag_data_disk_size_bytes', 'facetag_node_disk_size_bytes', 'Size of the file system holding the data folder of the target.'],
  ['facetag_data_disk_available_bytes', 'facetag_node_disk_available_bytes', 'Free space on the file system holding the data folder of the target.'],
  ['facetag_data_dir_bytes', 'facetag_node_data_dir_bytes', 'Bytes in the data folder of the target.'],
  ['facetag_host_network_bytes_total', 'facetag_node_network_bytes_total', 'Bytes through the node\'s network interfaces (Linux nodes), by interface and direction.'],
  ['facetag_photos_processed_total', 'facetag_node_photos_processed_total', 'Photos indexed by the target.'],
  ['facetag_photos_analysed_total', 'facetag_node_photos_analysed_total', 'Photos analysed by the target (a cluster worker).'],
  ['facetag_process_cpu_seconds_total', 'facetag_node_process_cpu_seconds_total', 'CPU time of the target process.'],
  ['facetag_process_resident_memory_bytes', 'facetag_node_process_resident_memory_bytes', 'Resident memory of the target process.'],
];

/**
 * The cluster-wide metrics of the management node (port 9091). At each scrape it probes every
 * target's health URL and every service at once, each with a short timeout: a dead target is
 * reported down (`facetag_node_up 0`) without waiting for more. Live targets' `/metrics` are then
 * read and their machine figures re-exported with `{node, role}`.
 */
export function createCollector(options: CollectorOptions) {
  const { metrics, timeoutMs } = options;
  const registers = [metrics.registry];
  const nodeUp = new Gauge({ name: 'facetag_node_up', help: '1 when the target answered its health check at the last scrape, 0 when not.', labelNames: ['node', 'role'], registers });
  const probeSeconds = new Gauge({ name: 'facetag_probe_seconds', help: 'Time the last health check of a target took from the collector (the network latency to a live node plus its answer).', labelNames: ['node', 'role'], registers });
  const nodesUp = new Gauge({ name: 'facetag_nodes_up', help: 'Nodes with every target up.', registers });
  const nodesKnown = new Gauge({ name: 'facetag_nodes', help: 'Nodes the collector watches.', registers });
  const scrapeErrors = new Gauge({ name: 'facetag_target_scrape_ok', help: '1 when the metrics of a live target were read and parsed, 0 when not.', labelNames: ['node', 'role'], registers });

  async function checkTarget(t: CollectorTarget): Promise<Sample[] | null> {
    const labels = { node: t.node, role: t.role };
    const started = performance.now();
    let up = false;
    try {
      const res = await fetch(new URL(t.healthPath ?? '/healthz', t.url), { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await res.body?.cancel();
      up = res.ok;
    } catch {
      up = false;
    }
    nodeUp.set(labels, up ? 1 : 0);
    probeSeconds.set(labels, (performance.now() - started) / 1000);
    if (!up) return null;
    try {
      const res = await fetch(new URL(t.metricsPath ?? '/metrics', t.url), { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const { samples } = parseExposition(await res.text());
      scrapeErrors.set(labels, 1);
      return samples.map((s) => ({ ...s, labels: { ...s.labels, ...labels } }));
    } catch {
      scrapeErrors.set(labels, 0);
      return null;
    }
  }

  async function refresh(): Promise<string> {
    nodeUp.reset();
    probeSeconds.reset();
    scrapeErrors.reset();
    const [scraped] = await Promise.all([
      Promise.all(options.targets.map(checkTarget)),
      Promise.all(options.services.map((s) => probeService(metrics, s.name, () => s.probe(AbortSignal.timeout(timeoutMs))))),
    ]);
    const nodes = new Map<string, boolean>();
    options.targets.forEach((t, i) => nodes.set(t.node, (nodes.get(t.node) ?? true) && scraped[i] !== null));
    nodesKnown.set(nodes.size);
    nodesUp.set([...nodes.values()].filter(Boolean).length);
    const all = scraped.flatMap((s) => s ?? []);
    return formatExposition(REEXPORTED.map(([source, name, help]) => ({
      name, help, type: name.endsWith('_total') ? 'counter' : 'gauge',
      samples: all.filter((s) => s.name === source).map((s) => ({ ...s, name })),
    })).filter((f) => f.samples.length > 0));
  }

  // Two scrapes at once (two Prometheus servers) share one round of probes.
  let inFlight: Promise<string> | null = null;
  const collect = () => {
    inFlight ??= refresh().finally(() => (inFlight = null));
    return inFlight;
  };

  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', async () => {
    const cluster = await collect();
    return new Response(`${await metrics.text()}${cluster}`, { headers: { 'Content-Type': metrics.contentType } });
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'the collector serves /metrics and /healthz only' } }, 404));
  return { app, collect };
}

export type Collector = ReturnType<typeof createCollector>;
