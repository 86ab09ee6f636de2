import type { Deps } from '../context.js';
import type { Metrics } from '../metrics/metrics.js';
import { createIndexRunMetrics } from '../metrics/index-run-metrics.js';
import { setModelInfo } from '../metrics/record.js';
import { AppError, toAppError } from '../errors.js';
import type { AnalysisTransport } from '../ingest/analysis-transport.js';
import { indexFolder } from '../ingest/index-folder.js';
import type { IndexOptions, IndexProgress, IndexSummary } from '../ingest/index-summary.js';

export interface IngestStatus {
  /** The folder the "Index now" button indexes, or null when none is configured. */
  folder: string | null;
  running: boolean;
  startedAt: string | null;
  progress: IndexProgress | null;
  /** The last finished run. */
  last: (IndexSummary & { finishedAt: string }) | null;
  /** Why the last run could not run at all (e.g. the folder is gone). */
  error: { code: string; message: string } | null;
}

/**
 * One index run at a time, in the background of the server, with its progress to show. It is
 * the one index run of every mode (ingest/index-run.ts); `transport` says who analyses: the
 * server's own analysis threads, or (cluster mode) `facetag worker` processes through the queue.
 * The transport is closed after each run.
 */
export function createIngestRunner(
  deps: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'> & { metrics: Metrics; version: string },
  transport: () => Promise<AnalysisTransport>,
  folder: string | null,
  onFinished: () => void,
) {
  const status: IngestStatus = { folder, running: false, startedAt: null, progress: null, last: null, error: null };
  let controller: AbortController | null = null;
  let run: Promise<void> | null = null;
  return {
    status(): IngestStatus {
      return structuredClone(status);
    },
    /** Starts indexing the configured folder; refused while a run is going. */
    start(): IngestStatus {
      if (!folder) throw new AppError('CONFLICT', 'no folder to index is configured; set server.indexFolder (env FACETAG_SERVER_INDEX_FOLDER) and restart `facetag serve`');
      if (status.running) throw new AppError('CONFLICT', 'an index run is already going; wait for it to finish');
      controller = new AbortController();
      Object.assign(status, { running: true, startedAt: new Date().toISOString(), progress: { total: 0, done: 0, failed: 0, faces: 0 }, error: null });
      const signal = controller.signal;
      run = (async () => {
        const runMetrics = createIndexRunMetrics(deps.metrics, { concurrency: deps.config.index.concurrency });
        try {
          const options: IndexOptions = {
            signal,
            metrics: deps.metrics,
            onProgress: (p) => {
              status.progress = { ...p };
              runMetrics.onProgress(p);
            },
          };
          const analysis = await transport();
          let summary: IndexSummary;
          try {
            setModelInfo(deps.metrics, { modelKey: analysis.modelKey, version: deps.version });
            summary = await indexFolder(deps, analysis, folder, options);
          } finally {
            await analysis.close();
          }
          status.last = { ...summary, finishedAt: new Date().toISOString() };
        } catch (error) {
          const e = toAppError(error);
          status.error = { code: e.code, message: e.message };
          deps.log.warn({ code: e.code }, 'index run from the dashboard failed');
        } finally {
          runMetrics.finish();
          status.running = false;
          onFinished();
        }
      })();
      return this.status();
    },
    /** Stops taking new photos and waits for the photos in flight. */
    async close() {
      controller?.abort();
      await run;
    },
  };
}

export type IngestRunner = ReturnType<typeof createIngestRunner>;
