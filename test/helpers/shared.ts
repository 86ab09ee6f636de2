import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository: labelled photos and model files we may use but not ship. */
export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const SHARED_FACES = `${SHARED}faces`;
export const SHARED_MODELS = `${SHARED}models`;

/**
 * True when `path` is there. Outside CI a suite that needs it is skipped with a loud message;
 * under CI=true its absence is an error, so the suite can never be skipped silently there.
 */
export function requireShared(path: string, suite: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: ${path} is missing, and CI=true requires this suite to run`);
  console.warn(`\n!!! SKIPPED: ${suite} needs ${path}, which is absent !!!\n`);
  return false;
}
