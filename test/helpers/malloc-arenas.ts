// How many malloc arenas a running Linux process has made, read from outside it.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/**
 * glibc's heaps (HEAP_MAX_SIZE): each arena but the main one lives in 64 MB regions mapped at
 * 64 MB boundaries, the used part read-write and the rest reserved (---p) behind it.
 */
const HEAP_BYTES = 64n * 1024n * 1024n;

export interface MallocArenas {
  /** Anonymous regions laid out as glibc's heaps: at least one per arena beyond the main one. */
  heaps: number;
  /**
   * Arenas beyond the main one (the main arena grows with brk): the heaps whose header
   * (heap_info: ar_ptr, prev) names the arena right behind it and no previous heap. Null
   * when the process's memory cannot be read (another user, no ptrace rights).
   */
  arenas: number | null;
}

interface Region { start: bigint; end: bigint; perms: string; anonymous: boolean }

/** The malloc arenas of process `pid` now; null where /proc is missing or the process is gone. */
export function mallocArenasOf(pid: number): MallocArenas | null {
  let maps: string;
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return null;
  }
  const regions: Region[] = maps.split('\n').filter(Boolean).map((line) => {
    const [range, perms, , , inode, path] = line.split(/\s+/);
    const [start, end] = range!.split('-').map((h) => BigInt(`0x${h}`));
    return { start: start!, end: end!, perms: perms!, anonymous: inode === '0' && !path };
  });
  const heaps = regions.filter((r, i) => {
    if (!r.anonymous || r.perms !== 'rw-p' || r.start % HEAP_BYTES !== 0n) return false;
    if (r.end - r.start === HEAP_BYTES) return true;
    const rest = regions[i + 1];
    return rest !== undefined && rest.anonymous && rest.perms === '---p' && rest.start === r.end && rest.end === r.start + HEAP_BYTES;
  });
  return { heaps: heaps.length, arenas: firstHeaps(pid, heaps) };
}

function firstHeaps(pid: number, heaps: Region[]): number | null {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/mem`, 'r');
  } catch {
    return null;
  }
  try {
    const header = Buffer.alloc(16);
    let arenas = 0;
    for (const heap of heaps) {
      if (readSync(fd, header, 0, 16, heap.start) !== 16) continue;
      const arena = header.readBigUInt64LE(0);
      const previous = header.readBigUInt64LE(8);
      // _int_new_arena puts the arena's malloc_state right after the first heap's heap_info.
      if (previous === 0n && arena > heap.start && arena < heap.start + 256n) arenas++;
    }
    return arenas;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
