import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured logs as JSON lines in `<dir>/<component>.log`. Callers log ids, counts and codes;
 * never person names, photo paths or embeddings (the `redact` list is a second fence).
 */
export function createLogger(options: { dir: string | null; level: string; component: string }): Logger {
  const redact = { paths: ['name', 'path', 'file', 'embedding', '*.name', '*.path', '*.file', '*.embedding', 'password', '*.password'], censor: '[redacted]' };
  if (!options.dir || options.level === 'silent') return pino({ level: options.level, redact, enabled: options.level !== 'silent' }, pino.destination(2));
  mkdirSync(options.dir, { recursive: true });
  const destination = pino.destination({ dest: join(options.dir, `${options.component}.log`), mkdir: true, sync: true });
  return pino({ level: options.level, redact, base: { component: options.component, pid: process.pid } }, destination);
}
