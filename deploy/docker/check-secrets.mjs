#!/usr/bin/env node
// Checks every secret file in a folder (default /run/secrets, where Docker mounts them) and
// exits 78 naming each one that is empty, a placeholder or a default. The compose stack runs
// it first: no service starts until it has passed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIX, secretProblem } from './secret-rules.mjs';

const dir = process.argv[2] ?? '/run/secrets';
let names;
try {
  names = readdirSync(dir).filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isFile());
} catch (error) {
  console.error(`check-secrets: cannot read ${dir} (${error.message}); ${FIX}`);
  process.exit(78);
}
if (names.length === 0) {
  console.error(`check-secrets: no secrets in ${dir}; ${FIX}`);
  process.exit(78);
}
const problems = names.map((n) => secretProblem(n.replace(/\.txt$/, ''), readFileSync(join(dir, n), 'utf8'))).filter(Boolean);
if (problems.length > 0) {
  for (const p of problems) console.error(`check-secrets: ${p}`);
  console.error(`check-secrets: refusing to start: ${FIX}`);
  process.exit(78);
}
console.log(`check-secrets: ${names.length} secrets present, none a placeholder or default`);
