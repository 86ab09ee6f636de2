import type { ClusterChangeKind, Metrics, QueueState, Stage } from './metrics.js';

/** The small calls the pipeline, the queue and the server make; each takes the process's metrics. */

/** One photo analysed and stored: its time in each stage (milliseconds) and the faces found. */
export function recordPhotoIndexed(metrics: Metrics, photo: { stageMs: Partial<Record<Stage, number>>; faces: number }) {
  metrics.photosProcessed.inc();
  metrics.facesDetected.inc(photo.faces);
  recordStages(metrics, photo.stageMs);
}

/** Time spent in stages by one photo, in milliseconds (stages not given are not observed). */
export function recordStages(metrics: Metrics, stageMs: Partial<Record<Stage, number>>) {
  for (const [stage, ms] of Object.entries(stageMs)) {
    if (ms !== undefined && Number.isFinite(ms)) metrics.stageSeconds.observe({ stage }, ms / 1000);
  }
}

/**
 * One photo analysed by a cluster worker (not stored here: the management's writer stores it
 * and counts it as processed): its analysis stages and the faces found.
 */
export function recordPhotoAnalysed(metrics: Metrics, photo: { stageMs: Partial<Record<Stage, number>>; faces: number }) {
  metrics.photosAnalysed.inc();
  metrics.facesDetected.inc(photo.faces);
  recordStages(metrics, photo.stageMs);
}

/** One photo written by the cluster's writer from a worker's result: processed, with the stages timed here. */
export function recordPhotoWritten(metrics: Metrics, stageMs: Partial<Record<Stage, number>>) {
  metrics.photosProcessed.inc();
  recordStages(metrics, stageMs);
}

/** One run of a queue job that failed, with its AppError code. */
export function recordJobFailed(metrics: Metrics, job: string, code: string) {
  metrics.jobFailures.inc({ job, code });
}

/** One photo skipped: same content, same models as when it was indexed. */
export function recordPhotoSkipped(metrics: Metrics) {
  metrics.photosSkipped.inc();
}

/** One photo that failed, with its AppError code. */
export function recordPhotoFailed(metrics: Metrics, code: string) {
  metrics.photosFailed.inc({ code });
}

/** Changes to who is who: a face joined a person, a person was created, merged, split... */
export function recordClusterChange(metrics: Metrics, kind: ClusterChangeKind, count = 1) {
  if (count > 0) metrics.clusterChanges.inc({ kind }, count);
}

/** A queue's job counts by state; states not given keep their last value. */
export function setQueueDepth(metrics: Metrics, queue: string, counts: Partial<Record<QueueState, number>>) {
  for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue, state }, n);
}

/** Seconds the oldest waiting job of `queue` has waited (0 when none waits). */
export function setQueueLag(metrics: Metrics, queue: string, seconds: number) {
  metrics.queueLag.set({ queue }, Math.max(0, seconds));
}

/** The catalog's counts, as `catalog.counts()` returns them. */
export function setLibraryCounts(metrics: Metrics, counts: { photos: number; photosFailed: number; faces: number; people: number; unassigned: number }) {
  metrics.photos.set(counts.photos);
  metrics.photosQuarantined.set(counts.photosFailed);
  metrics.faces.set(counts.faces);
  metrics.facesUnassigned.set(counts.unassigned);
  metrics.people.set(counts.people);
}

/** The models this process runs, from an analysis pool's `modelKey` (`det@v+landmarker@v+emb@v`). */
export function setModelInfo(metrics: Metrics, info: { modelKey: string; version: string }) {
  const [detector = 'unknown', landmarker = 'unknown', embedder = 'unknown'] = info.modelKey.split('+');
  metrics.modelInfo.reset();
  metrics.modelInfo.set({ detector, landmarker, embedder, version: info.version }, 1);
}

/** One HTTP request answered; `route` is the route pattern (`/api/people/:id`), never the raw path. */
export function recordHttpRequest(metrics: Metrics, request: { method: string; route: string; status: number; seconds: number }) {
  metrics.httpRequestSeconds.observe({ method: request.method, route: request.route, status: String(request.status) }, request.seconds);
}

/** One inference request answered by a detection or embedding service (`facetag service`). */
export function recordServiceRequest(metrics: Metrics, request: { service: string; status: number; seconds: number }) {
  metrics.serviceRequests.inc({ service: request.service, status: String(request.status) });
  metrics.serviceRequestSeconds.observe({ service: request.service }, request.seconds);
}

/** The outcome of probing a service this process depends on. */
export function recordServiceProbe(metrics: Metrics, service: string, probe: { up: boolean; seconds: number }) {
  metrics.serviceUp.set({ service }, probe.up ? 1 : 0);
  metrics.serviceProbeSeconds.set({ service }, probe.seconds);
}

/** Runs `probe` once and records it; never throws. */
export async function probeService(metrics: Metrics, service: string, probe: () => Promise<unknown>): Promise<boolean> {
  const started = performance.now();
  const up = await probe().then(() => true, () => false);
  recordServiceProbe(metrics, service, { up, seconds: (performance.now() - started) / 1000 });
  return up;
}
