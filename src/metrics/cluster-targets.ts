import { clusterTargets, type ClusterFile, type ServiceName } from '../deploy/cluster-file.js';
import type { CollectorTarget } from './collector.js';

/** The `role` label of each cluster service the collector watches (the names of deploy/prometheus/prometheus.yml). */
const WATCHED: Partial<Record<ServiceName, string>> = {
  dashboard: 'dashboard', detection: 'detection', embedding: 'embedding', workerMetrics: 'worker',
};

/**
 * The collector's targets from the cluster file: every facetag process with a metrics port
 * (dashboard, detection, embedding, queue worker). The collector itself, Prometheus and
 * Grafana are left out: they export no facetag figures.
 */
export function collectorTargetsOf(file: ClusterFile): CollectorTarget[] {
  return clusterTargets(file).flatMap((t) => {
    const role = WATCHED[t.service];
    if (!role) return [];
    const metrics = new URL(t.url);
    return [{ node: t.node, role, url: metrics.origin, metricsPath: metrics.pathname, healthPath: t.healthUrl ? new URL(t.healthUrl).pathname : '/healthz' }];
  });
}

/** `metrics.targets` first, then the cluster file's targets that are not already there (same node and role). */
export function mergeTargets(configured: CollectorTarget[], fromCluster: CollectorTarget[]): CollectorTarget[] {
  const seen = new Set(configured.map((t) => `${t.node}/${t.role}`));
  return [...configured, ...fromCluster.filter((t) => !seen.has(`${t.node}/${t.role}`))];
}
