import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterParams } from '../cluster/cluster-params.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { analyserOptions, createContext, modelsDir } from '../context.js';
import { AppError } from '../errors.js';
import { evalCluster } from '../eval/cluster-eval.js';
import { loadDataset, type Dataset } from '../eval/dataset.js';
import { evalDetect } from '../eval/detect-eval.js';
import { evalRecognize } from '../eval/recognize-eval.js';
import { clusterText, detectText, forJson, recognizeText, verifyText, type ReportText } from '../eval/report-format.js';
import { evalVerify } from '../eval/verify-eval.js';
import type { IndexProgress } from '../ingest/index-summary.js';
import { createAnalysisPool } from '../vision/analysis-pool.js';
import { printJson, printTable, type CliIo, type Command } from './io.js';
import { createProgressBar } from './progress.js';

const HELP = `Usage: facetag eval detect|verify|cluster|recognize --dataset DIR [--json] [--concurrency N]

Measures the configured models on a labelled set (manifest.csv, pairs.csv, images/<identity>/,
groups/, noface/). The labelled person of a photo in images/ is its largest face.

  detect   face recall on groups/, false detections on noface/, share of images/ with no
           face found (with and without tight face crops), median time per photo
  verify   ROC AUC over pairs.csv, accuracy at the clustering threshold, TAR at FAR 1% and
           0.1%, failure to enrol; a photo with no face makes each of its pairs wrong
  cluster  indexes images/ into a fresh temporary catalog (your own is never touched), then
           BCubed and pairwise precision/recall/F1 and the splits and merges per 1,000 faces
  recognize  recognition as the API answers it: each labelled photo held back in turn and
           recognised against the others, every identity named (top-1 accuracy, wrong people
           above the match threshold); then each identity left out as a stranger (matched to
           anyone above the threshold is wrong)

Choose the models as for \`facetag index\`, e.g. FACETAG_VISION_DETECTOR=yunet-2023mar.`;

const KINDS = ['detect', 'verify', 'cluster', 'recognize'] as const;
type Kind = (typeof KINDS)[number];

export const evalCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      dataset: { type: 'string' }, json: { type: 'boolean' }, concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  const kind = positionals[0];
  if (positionals.length !== 1 || !KINDS.includes(kind as Kind)) {
    throw new AppError('USAGE', `eval takes one of ${KINDS.join(', ')}, got "${positionals.join(' ')}"; e.g. \`facetag eval verify --dataset ../shared/faces\``);
  }
  if (!values.dataset) throw new AppError('USAGE', `eval ${kind} needs --dataset DIR, the folder holding manifest.csv; e.g. \`facetag eval ${kind} --dataset ../shared/faces\``);
  const config = load({ index: { concurrency: values.concurrency } });
  const dataset = loadDataset(resolve(io.cwd, values.dataset));
  const bar = createProgressBar(io.stderr, !values.json);
  const onProgress = (p: IndexProgress) => bar.update(p);

  let out: { report: object; text: ReportText } | null;
  if (kind === 'cluster') {
    const r = await runCluster(config, dataset, onProgress);
    out = r && { report: r, text: clusterText(r) };
  } else {
    const pool = await createAnalysisPool(analyserOptions(config), config.index.concurrency);
    try {
      if (kind === 'detect') {
        const r = await evalDetect(pool, dataset, onProgress);
        out = { report: r, text: detectText(r) };
      } else if (kind === 'verify') {
        const r = await evalVerify(pool, dataset, clusterParams(config).maxDistance, onProgress);
        out = { report: r, text: verifyText(r) };
      } else {
        const r = await evalRecognize(pool, dataset, clusterParams(config).maxDistance, onProgress);
        out = { report: r, text: recognizeText(r) };
      }
    } finally {
      await pool.close();
    }
  }
  bar.finish();
  if (!out) {
    io.stderr.write('facetag eval cluster: interrupted, no figures; run it again\n');
    return 130;
  }
  if (values.json) printJson(io, forJson({ eval: kind, dataset: dataset.dir, ...out.report }));
  else printReport(io, kind as Kind, dataset, out.text);
  return 0;
};

/**
 * Indexes into a temporary data folder, so the user's catalog is never touched; the folder is
 * removed after. Null when stopped by SIGINT or SIGTERM.
 */
async function runCluster(config: ResolvedConfig, dataset: Dataset, onProgress: (p: IndexProgress) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'facetag-eval-'));
  const scratch: ResolvedConfig = Object.freeze({
    ...config,
    data: { dir },
    vision: { ...config.vision, modelsDir: modelsDir(config) },
    log: { ...config.log, dir: join(dir, 'logs') },
  });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const ctx = await createContext(scratch, 'eval', { create: true });
    try {
      const pool = await createAnalysisPool(analyserOptions(scratch), scratch.index.concurrency);
      try {
        const report = await evalCluster(ctx, pool, dataset, { onProgress, signal: controller.signal });
        return controller.signal.aborted ? null : report;
      } finally {
        await pool.close();
      }
    } finally {
      await ctx.close();
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await rm(dir, { recursive: true, force: true });
  }
}

function printReport(io: CliIo, kind: Kind, dataset: Dataset, text: ReportText) {
  io.stdout.write(`facetag eval ${kind} on ${dataset.dir}\n\n`);
  printTable(io, ['metric', 'value'], text.rows);
  if (text.notes.length) io.stdout.write(`\n${text.notes.map((n) => `  ${n}`).join('\n')}\n`);
}
