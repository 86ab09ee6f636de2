import { mkdirSync } from 'node:fs';
import pino from 'pino';
import { openRotatingFile } from './log-rotation.js';

export type Logger = pino.Logger;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Keys whose values never reach a log line, wherever a caller puts them: person names, photo
 * paths and file names, embeddings, credentials. Callers log ids, counts and codes; this list
 * is the second fence.
 */
const SECRET_KEYS = [
  'name', 'names', 'path', 'paths', 'file', 'files', 'filename', 'dir', 'folder', 'key', 'embedding', 'vector',
  'password', 'token', 'secret', 'accessKeyId', 'secretAccessKey', 'authorization', 'cookie', 'url', 'uri',
];
const REDACT = { paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)], censor: '[redacted]' };

export interface LoggerOptions {
  /** Folder of the log files; null logs to stderr. */
  dir: string | null;
  /** The level of every component not named in `levels`. */
  level: string;
  /** This process's component: the file is `<dir>/<component>.log`. */
  component: string;
  /** Per-component levels, `"server=debug,index=info"` (the `log.levels` config key). */
  levels?: string;
  /** Rotate before the file passes this size. @default 10 */
  maxSizeMb?: number;
  /** Rotated files kept per component. @default 5 */
  maxFiles?: number;
  /** Rotated files older than this are deleted, and the active file is rotated at this age. @default 14 */
  maxAgeDays?: number;
  /** The clock (tests move it to see rotation by age). */
  now?: () => number;
}

/** `"server=debug, index=info"` as a map; throws naming the bad entry. */
export function parseLevels(levels: string): Map<string, LogLevel> {
  const out = new Map<string, LogLevel>();
  for (const entry of levels.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9-]*)=([a-z]+)$/.exec(entry);
    if (!match || !(LOG_LEVELS as readonly string[]).includes(match[2]!)) {
      throw new Error(`"${entry}" is not component=level with a level among ${LOG_LEVELS.join(', ')}, e.g. "server=debug,index=info"`);
    }
    out.set(match[1]!, match[2] as LogLevel);
  }
  return out;
}

/** The level a component logs at: its own entry in `levels`, or the default. */
export function levelFor(component: string, level: string, levels = ''): string {
  return parseLevels(levels).get(component) ?? level;
}

/**
 * Structured logs as JSON lines in `<dir>/<component>.log`, rotated by size and age (see
 * `openRotatingFile`). Without a folder they go to stderr.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = levelFor(options.component, options.level, options.levels);
  const now = options.now ?? Date.now;
  const base = { component: options.component, pid: process.pid };
  const common = { level, redact: REDACT, base, timestamp: () => `,"time":${now()}` };
  if (!options.dir || level === 'silent') return pino({ ...common, enabled: level !== 'silent' }, pino.destination(2));
  mkdirSync(options.dir, { recursive: true });
  const file = openRotatingFile(options.dir, options.component, {
    maxBytes: Math.max(1024, Math.round((options.maxSizeMb ?? 10) * 1024 * 1024)),
    maxFiles: options.maxFiles ?? 5,
    maxAgeDays: options.maxAgeDays ?? 14,
    now,
  });
  return pino(common, file);
}
