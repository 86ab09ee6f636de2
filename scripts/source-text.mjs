// What the checks in scripts/ read: the source files under a folder, and their text without comments.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const sourceFile = /\.(ts|tsx|mts|js|mjs)$/;

/** Source files under `dir`, recursively (no `.d.ts`); `keep` filters by file name. */
export function listSourceFiles(dir, keep = () => true) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listSourceFiles(path, keep));
    else if (sourceFile.test(name) && !name.endsWith('.d.ts') && keep(name)) out.push(path);
  }
  return out;
}

/** Comments blanked (strings kept whole), so an import written in a comment is not read as one. */
export function stripComments(text) {
  const token = /('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;
  return text.replace(token, (m, string) => string ?? m.replace(/[^\n]/g, ' '));
}
