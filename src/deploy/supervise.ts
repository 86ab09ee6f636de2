import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CliIo } from '../cli/io.js';
import type { NodeProcess } from './node-processes.js';

/**
 * `facetag cluster up`'s supervisor: starts each process, prefixes its output with its name,
 * restarts one that exits (backing off 1 s, 2 s, 4 s ... 30 s), gives up after
 * `maxQuickFailures` exits in a row within 10 s of starting (stopping the rest, exit 70, so
 * launchd/systemd notice), and on SIGTERM or SIGINT stops every process and returns 0.
 */
export async function superviseProcesses(processes: NodeProcess[], options: { io: CliIo; bin: string; maxQuickFailures?: number; stopTimeoutMs?: number }): Promise<number> {
  const { io } = options;
  const maxQuick = options.maxQuickFailures ?? 5;
  const running = new Map<string, ChildProcess>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((r) => (finish = r));
  let allExited: () => void = () => {};
  const exited = new Promise<void>((r) => (allExited = r));

  const pipe = (name: string, from: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
    createInterface({ input: from }).on('line', (line) => to.write(`[${name}] ${line}\n`));
  };

  function start(p: NodeProcess, quickFailures: number) {
    const started = Date.now();
    const child = spawn(process.execPath, [options.bin, ...p.args], { env: io.env as NodeJS.ProcessEnv, cwd: io.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    running.set(p.name, child);
    pipe(p.name, child.stdout!, io.stdout);
    pipe(p.name, child.stderr!, io.stderr);
    child.once('exit', (code, signal) => {
      running.delete(p.name);
      if (stopping) {
        if (running.size === 0) allExited();
        return;
      }
      const quick = Date.now() - started < 10_000 ? quickFailures + 1 : 0;
      if (quick >= maxQuick) {
        io.stderr.write(`[cluster up] ${p.name} failed ${quick} times in a row (last: ${signal ?? `exit ${code}`}); stopping this node's processes\n`);
        void stop(70);
        return;
      }
      const delay = Math.min(30_000, 1000 * 2 ** Math.max(0, quick - 1));
      io.stderr.write(`[cluster up] ${p.name} stopped (${signal ?? `exit ${code}`}); restarting in ${delay / 1000} s\n`);
      const t = setTimeout(() => {
        timers.delete(t);
        if (stopping) return;
        start(p, quick);
        io.stderr.write(`[cluster up] restarted ${p.name} (pid ${running.get(p.name)?.pid})\n`);
      }, delay);
      timers.add(t);
    });
  }

  async function stop(code: number) {
    if (stopping) return;
    stopping = true;
    for (const t of timers) clearTimeout(t);
    if (running.size === 0) return finish(code);
    io.stderr.write(`[cluster up] stopping ${[...running.keys()].join(', ')}\n`);
    const kill = setTimeout(() => {
      for (const child of running.values()) child.kill('SIGKILL');
    }, options.stopTimeoutMs ?? 30_000);
    for (const child of running.values()) child.kill('SIGTERM');
    await exited;
    clearTimeout(kill);
    finish(code);
  }

  const onSignal = () => void stop(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const p of processes) start(p, 0);
    io.stderr.write(`[cluster up] started ${processes.map((p) => `${p.name} (pid ${running.get(p.name)?.pid})`).join(', ')}\n`);
    return await finished;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
