#!/usr/bin/env node
// Fails when a native or server driver is imported outside the module that wraps it, naming the
// file and the module to go through instead:
//   sharp imported by src/server/images.ts: only src/vision/image-codec.ts may; ...
// Static, type-only and lazy (`import('...')`) imports all count: confinement is about which file
// depends on the driver, not when it loads. Tests (*.test.ts) may import anything (fixtures).
// Usage: node scripts/check-driver-imports.mjs [root]   (default: this project; checks root/src)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { listSourceFiles, stripComments } from './source-text.mjs';

/** Each driver, the files allowed to import it (paths under the root, `/` separated), and why. */
const rules = [
  {
    driver: 'sharp',
    allowed: (file) => file === 'src/vision/image-codec.ts',
    owner: 'src/vision/image-codec.ts',
    fix: 'ask the codec (readImageHeader, decodeScaled, shrinkRaw, orientedJpeg, encodeJpeg, encodePng, resizeJpeg, decodeRgb) or add the call there',
  },
  { driver: 'neo4j-driver', allowed: (file) => /^src\/catalog\/.*neo4j[^/]*\.ts$/.test(file), owner: 'the Neo4j catalog adapter (src/catalog/neo4j-*.ts)', fix: 'depend on the catalog port' },
  { driver: 'bullmq', allowed: (file) => file === 'src/queue/bullmq-queue.ts', owner: 'src/queue/bullmq-queue.ts', fix: 'depend on the queue port' },
  { driver: 'onnxruntime-node', allowed: (file) => /^src\/vision\/onnx-[^/]+\.ts$/.test(file), owner: 'src/vision/onnx-*.ts', fix: 'load models through src/vision/onnx-session.ts' },
];

const root = resolve(process.argv[2] ?? resolve(dirname(new URL(import.meta.url).pathname), '..'));
// `import ... from 'x'`, `import 'x'`, `export ... from 'x'`, `import('x')`.
const anyImport = /(?:(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?|\bimport\s*\(\s*)['"]([^'"]+)['"]/g;

const src = join(root, 'src');
const files = existsSync(src) ? listSourceFiles(src, (name) => !/\.test\.[a-z]+$/.test(name)) : [];
const problems = [];
for (const path of files.sort()) {
  const file = relative(root, path).split('\\').join('/');
  const text = stripComments(readFileSync(path, 'utf8'));
  for (const m of text.matchAll(anyImport)) {
    const spec = m[1];
    const rule = rules.find((r) => spec === r.driver || spec.startsWith(`${r.driver}/`));
    if (rule && !rule.allowed(file)) problems.push(`${rule.driver} imported by ${file}: only ${rule.owner} may; ${rule.fix}`);
  }
}
for (const p of new Set(problems)) console.error(p);
if (problems.length > 0) process.exit(1);
console.log(`driver imports: each driver only in its module (${files.length} files checked)`);
