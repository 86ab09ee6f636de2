import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const LLM_TEST_SERVER = fileURLToPath(new URL('../../tools/llm-test-server/', import.meta.url));

/**
 * The node-llama-cpp test server is installed by `bash tools/llm-test-server/install.sh` (.ci/run
 * does it). Outside CI a suite that needs it is skipped with a loud message; under CI=true its
 * absence is an error.
 */
export function requireLlamaServer(suite: string): boolean {
  if (existsSync(`${LLM_TEST_SERVER}node_modules/node-llama-cpp/package.json`)) return true;
  const fix = 'run `bash tools/llm-test-server/install.sh`';
  if (process.env.CI === 'true') throw new Error(`${suite}: tools/llm-test-server is not installed, and CI=true requires this suite to run (${fix})`);
  console.warn(`\n!!! SKIPPED: ${suite} needs the node-llama-cpp test server: ${fix} !!!\n`);
  return false;
}

/**
 * Starts the OpenAI-compatible node-llama-cpp server on 127.0.0.1 with a free port and the
 * generated tiny random model (one thread: on a busy 2-core machine two spin-waiting llama.cpp threads made a 48-token answer take 2-6 s instead of 0.05 s); resolves once it prints its URL.
 */
export function startLlamaServer(): Promise<{ url: string; model: string; startMs: number; stop(): Promise<void> }> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['server.mjs', '--port', '0', '--threads', '1'], { cwd: LLM_TEST_SERVER, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`llm-test-server did not start in 120 s:\n${out}\n${err}`));
    }, 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`llm-test-server exited ${code}:\n${out}\n${err}`));
    });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /llm-test-server: (http:\/\/127\.0\.0\.1:\d+\/v1) \(model ([^)]+)\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, model: m[2]!, startMs: Math.round(performance.now() - started), stop });
      }
    });
  });
}
