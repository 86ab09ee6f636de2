import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { errorCodes } from '../errors.js';
import { registerSystemMetrics } from './system-metrics.js';

/** Pipeline stages timed per photo (`facetag_stage_seconds{stage}`). */
export const STAGES = ['read', 'decode', 'detect', 'embed', 'store'] as const;
export type Stage = (typeof STAGES)[number];

/** What clustering changed (`facetag_cluster_changes_total{kind}`): by the machine, then by a person. */
export const CLUSTER_CHANGE_KINDS = ['face_assigned', 'person_created', 'merge', 'split', 'move', 'reject', 'confirm'] as const;
export type ClusterChangeKind = (typeof CLUSTER_CHANGE_KINDS)[number];

/** Job states reported per queue (`facetag_queue_depth{queue,state}`), BullMQ's names. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface MetricsOptions {
  /** The data folder whose file system `facetag_data_disk_*` reports; null for a process without one. */
  dataDir: string | null;
  /** Queues this process reports, zero-initialised so `rate()` and alerts work from the first scrape. @default ["index"] */
  queues?: string[];
  /**
   * Export the pipeline, library and HTTP metrics. The collector, which indexes nothing, sets
   * false: its handles still work but nothing of them is exported. @default true
   */
  pipeline?: boolean;
  /**
   * Export the request metrics of a detection or embedding service (`facetag service`), which
   * sets true (with `pipeline: false`). @default false
   */
  service?: boolean;
}

/**
 * Every facetag metric, defined once, in a registry of its own (one per process, one per test:
 * nothing global). Names follow `facetag_<thing>_<unit>`; process figures (CPU, memory, event-loop
 * lag, GC) are prom-client's defaults under the `facetag_` prefix.
 */
export function createMetrics(options: MetricsOptions) {
  const registry = new Registry();
  const registers = [registry];
  const pipelineRegisters = options.pipeline === false ? [] : registers;
  collectDefaultMetrics({ register: registry, prefix: 'facetag_' });

  const photosProcessed = new Counter({ name: 'facetag_photos_processed_total', help: 'Photos analysed and stored with their faces.', registers: pipelineRegisters });
  const photosSkipped = new Counter({ name: 'facetag_photos_skipped_total', help: 'Photos skipped because their content and model are unchanged since the last run.', registers: pipelineRegisters });
  const photosFailed = new Counter({ name: 'facetag_photos_failed_total', help: 'Photos that could not be indexed, by error code (see src/errors.ts).', labelNames: ['code'], registers: pipelineRegisters });
  const photosAnalysed = new Counter({ name: 'facetag_photos_analysed_total', help: 'Photos whose faces this process found and embedded for another to store (a cluster worker); the writer counts them in facetag_photos_processed_total.', registers: pipelineRegisters });
  const jobFailures = new Counter({ name: 'facetag_job_failures_total', help: 'Runs of queue jobs that failed, by job and error code (a retried job counts each run; the photos that failed for good are in facetag_photos_failed_total).', labelNames: ['job', 'code'], registers: pipelineRegisters });
  const facesDetected = new Counter({ name: 'facetag_faces_detected_total', help: 'Faces found in analysed photos.', registers: pipelineRegisters });
  const stageSeconds = new Histogram({
    name: 'facetag_stage_seconds', help: 'Time one photo spends in a pipeline stage.', labelNames: ['stage'], registers: pipelineRegisters,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const queueDepth = new Gauge({ name: 'facetag_queue_depth', help: 'Jobs in a queue, by state.', labelNames: ['queue', 'state'], registers: pipelineRegisters });
  const queueLag = new Gauge({ name: 'facetag_queue_lag_seconds', help: 'How long the oldest waiting job has waited (0 when none waits).', labelNames: ['queue'], registers: pipelineRegisters });
  const photos = new Gauge({ name: 'facetag_photos', help: 'Photos in the catalog (indexed).', registers: pipelineRegisters });
  const photosQuarantined = new Gauge({ name: 'facetag_photos_quarantined', help: 'Photos in the catalog recorded as failed (quarantined).', registers: pipelineRegisters });
  const faces = new Gauge({ name: 'facetag_faces', help: 'Faces in the catalog.', registers: pipelineRegisters });
  const facesUnassigned = new Gauge({ name: 'facetag_faces_unassigned', help: 'Faces not yet in any person.', registers: pipelineRegisters });
  const people = new Gauge({ name: 'facetag_people', help: 'People in the catalog.', registers: pipelineRegisters });
  const clusterChanges = new Counter({ name: 'facetag_cluster_changes_total', help: 'Changes to who is who, by kind (machine: face_assigned, person_created; person: merge, split, move, reject, confirm).', labelNames: ['kind'], registers: pipelineRegisters });
  const modelInfo = new Gauge({ name: 'facetag_model_info', help: 'Always 1: the models this process runs (id@version) and the facetag version.', labelNames: ['detector', 'landmarker', 'embedder', 'version'], registers: pipelineRegisters });
  const httpRequestSeconds = new Histogram({
    name: 'facetag_http_request_seconds', help: 'Time to answer an HTTP request, by route pattern and status.', labelNames: ['method', 'route', 'status'], registers: pipelineRegisters,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const serviceRegisters = options.service === true ? registers : [];
  const serviceRequests = new Counter({ name: 'facetag_service_requests_total', help: 'Requests a facetag service answered, by status.', labelNames: ['service', 'status'], registers: serviceRegisters });
  const serviceRequestSeconds = new Histogram({
    name: 'facetag_service_request_seconds', help: 'Time to answer a request of a facetag service.', labelNames: ['service'], registers: serviceRegisters,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const serviceUp = new Gauge({ name: 'facetag_service_up', help: '1 when a service this process depends on answered its last probe, 0 when not.', labelNames: ['service'], registers });
  const serviceProbeSeconds = new Gauge({ name: 'facetag_service_probe_seconds', help: 'Time the last probe of a service took (until failure or timeout when down).', labelNames: ['service'], registers });

  // The codes a photo can fail with (others are counted too, from their first occurrence).
  for (const code of Object.keys(errorCodes).filter((c) => c.startsWith('PHOTO_') || c === 'STORE_FAILED' || c === 'INTERNAL')) photosFailed.labels(code).inc(0);
  for (const stage of STAGES) stageSeconds.zero({ stage });
  for (const kind of CLUSTER_CHANGE_KINDS) clusterChanges.labels(kind).inc(0);
  for (const queue of options.queues ?? ['index']) {
    for (const state of QUEUE_STATES) queueDepth.labels(queue, state).set(0);
    queueLag.labels(queue).set(0);
  }
  const system = registerSystemMetrics(registry, options.dataDir);

  return {
    registry,
    photosProcessed, photosSkipped, photosFailed, photosAnalysed, jobFailures, facesDetected, stageSeconds, queueDepth, queueLag,
    photos, photosQuarantined, faces, facesUnassigned, people, clusterChanges, modelInfo,
    httpRequestSeconds, serviceRequests, serviceRequestSeconds, serviceUp, serviceProbeSeconds, system,
    /** The Prometheus text exposition of every metric. */
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
