import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { createContext, createQueue, newLibraryWatch, startAnalysisPool, type Context } from '../context.js';
import { AppError } from '../errors.js';
import { createFolderSource } from '../ingest/folder-source.js';
import { indexSourceThroughQueue, watchSourceThroughQueue } from '../ingest/index-through-queue.js';
import { indexPhotos, type IndexSummary } from '../ingest/index-photos.js';
import type { PhotoSource } from '../ingest/photo-source.js';
import { watchPhotos, type WatchOptions, type WatchTotals } from '../ingest/watch-photos.js';
import type { PhotoSourceRef } from '../queue/jobs.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { plural } from '../plural.js';
import { PHOTO_FORMATS } from '../ingest/walk.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
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
  const source = await openSource(config, (code) => ctx?.log.warn({ code }, 'a folder could not be listed'), where, !values.watch);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = createProgressBar(io.stderr, !values.json && !values.watch);
  let analyser: AnalysisPool | null = null;
  try {
    if (config.queue.driver !== 'bullmq') analyser = await startAnalysisPool(config);
    ctx = await createContext(config, 'index', { create: true });
    const run = ctx;
    const watchOptions: WatchOptions = {
      intervalMs, signal: controller.signal,
      onRun: (summary) => (values.json ? io.stdout.write(`${JSON.stringify(summary)}\n`) : printSummary(io.stdout, summary)),
      onPollError: (e) => io.stderr.write(`facetag: ${e.message} [${e.code}]; trying again in ${intervalMs} ms\n`),
    };
    const watched = (totals: WatchTotals) => {
      if (!values.json) io.stdout.write(`watch stopped after ${plural(totals.polls, 'poll')}: ${totals.processed} indexed, ${totals.failed} failed\n`);
      return 0;
    };
    const finished = (summary: IndexSummary) => {
      bar.finish();
      if (values.json) printJson(io, summary);
      else printSummary(io.stdout, summary);
      return summary.interrupted ? 130 : 0;
    };
    if (!analyser) {
      // Cluster mode: this process schedules and writes; `facetag worker` processes analyse.
      const ref = await sourceRef(where);
      const openQueue = () => createQueue(run.config, run.log);
      if (values.watch) return watched(await watchSourceThroughQueue(run, openQueue, source, ref, watchOptions));
      return finished(await indexSourceThroughQueue(run, openQueue, source, ref, { onProgress: (p) => bar.update(p), signal: controller.signal }));
    }
    if (values.watch) return watched(await watchPhotos(run, analyser, source, watchOptions));
    return finished(await indexPhotos(run, analyser, source, { onProgress: (p) => bar.update(p), signal: controller.signal }));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await analyser?.close();
    await source.close();
    if (ctx) {
      const empty = await library.wroteNothing(ctx.catalog);
      await ctx.close();
      if (empty) library.remove();
    }
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
  const skipped = Object.entries(summary.skipped ?? {});
  if (skipped.length > 0) out.write(`  skipped, not files: ${skipped.map(([reason, n]) => plural(n, reason)).join(', ')}\n`);
  for (const w of summary.warnings ?? []) out.write(`  note: ${w.file}: ${w.message}\n`);
  for (const f of summary.failures) out.write(`  failed: ${f.file}: ${f.message} [${f.code}]\n`);
}

/** A folder, or `s3://bucket[/prefix]` (the S3 SDK is loaded only then). */
async function openSource(config: ResolvedConfig, onListError: (code: string | undefined) => void, where: string, check: boolean): Promise<PhotoSource> {
  if (!where.startsWith('s3://')) return createFolderSource(where, { followSymlinks: config.index.followSymlinks, onListError });
  const { parseS3Url } = await import('../storage/s3-client.js');
  const { checkS3Source, createS3Source } = await import('../ingest/s3-source.js');
  const url = parseS3Url(where);
  if (!url) throw new AppError('USAGE', `${where} is not an S3 source; write s3://bucket or s3://bucket/prefix/ (bucket names: 3-63 lowercase letters, digits, dots, dashes)`);
  const s = config.storage;
  // A single run fails fast, before the models load; a watcher waits for the server instead.
  if (check) await checkS3Source(s, url.bucket, url.prefix);
  return createS3Source(s, {
    bucket: url.bucket, prefix: url.prefix, processedBucket: s.processedBucket, processedAction: s.processedAction, maxFileBytes: config.index.maxFileBytes,
  });
}

/** Where the workers read the photos of `where` (already opened, so valid). */
async function sourceRef(where: string): Promise<PhotoSourceRef> {
  if (!where.startsWith('s3://')) return { kind: 'folder', root: resolve(where) };
  const url = (await import('../storage/s3-client.js')).parseS3Url(where)!;
  return { kind: 's3', bucket: url.bucket, prefix: url.prefix };
}
