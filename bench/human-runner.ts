// @vladmandic/human (3.3.6, the TypeScript library a user would pick instead) finding and
// describing the faces of a folder, as a process of its own. Prints one JSON line.
// node --import tsx bench/human-runner.ts DIR
//
// Backend: WebAssembly with SIMD (tfjs-backend-wasm), the fastest that installs here: tfjs-node
// downloads libtensorflow at install, which an offline machine cannot. Configured for the same
// job as facetag (every face: box, mesh landmarks, descriptor), everything else off.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { photosUnder } from './photo-sets.js';

const require = createRequire(import.meta.url);
// The package's `exports` map names its node-wasm build without "./": load the file itself.
const humanDir = dirname(dirname(require.resolve('@vladmandic/human')));
const { Human } = require(join(humanDir, 'dist/human.node-wasm.js')) as { Human: new (config: object) => any };
// Human loads its models with fetch, which cannot read file:// URLs in Node: read those from disk.
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => (String(url).startsWith('file://') ? new Response(readFileSync(new URL(String(url)))) : realFetch(url, init));

const started = performance.now();
const human = new Human({
  backend: 'wasm',
  wasmPath: `file://${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`,
  modelBasePath: `file://${join(humanDir, 'models')}/`,
  debug: false, cacheSensitivity: 0, filter: { enabled: false },
  face: {
    enabled: true, detector: { maxDetected: 50, rotation: false }, mesh: { enabled: true }, description: { enabled: true },
    iris: { enabled: false }, emotion: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false },
  },
  body: { enabled: false }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false }, segmentation: { enabled: false },
});
await human.load();
await human.warmup();
const loadMs = performance.now() - started;
const files = photosUnder(process.argv[2]!);
const t0 = performance.now();
const c0 = process.cpuUsage();
let faces = 0;
for (const file of files) {
  const { data, info } = await sharp(await readFile(file)).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const tensor = human.tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
  faces += (await human.detect(tensor)).face.length;
  human.tf.dispose(tensor);
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
console.log(JSON.stringify({ photos: files.length, faces, seconds, photosPerSecond: files.length / seconds, cpuMsPerPhoto: (cpu.user + cpu.system) / 1000 / files.length, loadMs, backend: human.tf.getBackend() }));
