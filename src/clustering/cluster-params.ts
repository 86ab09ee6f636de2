import type { ResolvedConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';
import { findModel } from '../vision/model-manifest.js';

/** `id@version` of the configured embedder: the model every stored embedding records. */
export function embedderKey(config: ResolvedConfig): string {
  const model = findModel(config.vision.embedder);
  return model ? `${model.id}@${model.version}` : config.vision.embedder;
}

/**
 * Length of the embeddings of `embedderId` (`id` or `id@version`), from its manifest: how an
 * empty index is sized before the first face arrives.
 */
export function embeddingDimensions(embedderId: string): number {
  const id = embedderId.split('@')[0]!;
  const dims = findModel(id)?.dimensions;
  if (dims === undefined) {
    throw new AppError('MODEL_INVALID', `the embedder ${id} has no dimensions in its manifest, so an empty face index cannot be sized; add \`dimensions\` to its manifest entry`);
  }
  return dims;
}
