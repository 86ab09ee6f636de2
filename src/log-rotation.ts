import { closeSync, fstatSync, openSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface RotationOptions {
  /** The active file is rotated before a write would take it past this many bytes. */
  maxBytes: number;
  /** Rotated files kept per component; older ones are deleted. */
  maxFiles: number;
  /** Rotated files older than this many days are deleted; the active file is rotated once it is this old. */
  maxAgeDays: number;
  /** The clock (tests move it forward to see rotation by age). */
  now?: () => number;
}

/** A pino destination: JSON lines appended to one file, rotated by size and age. */
export interface RotatingFile {
  write(line: string): boolean;
  flush(cb?: (err?: Error | null) => void): void;
  flushSync(): void;
  end(): void;
}

const DAY_MS = 86_400_000;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, '-');

/**
 * `<dir>/<name>.log`, appended with synchronous writes (nothing lost on a crash or exit). Before
 * a write that would pass `maxBytes`, or once the file is `maxAgeDays` old, it is renamed to
 * `<name>.<UTC time>-<n>.log` and a new one started; then only the newest `maxFiles` rotated files
 * younger than `maxAgeDays` are kept. Several processes may share one file: each checks the
 * file's real size before writing, and a process that finds the file already rotated by
 * another just reopens it.
 */
export function openRotatingFile(dir: string, name: string, options: RotationOptions): RotatingFile {
  const now = options.now ?? Date.now;
  const path = join(dir, `${name}.log`);
  const maxAgeMs = options.maxAgeDays * DAY_MS;
  let fd = openSync(path, 'a', 0o600);
  let startedAt = startOf(path, now);

  const rotatedFiles = () =>
    readdirSync(dir)
      .filter((f) => f.startsWith(`${name}.`) && f.endsWith('.log') && f !== `${name}.log` && /^\d{4}-/.test(f.slice(name.length + 1)))
      .sort();

  const prune = () => {
    const files = rotatedFiles();
    const excess = files.length - options.maxFiles;
    files.forEach((f, i) => {
      const file = join(dir, f);
      try {
        if (i < excess || now() - statSync(file).mtimeMs > maxAgeMs) unlinkSync(file);
      } catch {
        // another process pruned it first
      }
    });
  };

  const reopen = () => {
    closeSync(fd);
    fd = openSync(path, 'a', 0o600);
    startedAt = startOf(path, now);
  };

  const rotate = () => {
    let sameFile = false;
    try {
      const onDisk = statSync(path);
      const mine = fstatSync(fd);
      sameFile = onDisk.ino === mine.ino && onDisk.dev === mine.dev;
    } catch {
      sameFile = false;
    }
    if (sameFile) {
      // `<name>.<UTC time>-<n>.log`: names sort in rotation order, several in one millisecond too.
      const at = stamp(now());
      let target = '';
      for (let i = 0; !target || existsQuiet(target); i++) target = join(dir, `${name}.${at}-${String(i).padStart(3, '0')}.log`);
      renameSync(path, target);
    }
    reopen();
    prune();
  };

  prune();
  return {
    write(line) {
      const bytes = Buffer.byteLength(line);
      const size = fstatSync(fd).size;
      if (size > 0 && (size + bytes > options.maxBytes || now() - startedAt >= maxAgeMs)) rotate();
      writeSync(fd, line);
      return true;
    },
    flush(cb) {
      cb?.(null);
    },
    flushSync() {},
    end() {
      closeSync(fd);
    },
  };
}

/** When the file's first line was written (pino's `time`), or now for an empty file. */
function startOf(path: string, now: () => number): number {
  const head = Buffer.alloc(512);
  let n = 0;
  const fd = openSync(path, 'r');
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n === 0) return now();
  const time = /"time":(\d+)/.exec(head.subarray(0, n).toString('utf8'))?.[1];
  return time ? Number(time) : statSync(path).mtimeMs;
}

function existsQuiet(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}
