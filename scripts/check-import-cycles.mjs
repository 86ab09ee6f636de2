#!/usr/bin/env node
// Fails when a module imports itself through others, naming each cycle:
//   import cycle: src/a.ts -> src/b.ts -> src/a.ts
// Static imports and re-exports count, type-only ones included (a cycle of types still ties the
// modules together); `await import(...)` does not (lazy loading is how a driver stays optional).
// Usage: node scripts/check-import-cycles.mjs [dir ...]   (default: src web/src)
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { listSourceFiles, stripComments } from './source-text.mjs';

// Cycles known and left for now, each with why; the check fails when one of these grows (another
// file joins it) or is gone (then remove it here). Folders given as arguments are checked with none.
const knownCycles = [];

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const given = process.argv.slice(2);
const dirs = given.length > 0 ? given : ['src', 'web/src'];
// `import ... from '...'`, `import '...'`, `export ... from '...'` at the start of a statement.
const staticImport = /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;

/** The file a relative specifier names (`./x.js` is written for `./x.ts`), or null. */
function resolveSpecifier(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

const files = dirs.map((d) => resolve(root, d)).filter((d) => existsSync(d)).flatMap((d) => listSourceFiles(d));
const graph = new Map();
for (const file of files) {
  const text = stripComments(readFileSync(file, 'utf8'));
  const deps = new Set();
  for (const m of text.matchAll(staticImport)) {
    const target = resolveSpecifier(file, m[1]);
    if (target) deps.add(target);
  }
  graph.set(file, [...deps].sort());
}

// Tarjan's strongly connected components: every component of more than one file (or a file that
// imports itself) holds at least one cycle.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
let counter = 0;
function connect(v) {
  index.set(v, counter);
  low.set(v, counter);
  counter += 1;
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!index.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
  }
}
for (const file of [...graph.keys()].sort()) if (!index.has(file)) connect(file);

/** The shortest cycle through `start` inside its component (breadth-first). */
function shortestCycle(start, members) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        for (let p = previous.get(v); p !== null; p = previous.get(p)) path.unshift(p);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

const name = (f) => relative(root, f);
const key = (list) => list.toSorted().join(' ');
const known = given.length > 0 ? [] : knownCycles;
const found = components.map((c) => c.map(name));
const unknown = components.filter((c) => !known.some((k) => key(k.files) === key(c.map(name))));
const gone = known.filter((k) => !found.some((c) => key(c) === key(k.files)));
for (const k of known.filter((k) => !gone.includes(k))) console.log(`import cycle left for now: ${k.files.join(' <-> ')} (${k.why})`);
for (const k of gone) console.error(`import cycle listed as known is gone: ${k.files.join(' <-> ')}; remove it from knownCycles in scripts/check-import-cycles.mjs`);
if (unknown.length === 0 && gone.length === 0) {
  console.log(`import cycles: no new one in ${files.length} files (${dirs.join(', ')})`);
  process.exit(0);
}
for (const component of unknown.sort((a, b) => name(a.toSorted()[0]).localeCompare(name(b.toSorted()[0])))) {
  const members = new Set(component);
  const start = component.toSorted()[0];
  const cycle = shortestCycle(start, members).map(name).join(' -> ');
  const others = component.length > cycle.split(' -> ').length - 1 ? ` (${component.length} files tied together: ${component.map(name).sort().join(', ')})` : '';
  console.error(`import cycle: ${cycle}${others}`);
}
if (unknown.length > 0) {
  console.error(`\n${unknown.length} import cycle(s): break each by moving what both sides need into a module of its own (a type into its own file, a shared rule into a pure function), or by importing lazily (\`await import(...)\`) where a driver must stay optional.`);
}
process.exit(1);
