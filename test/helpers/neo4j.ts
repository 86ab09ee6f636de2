import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tools/neo4j-launcher: an embedded Neo4j 5.26 community server with Bolt on 127.0.0.1. */
export const LAUNCHER = fileURLToPath(new URL('../../tools/neo4j-launcher/', import.meta.url));

export interface Neo4jServer {
  url: string;
  user: string;
  password: string;
  /** The server's data folder: start another server on it to restart with the same data. */
  dataDir: string;
  /** Milliseconds from spawn to READY (includes the launcher's build check). */
  startMs: number;
  /** Stops the server (SIGTERM, waits for the process to exit). Removes the data folder unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/**
 * True when a Neo4j can be started here: Java, and the launcher's jar (or Maven to build it).
 * Outside CI a suite that needs it is skipped with a loud message; under CI=true its absence is an
 * error, so the suite can never be skipped silently there (`.ci/run` installs Java and Maven).
 */
export function requireNeo4j(suite: string): boolean {
  const java = works('java', ['-version']);
  const built = existsSync(join(LAUNCHER, 'target/neo4j-launcher.jar')) && existsSync(join(LAUNCHER, 'target/lib'));
  const mvn = built || works('mvn', ['-v']);
  if (java && mvn) return true;
  const missing = [!java && 'java', !mvn && 'mvn (to build tools/neo4j-launcher)'].filter(Boolean).join(' and ');
  if (process.env.CI === 'true') throw new Error(`${suite}: ${missing} missing, and CI=true requires this suite to run`);
  console.warn(`\n!!! SKIPPED: ${suite} needs ${missing} to start a real Neo4j (apt-get install default-jdk-headless maven) !!!\n`);
  return false;
}

/**
 * Starts a real Neo4j on 127.0.0.1 (tools/neo4j-launcher/start.sh): on `port` or a free one, on
 * `dataDir` or a fresh temp folder. A restart passes the port, data folder and password of the first.
 */
export async function startNeo4j(options: { dataDir?: string; password?: string; port?: number } = {}): Promise<Neo4jServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'facetag-neo4j-'));
  const password = options.password ?? `test-${randomBytes(9).toString('hex')}`;
  const started = Date.now();
  const child = spawn(join(LAUNCHER, 'start.sh'), [String(options.port ?? 0), dataDir], {
    env: { ...process.env, NEO4J_PASSWORD: password, NEO4J_START_TIMEOUT: '180' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = /READY (bolt:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  const pidFile = /start\.sh: pid \d+ in (\S+?),/.exec(stderr)?.[1];
  if (code !== 0 || !url || !pidFile) {
    throw new Error(`tools/neo4j-launcher/start.sh failed (exit ${code}):\n${stdout}\n${stderr}`);
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    url, user: 'neo4j', password, dataDir, startMs: Date.now() - started,
    async stop({ keepData = false } = {}) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 600; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      rmSync(pidFile, { force: true });
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
