import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/** Runs one of scripts/*.mjs with `args`: its exit status and everything it printed. */
export function runScript(name: string, ...args: string[]): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [join(import.meta.dirname, '../../scripts', name), ...args], { encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/** Makes folders of source files (`{ 'a.ts': '...' }`) for a test, removed after each test. */
export function sourceTrees(): (files: Record<string, string>) => string {
  const folders: string[] = [];
  afterEach(() => {
    for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (files) => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-sources-'));
    folders.push(dir);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };
}
