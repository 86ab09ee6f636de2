import { Hono } from 'hono';
import { toAppError } from '../errors.js';
import type { JobName } from '../queue/jobs.js';
import { ReleaseJob, type JobHandler } from '../queue/queue.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import type { Metrics } from './metrics.js';
import { recordJobFailed, recordPhotoAnalysed, recordStages } from './record.js';

/**
 * The analyser of a cluster worker, measured: each photo it analyses (not each XMP region it embeds) is counted
 * (`facetag_photos_analysed_total`) with its faces and its decode, detect and embed times.
 */
export function measuredAnalyser<A extends Pick<AnalysisPool, 'modelKey' | 'analyse'>>(metrics: Metrics, analyser: A): Pick<AnalysisPool, 'modelKey' | 'analyse'> {
  return {
    modelKey: analyser.modelKey,
    async analyse(input, box) {
      const analysis = await analyser.analyse(input, box);
      // A box is an XMP region of a photo counted already, embedded on its own.
      if (box) return analysis;
      const { decodeMs, detectMs, embedMs } = analysis.timings;
      recordPhotoAnalysed(metrics, { stageMs: { decode: decodeMs, detect: detectMs, embed: embedMs }, faces: analysis.faces.length });
      return analysis;
    },
  };
}

/** A photo source whose reads are timed (`facetag_stage_seconds{stage="read"}`). */
export function measuredReads<S extends { read(photo: P): Promise<Buffer> }, P>(metrics: Metrics, source: S): S {
  return Object.assign(Object.create(source) as S, {
    async read(photo: P) {
      const started = performance.now();
      const bytes = await source.read(photo);
      recordStages(metrics, { read: performance.now() - started });
      return bytes;
    },
  });
}

/** A job handler whose failed runs are counted by code (`facetag_job_failures_total{job,code}`); a released job is not a failure. */
export function measuredHandler<N extends JobName>(metrics: Metrics, job: N, handler: JobHandler<N>): JobHandler<N> {
  return async (payload, info) => {
    try {
      await handler(payload, info);
    } catch (error) {
      if (!(error instanceof ReleaseJob)) recordJobFailed(metrics, job, toAppError(error).code);
      throw error;
    }
  };
}

/**
 * `/metrics` and `/healthz` of a process that serves nothing else (`facetag worker`), for
 * Prometheus and the collector. `healthy` says whether the process still does its work.
 */
export function metricsApp(metrics: Metrics, healthy: () => boolean = () => true) {
  const app = new Hono();
  app.get('/healthz', (c) => (healthy() ? c.json({ ok: true }) : c.json({ ok: false }, 503)));
  app.get('/metrics', async () => new Response(await metrics.text(), { headers: { 'Content-Type': metrics.contentType } }));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'this process serves /metrics and /healthz only' } }, 404));
  return app;
}
