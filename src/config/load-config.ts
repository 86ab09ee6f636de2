import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { findModel } from '../vision/model-manifest.js';
import { configSchema, type Config } from './schema.js';

/**
 * The config as every part reads it: validated, paths absolute, model-tuned thresholds filled in
 * (`cluster.maxDistance`, `cluster.minFaces`: see `resolveTunedThresholds`), frozen.
 */
export type ResolvedConfig = Readonly<Config & { readonly configFile: string | null; cluster: TunedClusterThresholds }>;

/** The clustering thresholds a model tunes, always set once the config is loaded. */
export interface TunedClusterThresholds {
  maxDistance: number;
  minFaces: number;
}

/** Used when the config leaves a threshold unset and the embedder's manifest entry tunes none. */
export const UNTUNED_CLUSTER_THRESHOLDS: Readonly<TunedClusterThresholds> = Object.freeze({ maxDistance: 0.5, minFaces: 3 });

/**
 * The one rule for a model-tuned threshold: the config's value where set, else the value tuned for
 * the configured embedder in its manifest entry, else `UNTUNED_CLUSTER_THRESHOLDS`. Clustering,
 * recognition's match threshold, the review queue and `facetag eval` all read the result.
 */
export function resolveTunedThresholds(config: Pick<Config, 'cluster' | 'vision'>): Config['cluster'] & TunedClusterThresholds {
  const tuned = findModel(config.vision.embedder)?.tuned ?? {};
  return {
    ...config.cluster,
    maxDistance: config.cluster.maxDistance ?? tuned.maxDistance ?? UNTUNED_CLUSTER_THRESHOLDS.maxDistance,
    minFaces: config.cluster.minFaces ?? tuned.minFaces ?? UNTUNED_CLUSTER_THRESHOLDS.minFaces,
  };
}

export interface ConfigSources {
  /** A config file (JSON or YAML) given by `--config` or `FACETAG_CONFIG`. */
  file?: string | undefined;
  /** The process environment; only `FACETAG_*` keys are read. */
  env?: Record<string, string | undefined>;
  /** Values from command-line flags, already in config shape. */
  flags?: Record<string, Record<string, unknown>>;
  /** Relative paths in the result are resolved against this folder. */
  cwd?: string;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** `FACETAG_VISION_MIN_DET_SCORE` for `vision.minDetScore`, for every key the schema knows. */
export function envNames(): Map<string, [string, string]> {
  const names = new Map<string, [string, string]>();
  for (const [section, sectionSchema] of Object.entries(configSchema.shape)) {
    const inner = unwrap(sectionSchema);
    if (!(inner instanceof z.ZodObject)) continue;
    for (const key of Object.keys(inner.shape as object)) {
      names.set(`FACETAG_${snake(section)}_${snake(key)}`, [section, key]);
    }
  }
  return names;
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s._def.innerType;
  return s;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppError('CONFIG_FILE_UNREADABLE', `config file ${path} cannot be read (${(error as Error).message}); check the --config path`);
  }
  try {
    const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level is not a mapping');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = b && typeof b === 'object' && !Array.isArray(b) && v && typeof v === 'object' && !Array.isArray(v)
      ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads the configuration once: defaults < config file < `FACETAG_*` environment < flags.
 * Returns one frozen object; a bad value is an `AppError('CONFIG_INVALID')` naming the key,
 * where it came from, and what is allowed.
 */
export function loadConfig(sources: ConfigSources = {}): ResolvedConfig {
  const cwd = sources.cwd ?? process.cwd();
  const env = sources.env ?? {};
  const origin = new Map<string, string>();

  const file = sources.file ?? env.FACETAG_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    raw = readFile(resolve(cwd, file));
    for (const [section, values] of Object.entries(raw)) {
      if (values && typeof values === 'object') for (const key of Object.keys(values)) origin.set(`${section}.${key}`, `config file ${file}`);
    }
  }

  const names = envNames();
  const fromEnv: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('FACETAG_') || name === 'FACETAG_CONFIG' || value === undefined) continue;
    const target = names.get(name);
    if (!target) continue; // other FACETAG_* variables (secrets, test switches) are not config keys
    const [section, key] = target;
    (fromEnv[section] ??= {})[key] = value;
    origin.set(`${section}.${key}`, `environment variable ${name}`);
  }
  raw = merge(raw, fromEnv);
  if (sources.flags) {
    for (const [section, values] of Object.entries(sources.flags)) {
      for (const [key, value] of Object.entries(values)) if (value !== undefined) origin.set(`${section}.${key}`, `flag`);
    }
    raw = merge(raw, sources.flags);
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.join('.');
    const where = origin.get(path) ?? (file ? `config file ${file}` : 'configuration');
    const [section, key] = issue.path.map(String);
    const envName = section && key && !where.startsWith('environment') ? ` (env FACETAG_${snake(section)}_${snake(key)})` : '';
    const shown = section && key ? JSON.stringify((raw[section] as Record<string, unknown> | undefined)?.[key]) : '';
    const detail = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    throw new AppError(
      'CONFIG_INVALID',
      `${path || 'config'}${shown ? ` = ${shown}` : ''} from ${where} is invalid: ${detail}; fix it in ${where}${envName}`,
    );
  }
  const config = result.data;
  config.data.dir = resolve(cwd, config.data.dir);
  if (config.log.dir) config.log.dir = resolve(cwd, config.log.dir);
  if (config.vision.modelsDir) config.vision.modelsDir = resolve(cwd, config.vision.modelsDir);
  if (config.backup.dir) config.backup.dir = resolve(cwd, config.backup.dir);
  if (config.storage.s3CaFile) config.storage.s3CaFile = resolve(cwd, config.storage.s3CaFile);
  return deepFreeze({ ...config, cluster: resolveTunedThresholds(config), configFile: file ? resolve(cwd, file) : null });
}
