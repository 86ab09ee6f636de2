// A command run as a process of its own, timed from start to exit, with its peak resident memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Start to exit, whole process (loading included). */
  wallSeconds: number;
  /** The kernel's high-water mark of the process's resident set (VmHWM), in MB; null where /proc is missing. */
  peakRssMb: number | null;
}

function highWaterMb(pid: number): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/** Runs `node args...` with `env` added; the high-water mark is read every 50 ms (it only grows). */
export function runMeasured(args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  const t0 = performance.now();
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FACETAG_')));
  const child = spawn(process.execPath, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak: number | null = null;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setInterval(() => {
    const now = child.pid ? highWaterMb(child.pid) : null;
    if (now !== null) peak = Math.max(peak ?? 0, now);
  }, 50);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, wallSeconds: (performance.now() - t0) / 1000, peakRssMb: peak });
    });
  });
}

/** The last line of a process's output, as JSON; a failed process is an error that shows its output. */
export function lastJson<T>(run: ProcessRun, what: string): T {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stderr.slice(-2000)}`);
  const lines = run.stdout.trim().split('\n');
  const text = lines.findLastIndex((l) => l.startsWith('{')) >= 0 ? lines.slice(lines.findLastIndex((l) => l.startsWith('{'))).join('\n') : '';
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${what} printed no JSON:\n${run.stdout.slice(-2000)}`);
  }
}
