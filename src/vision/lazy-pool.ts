import { createAnalysisPool, type AnalysisPool } from './analysis-pool.js';
import type { AnalyserOptions } from './face-analyser.js';
import { modelKeys } from './model-key.js';

/**
 * The management node's analyser in cluster mode: it knows the model keys at once (checked
 * files, nothing loaded) and loads one analysis thread only if a photo needs it (a hand-drawn
 * XMP face region to embed); workers do all the rest.
 */
export function lazyAnalysisPool(options: AnalyserOptions): Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse' | 'close'> {
  const keys = modelKeys(options);
  let pool: Promise<AnalysisPool> | null = null;
  return {
    ...keys,
    async analyse(input, box) {
      pool ??= createAnalysisPool(options, 1);
      return (await pool).analyse(input, box);
    },
    async close() {
      if (pool) await (await pool).close();
    },
  };
}
