// A command run as a process of its own, timed from start to exit, with its peak resident memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mallocArenasOf } from '../test/helpers/malloc-arenas.js';

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Start to exit, whole process (loading included). */
  wallSeconds: number;
  /** The kernel's high-water mark of the process's resident set (VmHWM), in MB; null where /proc is missing. */
  peakRssMb: number | null;
  /** CPU time of the process, all its threads, user and system, in seconds; null where /proc is missing. */
  cpuSeconds: number | null;
  /**
   * The most glibc malloc arenas beside the main one seen in the process (read once a second;
   * arenas are never given back), or its heaps where its memory cannot be read; null where
   * /proc is missing.
   */
  mallocArenas: number | null;
}

/** Clock ticks per second of /proc/<pid>/stat's times: 100 on Linux on every architecture that matters. */
const TICKS = 100;

function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

function highWaterMb(pid: number): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Runs `node args...` with `env` added; the high-water mark and the CPU time are read every
 * 50 ms (both only grow; the last 50 ms before exit are not counted), the malloc arenas every second.
 */
export function runMeasured(args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  const t0 = performance.now();
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FACETAG_')));
  const child = spawn(process.execPath, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak: number | null = null;
  let cpu: number | null = null;
  let arenas: number | null = null;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setInterval(() => {
    const now = child.pid ? highWaterMb(child.pid) : null;
    if (now !== null) peak = Math.max(peak ?? 0, now);
    const used = child.pid ? cpuSecondsOf(child.pid) : null;
    if (used !== null) cpu = Math.max(cpu ?? 0, used);
  }, 50);
  const arenaTimer = setInterval(() => {
    const now = child.pid ? mallocArenasOf(child.pid) : null;
    if (now !== null) arenas = Math.max(arenas ?? 0, now.arenas ?? now.heaps);
  }, 1000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearInterval(timer);
      clearInterval(arenaTimer);
      resolve({ code, stdout, stderr, wallSeconds: (performance.now() - t0) / 1000, peakRssMb: peak, cpuSeconds: cpu, mallocArenas: arenas });
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
