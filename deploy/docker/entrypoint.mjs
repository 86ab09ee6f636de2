#!/usr/bin/env node
// The facetag container's entrypoint. Docker secrets arrive as files: for each
// FACETAG_<KEY>_FILE variable it reads the file into FACETAG_<KEY> (the config's own
// variable), refusing an empty, placeholder or default value; then it runs
// `facetag <args>` in this process (tini, from `init: true`, forwards signals).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIX, secretProblem } from './secret-rules.mjs';

const problems = [];
for (const [key, file] of Object.entries(process.env)) {
  if (!key.startsWith('FACETAG_') || !key.endsWith('_FILE') || !file) continue;
  const name = key.slice(0, -'_FILE'.length);
  let value;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (error) {
    problems.push(`${key} names ${file}, which cannot be read (${error.code ?? error.message})`);
    continue;
  }
  const problem = secretProblem(name, value);
  if (problem) problems.push(`${problem} (from ${file})`);
  process.env[name] = value;
  delete process.env[key];
}
if (problems.length > 0) {
  for (const p of problems) console.error(`facetag entrypoint: ${p}`);
  console.error(`facetag entrypoint: refusing to start: ${FIX}`);
  process.exit(78);
}

const bin = fileURLToPath(new URL('../../bin/facetag.js', import.meta.url));
process.argv.splice(1, process.argv.length, bin, ...process.argv.slice(2));
await import(bin);
