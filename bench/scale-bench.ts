// npm run bench:scale [-- --faces N] [--index auto|ivf|exact] [--queries 1000] [--recall 200] [--seed 1] [--no-recluster]
// On synthetic 512-d face embeddings: index build time, per-face query and insert latency
// (p50/p99), recall against an exact scan, memory per face, and a full re-cluster.
// Sizes default to 10k, 100k and 1M; `--faces` picks one. Figures are wall-clock on
// whatever else the machine is running: quote the load average with them.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FaceVector } from '../src/catalog/catalog.js';
import { createVectorIndex } from '../src/cluster/create-vector-index.js';
import { clusterAll } from '../src/cluster/global-cluster.js';
import type { ClusterParams } from '../src/cluster/incremental-assign.js';
import { createIvfIndex } from '../src/cluster/ivf-index.js';
import { createExactIndex, type VectorIndex } from '../src/cluster/vector-index.js';
import { syntheticFaces, type SyntheticFaces } from './synthetic-faces.js';

const { values } = parseArgs({
  options: {
    faces: { type: 'string' },
    index: { type: 'string', default: 'auto' },
    queries: { type: 'string', default: '1000' },
    recall: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    'no-recluster': { type: 'boolean', default: false },
  },
});
const sizes = values.faces ? [Number(values.faces)] : [10_000, 100_000, 1_000_000];
const kind = values.index!;
if (!['auto', 'ivf', 'exact'].includes(kind)) throw new Error(`--index ${kind}: use auto, ivf or exact`);
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`--faces ${values.faces}: use a whole number of at least 100`);
const queryCount = Number(values.queries);
const recallCount = Math.min(Number(values.recall), queryCount);
const seed = Number(values.seed);
const K = 16;
/** The distance clustering looks within (see cluster params): the neighbours that matter. */
const NEAR = 0.6;
/** Exact distances this close to the k-th returned one are ties that int8 storage may swap. */
const TIE = 2e-3;
const params: ClusterParams = { maxDistance: 0.5, minFaces: 3, k: K, minSeedQuality: 0.3 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const line = (label: string, value: string) => console.log(`${label.padEnd(20)}  ${value}`);
const ms = (x: number) => `${x.toFixed(3)} ms`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function makeIndex(): VectorIndex {
  if (kind === 'ivf') return createIvfIndex(512);
  if (kind === 'exact') return createExactIndex(512);
  return createVectorIndex(512);
}

/** Exact top-k for a batch of queries in one pass over the library (each vector read once). */
function exactTopK(lib: SyntheticFaces, queries: Float32Array[], k: number) {
  const best = queries.map(() => ({ d: [] as number[], id: [] as number[] }));
  const d = lib.dimensions;
  for (let i = 0; i < lib.count; i++) {
    const v = lib.vector(i);
    for (let qi = 0; qi < queries.length; qi++) {
      const q = queries[qi]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < d; j += 4) {
        s0 += v[j]! * q[j]!;
        s1 += v[j + 1]! * q[j + 1]!;
        s2 += v[j + 2]! * q[j + 2]!;
        s3 += v[j + 3]! * q[j + 3]!;
      }
      const dist = 1 - (s0 + s1 + s2 + s3);
      const b = best[qi]!;
      if (b.d.length === k && dist >= b.d[k - 1]!) continue;
      let at = b.d.length;
      while (at > 0 && b.d[at - 1]! > dist) at--;
      b.d.splice(at, 0, dist);
      b.id.splice(at, 0, i);
      if (b.d.length > k) {
        b.d.pop();
        b.id.pop();
      }
    }
  }
  return best.map((b) => b.id.map((id, i) => ({ id, distance: b.d[i]! })));
}

async function run(n: number) {
  console.log(`\n== ${n} faces, index ${kind}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  let t = performance.now();
  const lib = syntheticFaces(n, { seed });
  line('synthetic library', `${lib.identityCount} identities, generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  gc();
  const rssBefore = rssMb();
  t = performance.now();
  const index = makeIndex();
  for (let i = 0; i < n; i++) index.add(i, lib.vector(i));
  const buildS = (performance.now() - t) / 1000;
  gc();
  const rssDelta = rssMb() - rssBefore;
  const approximate = kind === 'ivf' || (kind === 'auto' && (index as { approximate?: boolean }).approximate === true);
  line('index', approximate ? 'approximate (ivf)' : 'exact');
  line('build', `${buildS.toFixed(1)} s, ${(n / buildS).toFixed(0)} faces/s`);
  line('memory per face', `${((rssDelta * 2 ** 20) / n).toFixed(0)} B RSS delta` + ('bytes' in index ? `, ${((index.bytes as number) / n).toFixed(0)} B in typed arrays` : ''));

  const queries = Array.from({ length: queryCount }, () => lib.newFace().vector);
  const results: Array<Array<{ id: number; distance: number }>> = [];
  const times: number[] = [];
  for (let r = 0; r < 2; r++) {
    // The first pass warms the JIT; the second is timed.
    for (let qi = 0; qi < queries.length; qi++) {
      const s = performance.now();
      const hits = index.search(queries[qi]!, K);
      if (r === 1) times.push(performance.now() - s);
      results[qi] = hits;
    }
  }
  times.sort((a, b) => a - b);
  line(`query k=${K}`, `p50 ${ms(pct(times, 0.5))}  p99 ${ms(pct(times, 0.99))}  max ${ms(times.at(-1)!)}  (${queryCount} new faces)`);

  if (approximate && recallCount > 0) {
    t = performance.now();
    const truth = exactTopK(lib, queries.slice(0, recallCount), K);
    const exactMs = (performance.now() - t) / recallCount;
    let all = 0, allHit = 0, near = 0, nearHit = 0, nearTie = 0, maxError = 0;
    truth.forEach((exact, qi) => {
      const got = new Map(results[qi]!.map((h) => [h.id, h.distance]));
      const kth = results[qi]!.at(-1)?.distance ?? Infinity;
      for (const h of exact) {
        const found = got.get(h.id);
        all++;
        if (found !== undefined) {
          allHit++;
          maxError = Math.max(maxError, Math.abs(found - h.distance));
        }
        if (h.distance > NEAR) continue;
        near++;
        if (found !== undefined) nearHit++;
        else if (h.distance >= kth - TIE) nearTie++;
      }
    });
    line(`recall@${K}`, `${(allHit / all).toFixed(4)}  (${recallCount} queries; exact scan ${exactMs.toFixed(0)} ms per query)`);
    line(`recall@${K} <= ${NEAR}`, `${(nearHit / near).toFixed(4)}  (${near} pairs); ${((nearHit + nearTie) / near).toFixed(4)} counting int8 ties within ${TIE}`);
    line('distance error', `max ${maxError.toExponential(1)}`);
  }

  const inserts: number[] = [];
  for (let qi = 0; qi < queries.length; qi++) {
    const s = performance.now();
    index.add(n + qi, queries[qi]!);
    inserts.push(performance.now() - s);
  }
  inserts.sort((a, b) => a - b);
  line('insert', `p50 ${ms(pct(inserts, 0.5))}  p99 ${ms(pct(inserts, 0.99))}`);
  t = performance.now();
  for (let qi = 0; qi < queries.length; qi++) index.remove(n + qi);
  line('remove', `${ms((performance.now() - t) / queries.length)} per face`);

  if (!values['no-recluster']) {
    const faces: FaceVector[] = Array.from({ length: n }, (_, i) => ({
      id: i, photoId: i, personId: null, source: null, quality: 0.8, embedding: lib.vector(i),
    }));
    t = performance.now();
    const result = clusterAll({ faces, rejections: [] }, index, params);
    const clusterS = (performance.now() - t) / 1000;
    // Purity: faces whose group's majority identity is their own.
    const counts = new Map<number, Map<number, number>>();
    for (const [faceId, c] of result.clusterOf) {
      if (!('group' in c)) continue;
      const byIdentity = counts.get(c.group) ?? new Map<number, number>();
      const p = lib.identity[faceId]!;
      byIdentity.set(p, (byIdentity.get(p) ?? 0) + 1);
      counts.set(c.group, byIdentity);
    }
    let grouped = 0, majority = 0;
    for (const byIdentity of counts.values()) {
      let top = 0;
      for (const c of byIdentity.values()) {
        grouped += c;
        top = Math.max(top, c);
      }
      majority += top;
    }
    line('re-cluster', `clusterAll ${clusterS.toFixed(1)} s: ${result.groups} groups, ${result.edges} edges, ${grouped} faces grouped, purity ${(majority / Math.max(1, grouped)).toFixed(4)}`);
  }
  line('peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

for (const n of sizes) {
  await run(n);
  gc();
}
