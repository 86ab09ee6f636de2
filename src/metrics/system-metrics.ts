import { lstat, readdir, readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Counters read from the operating system: set to the current reading on each scrape. */
function setCounter<T extends string>(counter: Counter<T>, values: Array<[Partial<Record<T, string>>, number]>) {
  counter.reset();
  for (const [labels, value] of values) counter.inc(labels, Math.max(0, value));
}

/** `/proc/net/dev` on Linux: bytes received and sent per interface (loopback excluded). Elsewhere: none. */
async function networkBytes(): Promise<Array<{ iface: string; rx: number; tx: number }>> {
  const text = await readFile('/proc/net/dev', 'utf8').catch(() => null);
  if (text === null) return [];
  return text.split('\n').slice(2).flatMap((line) => {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') return [];
    const f = m[2]!.trim().split(/\s+/).map(Number);
    return [{ iface: m[1]!, rx: f[0] ?? 0, tx: f[8] ?? 0 }];
  });
}

/** Bytes of the files under `dir` (symbolic links not followed; unreadable entries skipped). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile()) total += (await lstat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * The size of the data folder, walked at most every `maxAgeMs` in the background (a library
 * holds a thumbnail per face: walking it at every scrape would cost more than the scrape). A
 * scrape waits for the first walk up to `firstWaitMs`, then reports the last known size.
 */
function createFolderSizer(dir: string, maxAgeMs = 5 * 60_000, firstWaitMs = 2000) {
  let last: { bytes: number; at: number } | null = null;
  let walking: Promise<void> | null = null;
  return async (): Promise<number | null> => {
    if (!walking && (!last || Date.now() - last.at > maxAgeMs)) {
      walking = folderBytes(dir).then((bytes) => {
        last = { bytes, at: Date.now() };
      }).finally(() => (walking = null));
    }
    if (!last && walking) await Promise.race([walking, new Promise((r) => setTimeout(r, firstWaitMs).unref())]);
    return last ? (last as { bytes: number }).bytes : null;
  };
}

/**
 * The machine's figures, read when Prometheus scrapes: CPU time by mode (all cores), memory,
 * load, the data folder's size and the file system holding it (fs.statfs), and network bytes (Linux only;
 * macOS has no /proc, so these series are absent there).
 */
export function registerSystemMetrics(registry: Registry, dataDir: string | null) {
  const registers = [registry];
  const cpuSeconds = new Counter({
    name: 'facetag_host_cpu_seconds_total', help: 'CPU time of the whole machine, all cores, by mode.', labelNames: ['mode'], registers,
    collect() {
      const sum = { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
      for (const c of cpus()) for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += c.times[k];
      setCounter(this, Object.entries(sum).map(([mode, ms]) => [{ mode: mode === 'sys' ? 'system' : mode }, ms / 1000]));
    },
  });
  const cores = new Gauge({ name: 'facetag_host_cpu_cores', help: 'Logical CPU cores of the machine.', registers, collect() { this.set(cpus().length); } });
  const memoryTotal = new Gauge({ name: 'facetag_host_memory_total_bytes', help: 'Physical memory of the machine.', registers, collect() { this.set(totalmem()); } });
  const memoryAvailable = new Gauge({ name: 'facetag_host_memory_available_bytes', help: 'Memory available to new work (free plus reclaimable caches, as the OS reports it).', registers, collect() { this.set(freemem()); } });
  const load1 = new Gauge({ name: 'facetag_host_load1', help: 'One-minute load average (0 on Windows).', registers, collect() { this.set(loadavg()[0]!); } });
  const network = new Counter({
    name: 'facetag_host_network_bytes_total', help: 'Bytes through the machine\'s network interfaces (Linux), by interface and direction.', labelNames: ['interface', 'direction'], registers,
    async collect() {
      const rows = await networkBytes();
      setCounter(this, rows.flatMap((r) => [[{ interface: r.iface, direction: 'receive' }, r.rx], [{ interface: r.iface, direction: 'transmit' }, r.tx]]));
    },
  });
  const diskLabels = ['path'] as const;
  const readDisk = () => (dataDir === null ? Promise.resolve(null)
    : statfs(dataDir).then((s) => ({ size: s.blocks * s.bsize, available: s.bavail * s.bsize }), () => null));
  const diskSize = new Gauge({
    name: 'facetag_data_disk_size_bytes', help: 'Size of the file system holding the data folder.', labelNames: diskLabels, registers,
    async collect() {
      const d = await readDisk();
      this.reset();
      if (d) this.set({ path: 'data' }, d.size);
    },
  });
  const diskAvailable = new Gauge({
    name: 'facetag_data_disk_available_bytes', help: 'Free space, for an unprivileged user, on the file system holding the data folder.', labelNames: diskLabels, registers,
    async collect() {
      const d = await readDisk();
      this.reset();
      if (d) this.set({ path: 'data' }, d.available);
    },
  });
  const sizer = dataDir === null ? null : createFolderSizer(dataDir);
  const dataDirBytes = new Gauge({
    name: 'facetag_data_dir_bytes', help: 'Bytes of the files in the data folder (catalog, thumbnails, logs, models), measured at most every 5 minutes.', labelNames: diskLabels, registers,
    async collect() {
      const bytes = sizer ? await sizer() : null;
      this.reset();
      if (bytes !== null) this.set({ path: 'data' }, bytes);
    },
  });
  return { dataDirBytes, cpuSeconds, cores, memoryTotal, memoryAvailable, load1, network, diskSize, diskAvailable };
}
