import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/**
 * True when `redis-server` is installed. Outside CI a suite that needs it is skipped with a loud
 * message; under CI=true its absence is an error (.ci/run installs it).
 */
export function requireRedis(suite: string): boolean {
  if (spawnSync('redis-server', ['--version']).status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: redis-server is missing, and CI=true requires this suite to run (apt-get install redis-server)`);
  console.warn(`\n!!! SKIPPED: ${suite} needs redis-server, which is absent (apt-get install redis-server) !!!\n`);
  return false;
}

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM; with `kill`, SIGKILL) and starts it again on the same port and data. */
  restart(options?: { downMs?: number; kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private redis-server on 127.0.0.1 and a free port. `persist` keeps an append-only file
 * (fsync on every write) in a temporary folder, so a restart loses nothing, as in production.
 */
export async function startRedis(options: { persist?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'facetag-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'yes',
    ...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])];
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (await canConnect(port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not start on 127.0.0.1:${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const halt = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart({ downMs = 1000, kill = false } = {}) {
      await halt(kill ? 'SIGKILL' : 'SIGTERM');
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
