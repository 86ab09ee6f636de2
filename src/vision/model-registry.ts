import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';
import { MODEL_MANIFEST, findModel, type ModelEntry } from './model-manifest.js';

/** Where `npm ci` puts the built-in models (see scripts/install-models.mjs). */
export const BUILT_IN_MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'default');

export interface InstalledModel extends ModelEntry {
  path: string;
  installed: boolean;
}

/** Every known model, with where its file is (built-in folder or the pulled-models folder) and whether it is there. */
export function listModels(modelsDir: string): InstalledModel[] {
  return MODEL_MANIFEST.map((m) => {
    const path = join(m.builtIn ? BUILT_IN_MODELS_DIR : modelsDir, m.file);
    return { ...m, path, installed: existsSync(path) };
  });
}

const verified = new Set<string>();

/** Resolves a model id to its checked file: a clear error if it is unknown, missing or altered. */
export function resolveModel(id: string, modelsDir: string, kind?: ModelEntry['kind']): InstalledModel {
  const entry = findModel(id);
  if (!entry || (kind && entry.kind !== kind)) {
    const choices = MODEL_MANIFEST.filter((m) => !kind || m.kind === kind).map((m) => m.id).join(', ');
    throw new AppError('MODEL_MISSING', `unknown ${kind ?? 'model'} "${id}"; choose one of: ${choices}`);
  }
  const model = listModels(modelsDir).find((m) => m.id === id)!;
  if (!model.installed) {
    const fix = model.builtIn ? 'run `npm ci` (or `npm run postinstall`) in the facetag folder' : `run \`facetag models pull ${id}\``;
    throw new AppError('MODEL_MISSING', `model ${id} is not installed (no file ${model.path}); ${fix}`);
  }
  if (!verified.has(model.path)) {
    const actual = createHash('sha256').update(readFileSync(model.path)).digest('hex');
    if (actual !== model.sha256) {
      throw new AppError('MODEL_CHECKSUM', `model file ${model.path} has sha256 ${actual}, expected ${model.sha256}; delete it and install it again`);
    }
    verified.add(model.path);
  }
  return model;
}
