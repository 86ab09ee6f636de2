import { parseArgs } from 'node:util';
import { createContext, startAnalysisPool } from '../context.js';
import { AppError } from '../errors.js';
import { indexFolder } from '../ingest/index-folder.js';
import { printJson, type Command } from './io.js';
import { createProgressBar } from './progress.js';

const HELP = `Usage: facetag index <folder> [--data DIR] [--json] [--concurrency N]

Finds the faces in every new or changed photo under <folder> (recursively) and groups them
into people. Unchanged photos are skipped; a photo that cannot be read is reported and the run
goes on. Safe to stop at any moment: the next run continues where this one stopped.`;

export const indexCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new AppError('USAGE', `index takes one folder, got ${positionals.length}; e.g. \`facetag index ~/Pictures\``);
  const config = load({ index: { concurrency: values.concurrency } });
  const ctx = await createContext(config, 'index');
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const bar = createProgressBar(io.stderr, !values.json);
  try {
    const analyser = await startAnalysisPool(config);
    try {
      const summary = await indexFolder(ctx, analyser, positionals[0]!, { onProgress: (p) => bar.update(p), signal: controller.signal });
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
      await analyser.close();
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await ctx.close();
  }
};
