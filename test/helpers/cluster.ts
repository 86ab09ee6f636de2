import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { parseDocument } from 'yaml';
import { createBullmqQueue } from '../../src/queue/bullmq-queue.js';
import type { JobQueue } from '../../src/queue/queue.js';
import { collect, json, runFacetag, startFacetag, type CliResult } from './cli.js';
import { fixture } from './photos.js';
import { freePort } from './ports.js';

export type YamlDoc = ReturnType<typeof parseDocument>;

/** Writes to `path` a copy of test/fixtures/cluster.loopback.yaml with free ports, after `edit`. */
export async function loopbackClusterCopy(path: string, edit: (doc: YamlDoc) => void = () => {}): Promise<string> {
  const doc = parseDocument(readFileSync(fixture('cluster.loopback.yaml'), 'utf8'));
  const ports = doc.get('ports') as { items: Array<{ key: { value: string } }> };
  // Each its own port: a port just freed can be handed out again.
  const taken = new Set<number>();
  for (const item of ports.items) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    doc.setIn(['ports', item.key.value], port);
  }
  edit(doc);
  writeFileSync(path, doc.toString());
  return path;
}

/** The ports of a cluster file copy. */
export const clusterPorts = (path: string) => (parseDocument(readFileSync(path, 'utf8')).toJS() as { ports: Record<string, number> }).ports;

/** The environment of every process of one test cluster: BullMQ on the test's Redis, quick retries and lock expiry. */
export function clusterEnv(redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    FACETAG_QUEUE_DRIVER: 'bullmq', FACETAG_QUEUE_REDIS_URL: redisUrl, FACETAG_QUEUE_BACKOFF_MS: '100',
    FACETAG_QUEUE_LOCK_MS: '2000', FACETAG_LOG_LEVEL: 'debug', ...extra,
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker has its models loaded and listens to the queue, with its banner line (threads, models, metrics URL). */
  ready: Promise<string>;
  done: Promise<CliResult>;
}

const children = new Set<ChildProcess>();

/** Starts `facetag <args>`, remembered so that `killStrays` can end it if a test fails midway. */
export function startTracked(args: string[], env: Record<string, string>): ChildProcess {
  const child = startFacetag(args, { env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs every process a test started and left running (call in afterAll). */
export function killStrays() {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

export function startWorker(data: string, env: Record<string, string>, concurrency = 1): WorkerProcess {
  // Port 0: its /metrics port (default 9101) is free whatever else runs.
  const child = startTracked(['worker', '--concurrency', String(concurrency), '--data', data], { FACETAG_WORKER_PORT: '0', ...env });
  const done = collect(child);
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const banner = /^facetag worker:.*$/m.exec(out);
      if (banner) resolve(banner[0]);
    });
    void done.then((r) => reject(new Error(`the worker exited before it was ready (${r.code}): ${r.stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, done };
}

export async function stopWorker(w: WorkerProcess): Promise<CliResult> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  return w.done;
}

/** The reference: the same photos indexed by the embedded default (no queue) in its own data folder. */
export async function embeddedRun(photos: string, data: string) {
  const r = await runFacetag(['index', photos, '--data', data, '--json']);
  if (r.code !== 0) throw new Error(`embedded index failed (${r.code}): ${r.stderr}`);
  return json(r);
}

export interface StoredFace {
  box: [number, number, number, number];
  embedding: Float32Array;
  thumbKey: string | null;
}

/** Every photo of a catalog by file name, with its status and faces. */
export function catalogPhotos(data: string): Map<string, { status: string; errorCode: string | null; faces: StoredFace[] }> {
  const db = new Database(join(data, 'catalog.sqlite'), { readonly: true });
  try {
    const out = new Map<string, { status: string; errorCode: string | null; faces: StoredFace[] }>();
    const photos = db.prepare('SELECT id, path, status, error_code AS errorCode FROM photos').all() as Array<{ id: number; path: string; status: string; errorCode: string | null }>;
    const faces = db.prepare('SELECT x, y, w, h, embedding, thumb_key AS thumbKey FROM faces WHERE photo_id = ? ORDER BY x, y');
    for (const p of photos) {
      if (out.has(basename(p.path))) throw new Error(`${basename(p.path)} is in the catalog twice`);
      out.set(basename(p.path), {
        status: p.status, errorCode: p.errorCode,
        faces: (faces.all(p.id) as Array<{ x: number; y: number; w: number; h: number; embedding: Buffer; thumbKey: string | null }>).map((f) => ({
          box: [f.x, f.y, f.w, f.h].map(Math.round) as StoredFace['box'],
          embedding: new Float32Array(f.embedding.buffer.slice(f.embedding.byteOffset, f.embedding.byteOffset + f.embedding.byteLength)),
          thumbKey: f.thumbKey,
        })),
      });
    }
    return out;
  } finally {
    db.close();
  }
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
};

/**
 * Differences between a cluster run's catalog and the embedded reference: every photo present
 * once, with the same status, the same face boxes and the same embeddings, and each face's
 * thumbnail stored. Empty when they agree.
 */
export function compareWithEmbedded(clusterData: string, embeddedData: string): string[] {
  const got = catalogPhotos(clusterData);
  const want = catalogPhotos(embeddedData);
  const problems: string[] = [];
  for (const [name, w] of want) {
    const g = got.get(name);
    if (!g) {
      problems.push(`${name}: missing`);
      continue;
    }
    if (g.status !== w.status) problems.push(`${name}: status ${g.status}, embedded ${w.status}`);
    if (g.faces.length !== w.faces.length) problems.push(`${name}: ${g.faces.length} faces, embedded ${w.faces.length}`);
    g.faces.forEach((f, i) => {
      const e = w.faces[i];
      if (!e) return;
      if (f.box.join() !== e.box.join()) problems.push(`${name} face ${i}: box ${f.box}, embedded ${e.box}`);
      if (cosine(f.embedding, e.embedding) < 0.9999) problems.push(`${name} face ${i}: embedding differs`);
      if (!f.thumbKey || !existsSync(join(clusterData, 'blobs', ...f.thumbKey.split('/')))) problems.push(`${name} face ${i}: thumbnail ${f.thumbKey} not stored`);
    });
  }
  for (const name of got.keys()) if (!want.has(name)) problems.push(`${name}: not in the embedded run`);
  return problems;
}

/** The test's own view of the queue (the processes' prefix: FACETAG_QUEUE_PREFIX, default facetag). */
export function testQueue(redisUrl: string, prefix = 'facetag'): Promise<JobQueue> {
  return createBullmqQueue({ redisUrl, prefix, attempts: 3, backoffMs: 100, lockMs: 2000, log: { warn: () => undefined } });
}

export async function until<T>(what: string, probe: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
