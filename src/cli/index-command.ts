import { parseArgs } from 'node:util';
import { createAnalysisTransport, createContext } from '../context.js';
import { AppError } from '../errors.js';
import { openPhotoSource, sourceRefOf } from '../ingest/source-opener.js';
import { openIndexer } from '../ingest/index-run.js';
import type { IndexSummary } from '../ingest/index-summary.js';
import type { PhotoSource } from '../ingest/photo-source.js';
import type { WatchOptions, WatchTotals } from '../ingest/watch-photos.js';
import { printJson, type Command } from './io.js';
import { createProgressBar } from './progress.js';

const HELP = `Usage: facetag index <folder> [--data DIR] [--json] [--concurrency N] [--queue memory|bullmq]
       facetag index --source <folder | s3://bucket[/prefix]> [--watch [--interval-ms N]]

Finds the faces in every new or changed photo under <folder> (recursively) and groups them
into people. Unchanged photos are skipped; a photo that cannot be read is reported and the run
goes on. Safe to stop at any moment: the next run continues where this one stopped.

An s3:// source reads a bucket of an S3 server (MinIO, AWS S3, Ceph; settings storage.s3*):
each indexed photo moves to storage.processedBucket (storage.processedAction: move, copy or
leave); a photo that fails stays in the bucket and is tried again on the next run.
--watch keeps polling the source for new photos (every --interval-ms, default 5000) until
Ctrl-C or SIGTERM, which stop it cleanly after the photos in flight.

  --queue bullmq   cluster mode (queue.driver): this process queues the photos on Redis and
                   writes the results; \`facetag worker\` processes on any machine analyse them.
                   <folder> must be at the same path on every worker (a shared folder);
                   with an s3:// source each worker reads the bucket with its own storage.*
                   settings, and this process moves each photo to processed once written.
                   --watch works the same way: each poll's new photos go through the queue.`;

export const indexCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      source: { type: 'string' }, watch: { type: 'boolean' }, 'interval-ms': { type: 'string' }, queue: { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  const where = values.source ?? positionals[0];
  if (positionals.length + (values.source ? 1 : 0) !== 1 || !where) {
    throw new AppError('USAGE', `index takes one folder or --source, got ${positionals.length + (values.source ? 1 : 0)}; e.g. \`facetag index ~/Pictures\` or \`facetag index --source s3://incoming\``);
  }
  const intervalMs = Number(values['interval-ms'] ?? 5000);
  if (!Number.isInteger(intervalMs) || intervalMs < 10) throw new AppError('USAGE', `--interval-ms ${values['interval-ms']} is not a whole number of milliseconds >= 10; e.g. --interval-ms 5000`);
  const config = load({ index: { concurrency: values.concurrency }, queue: { driver: values.queue } });
  const ctx = await createContext(config, 'index');
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = createProgressBar(io.stderr, !values.json && !values.watch);
  let source: PhotoSource | null = null;
  try {
    // A single run fails fast on a bucket it cannot list, before the models load; a watcher waits for the server instead.
    source = await openPhotoSource(ctx, await sourceRefOf(where, io.cwd), 'writer', { check: !values.watch });
    // Cluster mode: this process schedules and writes; `facetag worker` processes analyse.
    const transport = await createAnalysisTransport(ctx);
    try {
      const indexer = await openIndexer(ctx, transport);
      try {
        if (values.watch) {
          const totals = await indexer.watch(source, {
            intervalMs, signal: controller.signal,
            onRun: (summary) => (values.json ? io.stdout.write(`${JSON.stringify(summary)}\n`) : printSummary(io.stdout, summary)),
            onPollError: (e) => io.stderr.write(`facetag: ${e.message} [${e.code}]; trying again in ${intervalMs} ms\n`),
          } satisfies WatchOptions);
          return watched(totals);
        }
        const summary = await indexer.run(source, { onProgress: (p) => bar.update(p), signal: controller.signal });
        bar.finish();
        if (values.json) printJson(io, summary);
        else printSummary(io.stdout, summary);
        return summary.interrupted ? 130 : 0;
      } finally {
        await indexer.close();
      }
    } finally {
      await transport.close();
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await source?.close();
    await ctx.close();
  }

  function watched(totals: WatchTotals) {
    if (!values.json) io.stdout.write(`watch stopped after ${totals.polls} polls: ${totals.processed} indexed, ${totals.failed} failed\n`);
    return 0;
  }
};

function printSummary(out: NodeJS.WritableStream, summary: IndexSummary) {
  const p = summary.photos;
  out.write(`${p.seen} photos: ${p.processed} indexed, ${p.skippedUnchanged} unchanged, ${p.failed} failed${summary.interrupted ? ' (interrupted: run again to finish)' : ''}\n`);
  if (p.unsettled > 0) out.write(`  ${p.unsettled} indexed photos could not be moved out of the source yet; the next run moves them\n`);
  out.write(`${summary.faces} faces in ${summary.people} people, ${summary.unassigned} faces not yet in a person (${(summary.durationMs / 1000).toFixed(1)} s)\n`);
  for (const f of summary.failures) out.write(`  failed: ${f.file}: ${f.message} [${f.code}]\n`);
}
