import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { analyserOptions, createWorkerContext } from '../context.js';
import { AppError } from '../errors.js';
import { plural } from '../plural.js';
import { createAnalyseHandler } from '../ingest/analyse-job.js';
import { cachedSourceOpener } from '../sources/photo-opener.js';
import { createMetrics } from '../metrics/metrics.js';
import { setModelInfo } from '../metrics/record.js';
import { measuredAnalyser, measuredHandler, measuredReads, metricsApp } from '../metrics/worker-metrics.js';
import type { ReleaseJob } from '../queue/queue.js';
import { createAnalysisPool } from '../vision/analysis-pool.js';
import type { Command } from './io.js';
import { listen, type Listening } from '../server/listen.js';

const HELP = `Usage: facetag worker [--concurrency N] [--host H] [--port N] [--data DIR]

A cluster worker: takes photo analysis jobs from the queue (BullMQ on Redis: set
FACETAG_QUEUE_DRIVER=bullmq and FACETAG_QUEUE_REDIS_URL), reads each photo from the source,
finds and embeds its faces, stores their thumbnails and sends the result to the management
node, which alone writes the catalog. Run one per machine; SIGTERM finishes the jobs in flight.

  --concurrency N     jobs at once (queue.concurrency; default two per CPU core), two on
                      each analysis thread (at most one thread per core): one photo is read
                      and decoded while the other's models run
  --host H            address of its /metrics and /healthz (worker.host, default 127.0.0.1)
  --port N            their port (worker.port, default 9101; 0 picks a free one); when
                      another worker on this host has it, the next free one of the 15
                      after it (9102, 9103, ...), printed at start`;

export const workerCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { concurrency: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new AppError('USAGE', `worker takes no arguments, got "${positionals[0]}"; run \`facetag worker --help\``);
  const config = load({ queue: { concurrency: values.concurrency }, worker: { host: values.host, port: values.port } });
  if (config.queue.driver === 'memory') {
    throw new AppError('QUEUE_DRIVER', 'queue.driver "memory" cannot serve separate worker processes; set FACETAG_QUEUE_DRIVER=bullmq (and FACETAG_QUEUE_REDIS_URL to the cluster\'s Redis)');
  }
  const { threads, concurrency } = workerLanes(config.queue.concurrency, availableParallelism());
  const pool = await createAnalysisPool(analyserOptions(config), threads);
  let refused: ReleaseJob | null = null;
  let stopped: () => void = () => {};
  const stop = () => stopped();
  const ctx = await createWorkerContext(config, 'worker').catch(async (error: unknown) => {
    await pool.close();
    throw error;
  });
  const metrics = createMetrics({ dataDir: config.data.dir, queues: [] });
  setModelInfo(metrics, { modelKey: pool.modelKey, version: facetagVersion() });
  let running = true;
  let http: Listening | null = null;
  let stopSources = async () => {};
  try {
    // Several workers on one host (one per GPU, a test bench) take 9101, 9102, ... in start order.
    http = await listen(metricsApp(metrics, () => running).fetch, config.worker.host, config.worker.port, 'FACETAG_WORKER_PORT', { nextFree: 15 });
    const metricsPort = http.port;
    const sources = cachedSourceOpener(config);
    stopSources = sources.close;
    const handler = measuredHandler(metrics, 'analyse', createAnalyseHandler(ctx, measuredAnalyser(metrics, pool), ctx.queue, async (ref) => measuredReads(metrics, await sources(ref))));
    const worker = ctx.queue.work('analyse', handler, {
      concurrency,
      onRelease: (error) => {
        refused ??= error;
        stop();
      },
    });
    const redis = new URL(config.queue.redisUrl);
    io.stdout.write(`facetag worker: ${plural(threads, 'analysis thread')}, ${plural(concurrency, 'job')} at once, models ${pool.modelKey}, queue ${redis.hostname}:${redis.port || 6379}, metrics ${http.origin}/metrics\n`);
    ctx.log.info({ concurrency, models: pool.modelKey, metricsPort }, 'worker started');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise<void>((resolve) => (stopped = resolve));
    if (!refused) io.stderr.write('stopping: finishing the jobs in flight...\n');
    running = false;
    await worker.close();
    ctx.log.info({ refused: refused !== null }, 'worker stopped');
    if (refused) throw new AppError((refused as ReleaseJob).code === 'CONFIG_INVALID' ? 'CONFIG_INVALID' : 'MODEL_MISMATCH', (refused as ReleaseJob).message);
    return 0;
  } finally {
    running = false;
    await http?.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await pool.close();
    await stopSources();
    await ctx.close();
  }
};

/**
 * A worker's jobs at once and analysis threads: two jobs on each thread (one photo is read,
 * decoded or its crops stored while the other's models run), at most one thread per core. By
 * default two jobs per core; `jobs` (`--concurrency N`) runs N jobs on N/2 threads, rounded up.
 */
export function workerLanes(jobs: number | undefined, cores: number): { threads: number; concurrency: number } {
  const concurrency = jobs ?? 2 * cores;
  return { threads: Math.min(Math.ceil(concurrency / 2), cores), concurrency };
}

function facetagVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
