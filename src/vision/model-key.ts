import type { AnalyserOptions } from './face-analyser.js';
import type { ModelEntry } from './model-manifest.js';
import { resolveModel } from './model-registry.js';

/** `id@version` of each model, joined by `+`. */
export function modelKeyOf(...models: ReadonlyArray<Pick<ModelEntry, 'id' | 'version'>>): string {
  return models.map((m) => `${m.id}@${m.version}`).join('+');
}

/**
 * `detector@v+landmarker@v+embedder@v`, stored with every photo (all three shape an embedding,
 * so a change of any means re-analysis), the detection service's `detector@v+landmarker@v`, and
 * the embedder's id, stored with every embedding. Resolving checks the model files (installed,
 * sha256) without loading them, so a management node can tell which models its workers must have.
 */
export function modelKeys(options: Pick<AnalyserOptions, 'detector' | 'landmarker' | 'embedder' | 'modelsDir'>): { modelKey: string; detectorId: string; embedderId: string } {
  const det = resolveModel(options.detector, options.modelsDir, 'detector');
  const lmk = resolveModel(options.landmarker, options.modelsDir, 'landmarker');
  const emb = resolveModel(options.embedder, options.modelsDir, 'embedder');
  return { modelKey: modelKeyOf(det, lmk, emb), detectorId: modelKeyOf(det, lmk), embedderId: modelKeyOf(emb) };
}
