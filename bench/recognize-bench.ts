// Recognition latency through a real `facetag serve`: `npm run bench:recognize [-- --requests 100 --concurrency 1]`.
//
// Builds a library of the labelled photos of ../shared/faces (177 photos, 42 people, each
// named after its folder), starts `facetag serve` on a free port of 127.0.0.1, and sends a 2 MP
// photo with one face (images/mark_zuckerberg/1.jpg scaled to 1732x1155, or --photo) to
// POST /api/v1/recognition/recognize (CompreFace's call) and POST /api/recognize, N requests each
// after a warm-up (30 requests and at least 5 s), C in flight. Prints p50/p95/p99 ms per endpoint and the load average.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openSqliteCatalog } from '../src/catalog/sqlite-catalog.js';
import { openAuthStore } from '../src/server/auth-store.js';

const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, photo: { type: 'string' }, dataset: { type: 'string' } } });
const N = Number(values.requests ?? 100);
const WARM_UP = 30;
const C = Number(values.concurrency ?? 1);
const dataset = values.dataset ?? fileURLToPath(new URL('../../shared/faces', import.meta.url));
if (!existsSync(join(dataset, 'images'))) throw new Error(`${dataset} has no images/ folder; give --dataset DIR (the layout of ../shared/faces)`);
const bin = fileURLToPath(new URL('../bin/facetag.js', import.meta.url));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const photo = values.photo
  ? readFileSync(values.photo)
  : await sharp(join(dataset, 'images', 'mark_zuckerberg', '1.jpg')).resize(1732, 1155, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
const meta = await sharp(photo).metadata();
console.log(`photo: ${meta.width}x${meta.height} (${((meta.width! * meta.height!) / 1e6).toFixed(2)} MP), ${photo.length} bytes; load average ${load()}`);

// The library: every labelled photo indexed, each person named after the folder most of its faces come from.
const data = mkdtempSync(join(tmpdir(), 'facetag-bench-recognize-'));
const t0 = performance.now();
const indexed = spawnSync(process.execPath, [bin, 'index', join(dataset, 'images'), '--data', data], { encoding: 'utf8' });
if (indexed.status !== 0) throw new Error(`index failed: ${indexed.stderr}`);
const catalog = openSqliteCatalog(join(data, 'catalog.sqlite'));
let named = 0;
for (const person of await catalog.listPeople()) {
  const votes = new Map<string, number>();
  for (const f of await catalog.listFaces({ personId: person.id })) {
    const folder = (await catalog.getPhoto(f.photoId))!.path.split('/').at(-2)!;
    votes.set(folder, (votes.get(folder) ?? 0) + 1);
  }
  const [folder] = [...votes].sort((a, b) => b[1] - a[1])[0]!;
  await catalog.updatePerson(person.id, { name: folder.replace(/_/g, ' ') });
  named++;
}
const counts = await catalog.counts();
await catalog.close();
const auth = openAuthStore(join(data, 'auth.sqlite'));
const key = auth.createToken('bench', 'recognition').token;
auth.close();
console.log(`library: ${counts.photos} photos, ${counts.faces} faces, ${named} named people (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

const server = spawn(process.execPath, [bin, 'serve', '--data', data, '--port', '0'], {
  env: { ...process.env, FACETAG_SERVER_ADMIN_PASSWORD: 'bench-password', FACETAG_RECOGNITION_RATE_PER_MINUTE: '1000000', FACETAG_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /facetag dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`facetag serve exited ${code}`)));
});

async function recognize(path: string): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([photo]), 'photo.jpg');
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
  const body = (await res.json()) as { result?: unknown[]; faces?: unknown[] };
  if (res.status !== 200 || (body.result ?? body.faces)!.length !== 1) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
}

async function run(label: string, path: string) {
  // Warm-up: model sessions (ONNX Runtime's first runs are slow), JIT, the library's index.
  const warm = performance.now();
  for (let i = 0; i < WARM_UP || performance.now() - warm < 5000; i++) await recognize(path);
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: C }, async () => {
    while (next++ < N) {
      const s = performance.now();
      await recognize(path);
      times.push(performance.now() - s);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!.toFixed(0);
  console.log(`${label}: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms, max ${times.at(-1)!.toFixed(0)} ms; ${(N / seconds).toFixed(1)} requests/s with ${C} in flight; load average ${load()}`);
}

try {
  await run('POST /api/v1/recognition/recognize', '/api/v1/recognition/recognize');
  await run('POST /api/recognize', '/api/recognize');
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(data, { recursive: true, force: true });
}
