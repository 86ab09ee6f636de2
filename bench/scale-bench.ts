// npm run bench:scale [-- --faces N] [--dims 128,512] [--index auto|hnsw|exact] [--queries 1000] [--recall 200] [--seed 1] [--no-recluster]
// On synthetic face embeddings shaped like each model's (bench/synthetic-faces.ts: 128-d like
// dlib's ResNet, the default embedder; 512-d like ArcFace): index build time, per-face query and
// insert latency (p50/p99), recall against an exact scan, memory, and a full re-cluster as
// `facetag people recluster` runs it (load the faces into a fresh index, then clusterAll) in a
// process of its own, so its peak RSS is the re-cluster's alone. Sizes default to 10k, 100k and
// 1M; `--faces` picks one. Figures are wall-clock on whatever else the machine is running: quote
// the load average with them.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildVectorIndex } from '../src/clustering/create-vector-index.js';
import { createFaceTable } from '../src/clustering/face-table.js';
import { clusterAll } from '../src/clustering/global-cluster.js';
import { createHnswIndex } from '../src/clustering/hnsw-index.js';
import type { ClusterParams } from '../src/clustering/incremental-assign.js';
import { createExactIndex, type VectorIndex } from '../src/clustering/vector-index.js';
import { bcubed, pairwiseF1 } from '../src/eval/metrics.js';
import { ARCFACE_512, DLIB_128, syntheticFaces, type FaceScale, type SyntheticFaces } from './synthetic-faces.js';

const { values } = parseArgs({
  options: {
    faces: { type: 'string' },
    dims: { type: 'string', default: '128' },
    index: { type: 'string', default: 'auto' },
    queries: { type: 'string', default: '1000' },
    recall: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    'no-recluster': { type: 'boolean', default: false },
    /** Internal: run only the re-cluster, in this (child) process, and print its figures as JSON. */
    'recluster-only': { type: 'boolean', default: false },
  },
});

/** Per model: the shape of its embeddings and the distances clustering works at. */
interface Model {
  scale: FaceScale;
  /** The clustering threshold a tuned config would use for this embedder. */
  maxDistance: number;
  /** Neighbours within this distance are the ones clustering can use: recall is counted there. */
  near: number;
}
const MODELS: Record<string, Model> = {
  128: { scale: DLIB_128, maxDistance: 0.06, near: 0.08 },
  512: { scale: ARCFACE_512, maxDistance: 0.5, near: 0.6 },
};

const sizes = values.faces ? [Number(values.faces)] : [10_000, 100_000, 1_000_000];
const dimsList = values.dims!.split(',').map(Number);
const kind = values.index!;
if (!['auto', 'hnsw', 'exact'].includes(kind)) throw new Error(`--index ${kind}: use auto, hnsw or exact`);
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`--faces ${values.faces}: use a whole number of at least 100`);
if (dimsList.some((d) => !MODELS[d])) throw new Error(`--dims ${values.dims}: use 128 (dlib-like), 512 (ArcFace-like) or both, comma-separated`);
const queryCount = Number(values.queries);
const recallCount = Math.min(Number(values.recall), queryCount);
const seed = Number(values.seed);
const K = 16;
/** Exact distances this close to the k-th returned one are ties that float16 storage may swap. */
const TIE = 2e-3;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const peakMb = () => process.resourceUsage().maxRSS / 1024;
const line = (label: string, value: string) => console.log(`${label.padEnd(20)}  ${value}`);
const ms = (x: number) => `${x.toFixed(3)} ms`;
const pct = (sorted: ArrayLike<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
/** CPU seconds of this process, every thread: on a busy machine, divided by the cores it used, the wall time it would take alone. */
const cpuS = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const paramsFor = (model: Model): ClusterParams => ({ maxDistance: model.maxDistance, minFaces: 3, k: K, minSeedQuality: 0.3 });

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

/** Percentiles of same-person and different-people distances on 100k random pairs: how model-like the library is. */
function distanceProfile(lib: SyntheticFaces): string {
  const byIdentity = new Map<number, number[]>();
  for (let i = 0; i < lib.count; i++) {
    const list = byIdentity.get(lib.identity[i]!);
    if (list) list.push(i);
    else byIdentity.set(lib.identity[i]!, [i]);
  }
  const people = [...byIdentity.values()].filter((l) => l.length > 1);
  let r = seed;
  const pick = (n: number) => {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    return r % n;
  };
  const distance = (a: number, b: number) => {
    const x = lib.vector(a), y = lib.vector(b);
    let s = 0;
    for (let j = 0; j < lib.dimensions; j++) s += x[j]! * y[j]!;
    return 1 - s;
  };
  const same: number[] = [], different: number[] = [];
  for (let t = 0; t < 100_000 && people.length > 0; t++) {
    const l = people[pick(people.length)]!;
    const a = l[pick(l.length)]!, b = l[pick(l.length)]!;
    if (a !== b) same.push(distance(a, b));
    const x = pick(lib.count), y = pick(lib.count);
    if (lib.identity[x] !== lib.identity[y]) different.push(distance(x, y));
  }
  same.sort((a, b) => a - b);
  different.sort((a, b) => a - b);
  const f = (a: number[], p: number) => (a.length ? pct(a, p).toFixed(3) : '-');
  return `same person median ${f(same, 0.5)} p95 ${f(same, 0.95)}; different people median ${f(different, 0.5)} p1 ${f(different, 0.01)}`;
}

function makeIndex(dims: number, lib: SyntheticFaces): VectorIndex {
  if (kind === 'hnsw') {
    const index = createHnswIndex(dims);
    for (let start = 0; start < lib.count; start += 16_384) {
      const end = Math.min(lib.count, start + 16_384);
      const packed = new Float32Array((end - start) * dims);
      for (let i = start; i < end; i++) packed.set(lib.vector(i), (i - start) * dims);
      index.addMany(Array.from({ length: end - start }, (_, i) => start + i), packed);
    }
    return index;
  }
  if (kind === 'exact') {
    const index = createExactIndex(dims);
    for (let i = 0; i < lib.count; i++) index.add(i, lib.vector(i));
    return index;
  }
  return buildVectorIndex({ count: lib.count, dimensions: dims, idAt: (i) => i, vectorInto: (i, out, at) => out.set(lib.vector(i), at) });
}

interface ReclusterFigures {
  loadS: number;
  clusterS: number;
  loadCpu: number;
  clusterCpu: number;
  peakMb: number;
  baseMb: number;
  groups: number;
  edges: number;
  grouped: number;
  purity: number;
  bcubed: string;
  pairwise: string;
}

/**
 * The re-cluster as `facetag people recluster` does it, in this process: the faces packed into
 * a table as they are read (here: drawn; one photo a face, none on a person yet), an index
 * built from it, clusterAll.
 */
function reclusterHere(n: number, dims: number): ReclusterFigures {
  const model = MODELS[dims]!;
  const faces = createFaceTable(n, dims);
  const face = { id: 0, photoId: 0, personId: null, source: null, quality: 0.8, embedding: new Float32Array(0) };
  const { identity } = syntheticFaces(n, {
    seed, dimensions: dims, scale: model.scale,
    each: (i, embedding) => faces.set(i, Object.assign(face, { id: i, photoId: i, embedding })),
  });
  gc();
  const baseMb = rssMb();
  let t = performance.now();
  let cpu = cpuS();
  const index = buildVectorIndex(faces);
  const loadS = (performance.now() - t) / 1000;
  const loadCpu = cpuS() - cpu;
  t = performance.now();
  cpu = cpuS();
  const result = clusterAll({ faces, rejections: [] }, index, paramsFor(model));
  const clusterS = (performance.now() - t) / 1000;
  const clusterCpu = cpuS() - cpu;
  const peak = peakMb();

  // Purity: faces whose group's majority identity is their own.
  const counts = new Map<number, Map<number, number>>();
  for (let i = 0; i < n; i++) {
    const g = result.group[i]!;
    if (g < 0) continue;
    const byIdentity = counts.get(g) ?? new Map<number, number>();
    byIdentity.set(identity[i]!, (byIdentity.get(identity[i]!) ?? 0) + 1);
    counts.set(g, byIdentity);
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
  // BCubed and pairwise over every face, an ungrouped face counting as a cluster of its own.
  const labelled = Array.from({ length: n }, (_, i) => ({ truth: String(identity[i]), predicted: result.group[i]! >= 0 ? `g${result.group[i]}` : `f${i}` }));
  const pr = (x: { precision: number; recall: number; f1: number }) => `P ${x.precision.toFixed(4)} R ${x.recall.toFixed(4)} F1 ${x.f1.toFixed(4)}`;
  return {
    loadS, clusterS, loadCpu, clusterCpu, peakMb: peak, baseMb, groups: result.groups, edges: result.edges, grouped,
    purity: majority / Math.max(1, grouped), bcubed: pr(bcubed(labelled)), pairwise: pr(pairwiseF1(labelled)),
  };
}

/** Runs `reclusterHere` in a child process (same Node flags), so its peak RSS is its own. */
function reclusterInChild(n: number, dims: number): Promise<ReclusterFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(process.argv[1]!, ['--recluster-only', '--faces', String(n), '--dims', String(dims), '--seed', String(seed)], {
      execArgv: process.execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ReclusterFigures) : reject(new Error(`re-cluster child exited with ${code}`))));
  });
}

async function run(n: number, dims: number) {
  const model = MODELS[dims]!;
  console.log(`\n== ${n} faces, ${dims}-d, index ${kind}, load average ${load()}`);
  let t = performance.now();
  const lib = syntheticFaces(n, { seed, dimensions: dims, scale: model.scale });
  line('synthetic library', `${lib.identityCount} identities, generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  line('distances', distanceProfile(lib));

  gc();
  const rssBefore = rssMb();
  t = performance.now();
  const cpu = cpuS();
  const index = makeIndex(dims, lib);
  const buildS = (performance.now() - t) / 1000;
  const buildCpu = cpuS() - cpu;
  gc();
  const rssDelta = rssMb() - rssBefore;
  const approximate = kind === 'hnsw' || (kind === 'auto' && (index as { approximate?: boolean }).approximate === true);
  line('index', approximate ? 'approximate (hnsw, usearch)' : 'exact');
  line('build', `${buildS.toFixed(1)} s, ${(n / buildS).toFixed(0)} faces/s; CPU ${buildCpu.toFixed(1)} s (load ${load()})`);
  line('memory per face', `${((rssDelta * 2 ** 20) / n).toFixed(0)} B RSS delta`);

  const queries = Array.from({ length: queryCount }, () => lib.newFace().vector);
  const results: Array<Array<{ id: number; distance: number }>> = [];
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let r = 0; r < 2; r++) {
    // The first pass warms the JIT; the second is timed, by the clock and by this process's CPU
    // time (which a busy machine does not stretch: the query runs on this thread alone).
    for (let qi = 0; qi < queries.length; qi++) {
      const c = process.cpuUsage();
      const s = performance.now();
      const hits = index.search(queries[qi]!, K);
      if (r === 1) {
        times.push(performance.now() - s);
        const used = process.cpuUsage(c);
        cpuTimes.push((used.user + used.system) / 1000);
      }
      results[qi] = hits;
    }
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  line(`query k=${K}`, `p50 ${ms(pct(times, 0.5))}  p99 ${ms(pct(times, 0.99))}  max ${ms(times.at(-1)!)}  (${queryCount} new faces)`);
  line(`query CPU`, `p50 ${ms(pct(cpuTimes, 0.5))}  p99 ${ms(pct(cpuTimes, 0.99))}`);

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
        if (h.distance > model.near) continue;
        near++;
        if (found !== undefined) nearHit++;
        else if (h.distance >= kth - TIE) nearTie++;
      }
    });
    line(`recall@${K}`, `${(allHit / all).toFixed(4)}  (${recallCount} queries; exact scan ${exactMs.toFixed(0)} ms per query)`);
    line(`recall@${K} <= ${model.near}`, `${(nearHit / Math.max(1, near)).toFixed(4)}  (${near} pairs); ${((nearHit + nearTie) / Math.max(1, near)).toFixed(4)} counting float16 ties within ${TIE}`);
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
  line('peak RSS', `${peakMb().toFixed(0)} MB (library, index and queries)`);

  if (!values['no-recluster']) {
    const r = await reclusterInChild(n, dims);
    line('re-cluster', `${(r.loadS + r.clusterS).toFixed(1)} s: index ${r.loadS.toFixed(1)} s + clusterAll ${r.clusterS.toFixed(1)} s; CPU ${r.loadCpu.toFixed(1)} + ${r.clusterCpu.toFixed(1)} s (load ${load()})`);
    line('  groups', `${r.groups} groups, ${r.edges} edges, ${r.grouped} faces grouped, purity ${r.purity.toFixed(4)}`);
    line('  BCubed', r.bcubed);
    line('  pairwise', r.pairwise);
    line('  peak RSS', `${r.peakMb.toFixed(0)} MB (${r.baseMb.toFixed(0)} MB of it before the index: Node and the packed faces)`);
  }
}

if (values['recluster-only']) {
  process.stdout.write(JSON.stringify(reclusterHere(sizes[0]!, dimsList[0]!)));
} else {
  for (const dims of dimsList) {
    for (const n of sizes) {
      await run(n, dims);
      gc();
    }
  }
}
