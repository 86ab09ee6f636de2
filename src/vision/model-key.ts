import type { AnalyserOptions } from './face-analyser.js';
import { resolveModel } from './model-registry.js';

/**
 * `detector@version+embedder@version`, stored with every photo, and the embedder's id, stored
 * with every embedding. Resolving checks the model files (installed, sha256) without loading them,
 * so a management node can tell which models its workers must have.
 */
export function modelKeys(options: Pick<AnalyserOptions, 'detector' | 'embedder' | 'modelsDir'>): { modelKey: string; embedderId: string } {
  const det = resolveModel(options.detector, options.modelsDir, 'detector');
  const emb = resolveModel(options.embedder, options.modelsDir, 'embedder');
  return { modelKey: `${det.id}@${det.version}+${emb.id}@${emb.version}`, embedderId: `${emb.id}@${emb.version}` };
}
