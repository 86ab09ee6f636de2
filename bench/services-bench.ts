// Detection and embedding services as real processes: `npm run bench:services [-- --requests 40 --concurrency 2]`.
//
// Starts `facetag service detection` and `facetag service embedding` on free ports of
// 127.0.0.1 (time to listening), then sends the same photo (test/fixtures/astronaut.jpg, or
// --photo) to POST /v1/detect?aligned=true and its aligned face to POST /v1/embed, N requests
// each with C in flight, through the remote-inference client. Prints start-up seconds,
// requests/s and p50/p95 ms per service, and the cores each service process used meanwhile
// (its CPU time over the wall time, from /proc: both cores with 2 in flight).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRemoteInference } from '../src/services/remote-inference.js';

const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, photo: { type: 'string' } } });
const N = Number(values.requests ?? 40);
const C = Number(values.concurrency ?? 2);
const photo = readFileSync(values.photo ?? fileURLToPath(new URL('../test/fixtures/astronaut.jpg', import.meta.url)));
const bin = fileURLToPath(new URL('../bin/facetag.js', import.meta.url));

/** CPU seconds of a process so far (Linux /proc; null elsewhere). */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function start(which: string): Promise<{ url: string; seconds: number; pid: number | undefined; stop: () => void }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'service', which, '--host', '127.0.0.1', '--port', '0', '--data', `/tmp/facetag-bench-${which}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve({ url: m[1]!, seconds: (performance.now() - t0) / 1000, pid: child.pid, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`${which} exited ${code}`)));
  });
}

async function run(label: string, fn: () => Promise<unknown>, services: Array<{ name: string; pid: number | undefined }>) {
  const cpu0 = services.map((x) => cpuSeconds(x.pid));
  const times: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => {
    while (next++ < N) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
  }));
  const total = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(0);
  const cores = services.map((x, i) => {
    const used = cpuSeconds(x.pid);
    return used === null || cpu0[i] === null ? `${x.name} n/a` : `${x.name} ${((used - cpu0[i]!) / total).toFixed(2)}`;
  });
  console.log(`${label}: ${(N / total).toFixed(1)} requests/s with ${C} in flight; p50 ${q(0.5)} ms, p95 ${q(0.95)} ms; cores used: ${cores.join(', ')}`);
}

const [det, emb] = await Promise.all([start('detection'), start('embedding')]);
console.log(`start-up (both at once): detection ${det.seconds.toFixed(1)} s, embedding ${emb.seconds.toFixed(1)} s`);
const client = createRemoteInference({ detection: [det.url], embedding: [emb.url], probeIntervalMs: 60_000 });
try {
  const crop = (await client.detect(photo, { aligned: true })).faces[0]!.aligned!;
  const both = [{ name: 'detection', pid: det.pid }, { name: 'embedding', pid: emb.pid }];
  await run('detect', () => client.detect(photo, { aligned: true }), both.slice(0, 1));
  await run('embed (1 aligned face)', () => client.embed([crop]), both.slice(1));
  await run('analyse (detect + embed)', () => client.analyse(photo), both);
} finally {
  client.close();
  det.stop();
  emb.stop();
}
