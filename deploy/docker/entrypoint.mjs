#!/usr/bin/env node
// The facetag container's entrypoint. Docker secrets arrive as files: each
// FACETAG_<KEY>_FILE variable is read into FACETAG_<KEY> (the config's own variable), and an
// empty, placeholder or default value stops the container (exit 78) before facetag starts;
// then `facetag <args>` runs in this process (compose's `init: true` forwards signals).
import { fileURLToPath } from 'node:url';
import { FIX, resolveSecrets } from './secret-rules.mjs';

const { env, problems } = resolveSecrets(process.env);
if (problems.length > 0) {
  for (const p of problems) console.error(`facetag entrypoint: ${p}`);
  console.error(`facetag entrypoint: refusing to start: ${FIX}`);
  process.exit(78);
}
for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
Object.assign(process.env, env);

const bin = fileURLToPath(new URL('../../bin/facetag.js', import.meta.url));
process.argv.splice(1, process.argv.length, bin, ...process.argv.slice(2));
await import(bin);
