import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard's sources (web/) and its build (web/dist). */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
export const WEB_DIST = join(WEB_DIR, 'dist');
const STAMP = join(WEB_DIST, '.built');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when web/dist is missing or older than a file of web/. */
export function webBuildIsStale(): boolean {
  return !existsSync(STAMP) || statSync(STAMP).mtimeMs < newestSource(WEB_DIR);
}

/**
 * Builds the dashboard with Vite when its build is missing or stale, so that `facetag serve`
 * works from a fresh checkout with no build step to forget. Returns the folder to serve.
 */
export async function ensureWebBuild(onBuild: () => void = () => {}): Promise<string> {
  if (!webBuildIsStale()) return WEB_DIST;
  onBuild();
  const { build } = await import('vite');
  await build({ configFile: join(WEB_DIR, 'vite.config.ts'), root: WEB_DIR, logLevel: 'warn' });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return WEB_DIST;
}
