import { parseArgs } from 'node:util';
import { createContext, createQueue, startAnalysisPool, type Context } from '../context.js';
import { AppError } from '../errors.js';
import { indexFolder } from '../ingest/index-folder.js';
import { indexFolderThroughQueue } from '../ingest/index-through-queue.js';
import type { IndexOptions, IndexSummary } from '../ingest/index-photos.js';
import { printJson, type Command } from './io.js';
import { createProgressBar } from './progress.js';

const HELP = `Usage: facetag index <folder> [--data DIR] [--json] [--concurrency N] [--queue memory|bullmq]

Finds the faces in every new or changed photo under <folder> (recursively) and groups them
into people. Unchanged photos are skipped; a photo that cannot be read is reported and the run
goes on. Safe to stop at any moment: the next run continues where this one stopped.

  --queue bullmq   cluster mode (queue.driver): this process queues the photos on Redis and
                   writes the results; \`facetag worker\` processes on any machine analyse them.
                   <folder> must be at the same path on every worker (a shared folder).`;

export const indexCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, concurrency: { type: 'string' }, queue: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new AppError('USAGE', `index takes one folder, got ${positionals.length}; e.g. \`facetag index ~/Pictures\``);
  const config = load({ index: { concurrency: values.concurrency }, queue: { driver: values.queue } });
  const ctx = await createContext(config, 'index');
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = createProgressBar(io.stderr, !values.json);
  try {
    const run = config.queue.driver === 'bullmq' ? indexThroughQueue : indexHere;
    const summary = await run(ctx, positionals[0]!, { onProgress: (p) => bar.update(p), signal: controller.signal });
    bar.finish();
    if (values.json) {
      printJson(io, summary);
    } else {
      const p = summary.photos;
      io.stdout.write(`${p.seen} photos: ${p.processed} indexed, ${p.skippedUnchanged} unchanged, ${p.failed} failed${summary.interrupted ? ' (interrupted: run again to finish)' : ''}\n`);
      io.stdout.write(`${summary.faces} faces in ${summary.people} people, ${summary.unassigned} faces not yet in a person (${(summary.durationMs / 1000).toFixed(1)} s)\n`);
      for (const f of summary.failures) io.stdout.write(`  failed: ${f.file}: ${f.message} [${f.code}]\n`);
    }
    return summary.interrupted ? 130 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await ctx.close();
  }
};

/** The embedded run: analysis on this machine's threads. */
async function indexHere(ctx: Context, folder: string, options: IndexOptions): Promise<IndexSummary> {
  const analyser = await startAnalysisPool(ctx.config);
  try {
    return await indexFolder(ctx, analyser, folder, options);
  } finally {
    await analyser.close();
  }
}

/** Cluster mode: this process schedules and writes; `facetag worker` processes analyse. */
function indexThroughQueue(ctx: Context, folder: string, options: IndexOptions): Promise<IndexSummary> {
  return indexFolderThroughQueue(ctx, () => createQueue(ctx.config, ctx.log), folder, options);
}
