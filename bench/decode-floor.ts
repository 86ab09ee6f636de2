// The decode floor, as a process of its own: sharp decodes each photo of a folder to RGB at most
// 1600 px on its long side, two at a time, and nothing else. Prints one JSON line.
// node --import tsx bench/decode-floor.ts DIR [--concurrency 2]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { photosUnder } from './photo-sets.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { concurrency: { type: 'string', default: '2' } } });
sharp.cache(false);
const files = photosUnder(positionals[0]!);
const t0 = performance.now();
const c0 = process.cpuUsage();
let next = 0;
await Promise.all(Array.from({ length: Number(values.concurrency) }, async () => {
  while (next < files.length) {
    const bytes = await readFile(files[next++]!);
    await sharp(bytes).rotate().resize({ width: 1600, height: 1600, fit: 'inside', withoutEnlargement: true }).raw().toBuffer();
  }
}));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
console.log(JSON.stringify({ photos: files.length, seconds, photosPerSecond: files.length / seconds, cpuMsPerPhoto: (cpu.user + cpu.system) / 1000 / files.length }));
