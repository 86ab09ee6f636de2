import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const START = fileURLToPath(new URL('../../tools/ceph-rgw/start.sh', import.meta.url));

export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Milliseconds from spawning the cluster to the gateway answering with a user created. */
  startMs: number;
  /** Its folder: the Ceph daemons' command lines name `<dir>/ceph.conf` (to find their pids). */
  dir: string;
  /** Stops the gateway only (the cluster stays); `restartGateway()` brings it back on the same port. */
  stopGateway(): Promise<void>;
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * True when Ceph's radosgw (a real S3 server that checks signatures) is installed. Outside CI a
 * suite that needs it skips with a loud message; under CI=true its absence is an error.
 */
export function requireS3(suite: string): boolean {
  const found = ['radosgw', 'ceph-mon', 'ceph-osd'].every((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0);
  if (found) return true;
  const fix = 'apt-get install -y radosgw ceph-mon ceph-osd (.ci/run does it)';
  if (process.env.CI === 'true') throw new Error(`${suite}: radosgw/ceph-mon/ceph-osd are missing, and CI=true requires this suite to run; ${fix}`);
  console.warn(`\n!!! SKIPPED: ${suite} needs a real S3 server (Ceph radosgw), which is absent: ${fix} !!!\n`);
  return false;
}

/** Starts a one-node Ceph cluster with radosgw on 127.0.0.1 (tools/ceph-rgw/start.sh), ~15 s. */
export async function startS3(): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'facetag-rgw-'));
  const t0 = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('bash', [START, dir], { timeout: 120_000 }, (error, out, err) => {
      if (error) reject(new Error(`tools/ceph-rgw/start.sh failed: ${error.message}\n${out}\n${err}`));
      else resolve(out);
    });
  });
  const startMs = Math.round(performance.now() - t0);
  const line = stdout.split('\n').find((l) => l.startsWith('READY '));
  if (!line) throw new Error(`tools/ceph-rgw/start.sh printed no READY line:\n${stdout}`);
  const fields = Object.fromEntries(line.slice(6).split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const run = (cmd: string) => new Promise<void>((resolve, reject) => execFile('bash', ['-c', cmd], { timeout: 60_000 }, (e) => (e ? reject(e) : resolve())));
  const port = new URL(fields.endpoint!).port;
  return {
    endpoint: fields.endpoint!,
    region: fields.region!,
    accessKeyId: fields.accessKeyId!,
    secretAccessKey: fields.secretAccessKey!,
    startMs,
    dir,
    async stopGateway() {
      await run(`pid=$(cat '${dir}/run/rgw.pid'); kill $pid; for i in $(seq 1 100); do kill -0 $pid 2>/dev/null || exit 0; sleep 0.1; done; kill -9 $pid`);
    },
    async restartGateway() {
      await run(`radosgw -c '${dir}/ceph.conf' -n client.rgw.a --pid-file '${dir}/run/rgw.pid'; for i in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`);
    },
    async stop() {
      await run(`'${dir}/stop.sh'`).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The FACETAG_STORAGE_* environment that points facetag at `server` (driver s3). */
export function s3Env(server: Pick<S3Server, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>, buckets: { incoming?: string; processed?: string; crops?: string } = {}): Record<string, string> {
  return {
    FACETAG_STORAGE_DRIVER: 's3',
    FACETAG_STORAGE_S3_ENDPOINT: server.endpoint,
    FACETAG_STORAGE_S3_REGION: server.region,
    FACETAG_STORAGE_S3_ACCESS_KEY_ID: server.accessKeyId,
    FACETAG_STORAGE_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    ...(buckets.incoming ? { FACETAG_STORAGE_INCOMING_BUCKET: buckets.incoming } : {}),
    ...(buckets.processed ? { FACETAG_STORAGE_PROCESSED_BUCKET: buckets.processed } : {}),
    ...(buckets.crops ? { FACETAG_STORAGE_CROPS_BUCKET: buckets.crops } : {}),
  };
}

let bucketSeq = 0;
/** A bucket name no other test uses (S3 names: lowercase, 3-63 characters). */
export const uniqueBucket = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${bucketSeq++}`;
