import { parseArgs } from 'node:util';
import { analysisTransport, createContext, newLibraryWatch, startAnalysis, type Context } from '../context.js';
import { AppError } from '../errors.js';
import { openIndexer } from '../ingest/index-run.js';
import type { IndexSummary } from '../ingest/index-summary.js';
import { openPhotoSource, sourceRefOf } from '../sources/photo-opener.js';
import type { WatchTotals } from '../ingest/watch-photos.js';
import { plural } from '../plural.js';
import { PHOTO_FORMATS } from '../sources/walk.js';
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
  // Nothing is written in the data folder before the source and the models are known good,
  // and a library this run made is removed again if the run wrote nothing in it.
  const library = newLibraryWatch(config);
  let ctx: Context | null = null;
  // A single run fails fast on a bucket it cannot list, before the models load; a watcher waits for the server instead.
  const source = await openPhotoSource({ config }, await sourceRefOf(where, io.cwd), 'writer', {
    check: !values.watch, onListError: (code) => ctx?.log.warn({ code }, 'a folder could not be listed'),
  });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = createProgressBar(io.stderr, !values.json && !values.watch);
  let analysis: Awaited<ReturnType<typeof startAnalysis>> | null = null;
  try {
    // This machine's analysis threads, or in cluster mode (queue.driver bullmq) only the models' keys: workers analyse.
    analysis = await startAnalysis(config);
    ctx = await createContext(config, 'index', { create: true });
    const transport = await analysisTransport(ctx, analysis);
    try {
      const indexer = await openIndexer(ctx, transport);
      try {
        if (values.watch) {
          const totals = await indexer.watch(source, {
            intervalMs, signal: controller.signal,
            onRun: (summary) => (values.json ? io.stdout.write(`${JSON.stringify(summary)}\n`) : printSummary(io.stdout, summary)),
            onPollError: (e) => io.stderr.write(`facetag: ${e.message} [${e.code}]; trying again in ${intervalMs} ms\n`),
          });
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
    await analysis?.close();
    await source.close();
    if (ctx) {
      const empty = await library.wroteNothing(ctx.catalog);
      await ctx.close();
      if (empty) library.remove();
    }
  }

  function watched(totals: WatchTotals) {
    if (!values.json) io.stdout.write(`watch stopped after ${plural(totals.polls, 'poll')}: ${totals.processed} indexed, ${totals.failed} failed\n`);
    return 0;
  }
};

function printSummary(out: NodeJS.WritableStream, summary: IndexSummary) {
  const p = summary.photos;
  if (p.seen === 0 && summary.failures.length === 0 && Object.keys(summary.skipped ?? {}).length === 0) {
    out.write(`no photos found: nothing to index (facetag reads ${PHOTO_FORMATS})\n`);
    return;
  }
  out.write(`${plural(p.seen, 'photo')}: ${p.processed} indexed, ${p.skippedUnchanged} unchanged, ${p.failed} failed${summary.interrupted ? ' (interrupted: run again to finish)' : ''}\n`);
  if (p.unsettled > 0) out.write(`  ${plural(p.unsettled, 'indexed photo')} could not be moved out of the source yet; the next run moves ${p.unsettled === 1 ? 'it' : 'them'}\n`);
  const inPeople = summary.faces - summary.unassigned;
  out.write(`${plural(summary.faces, 'face')}: ${inPeople} in ${plural(summary.people, 'person', 'people')}, ${summary.unassigned} not yet in a person (${(summary.durationMs / 1000).toFixed(1)} s)\n`);
  const change = summary.modelChange;
  if (change) {
    out.write(`  new models: ${plural(change.photos, 'photo')} analysed again (names, confirmations, rejections and merges kept)`
      + `${change.facesReembedded > 0 ? `, ${plural(change.facesReembedded, 'face')} drawn or decided by hand embedded again` : ''}\n`);
    if (change.facesLeft > 0) out.write(`  ${plural(change.facesLeft, 'face')} could not be embedded again (their photo could not be read): out of the search until the next run reads ${change.facesLeft === 1 ? 'it' : 'them'}\n`);
  }
  const skipped = Object.entries(summary.skipped ?? {});
  if (skipped.length > 0) out.write(`  skipped, not files: ${skipped.map(([reason, n]) => plural(n, reason)).join(', ')}\n`);
  for (const w of summary.warnings ?? []) out.write(`  note: ${w.file}: ${w.message}\n`);
  for (const f of summary.failures) out.write(`  failed: ${f.file}: ${f.message} [${f.code}]\n`);
}
