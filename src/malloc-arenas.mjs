// @ts-check
// glibc's malloc gives each thread that allocates an arena of its own, up to 8 per core. facetag's
// decoding and inference threads each grow one, and the big decode buffers fragment them: an
// index of big photos peaks 50-300 MB higher than with two arenas, at the same CPU per photo
// (README, "Memory"). glibc reads MALLOC_ARENA_MAX only when a process starts, so facetag sets the same cap
// from inside, with mallopt(M_ARENA_MAX), before any of its threads allocate: glibc works out its
// arena limit lazily, once more than 8 arenas exist, so a cap set this early holds for every
// thread made after it. bin/facetag.js calls this first, before the TypeScript loader starts.
// Plain JavaScript (checked by tsc) because it runs before that loader.
import { createRequire } from 'node:module';

/** The malloc arenas facetag asks glibc for when the environment names none. @default 2 */
export const ARENA_MAX = 2;

/** mallopt's parameter number for the arena limit (glibc's malloc.h). */
const M_ARENA_MAX = -8;

/**
 * What `capMallocArenas` did: `applied` (glibc now makes at most `arenaMax` arenas), or why not:
 * `env` (MALLOC_ARENA_MAX or GLIBC_TUNABLES' arena_max, set by whoever started facetag, wins),
 * `not-glibc` (another C library or system: nothing to do), `no-ffi` (the optional FFI package
 * is missing or failed to load; `detail` says how), `refused` (mallopt returned 0).
 * @typedef {{ applied: true, arenaMax: number }
 *   | { applied: false, reason: 'env' | 'not-glibc' | 'no-ffi' | 'refused', detail?: string }} ArenaCap
 */

/**
 * The ways in, replaceable in tests: the running glibc's version (undefined on another C library
 * or system), and glibc's `mallopt` through the FFI package (throws when the package is missing).
 * @typedef {{ glibcVersion: () => string | undefined, mallopt: () => (param: number, value: number) => number }} ArenaProbe
 */

/** @type {ArenaCap | null} */
let outcome = null;

/** @type {ArenaProbe} */
const realProbe = {
  glibcVersion: () => (process.platform === 'linux' ? withoutNetworkReport(() => glibcVersionOf(process.report.getReport())) : undefined),
  mallopt: () => {
    /** @type {typeof import('ffi-rs')} */
    const ffi = withoutNetworkReport(() => createRequire(import.meta.url)('ffi-rs')); // its loader reads the report too
    return (param, value) => {
      ffi.open({ library: 'libc', path: 'libc.so.6' });
      try {
        return ffi.load({ library: 'libc', funcName: 'mallopt', retType: ffi.DataType.I32, paramsType: [ffi.DataType.I32, ffi.DataType.I32], paramsValue: [param, value] });
      } finally {
        ffi.close('libc');
      }
    };
  },
};

/**
 * `fn` with diagnostic reports leaving out the network (the slow part of one: ~10 ms less at
 * start-up), then the setting as it was.
 * @template T @param {() => T} fn @returns {T}
 */
function withoutNetworkReport(fn) {
  // Node 20.13 and later (package.json's engines); @types/node 20 does not list it yet.
  const report = /** @type {NodeJS.ProcessReport & { excludeNetwork?: boolean }} */ (process.report);
  const before = report.excludeNetwork;
  report.excludeNetwork = true;
  try {
    return fn();
  } finally {
    report.excludeNetwork = before;
  }
}

/** @param {unknown} report @returns {string | undefined} */
function glibcVersionOf(report) {
  const header = /** @type {{ header?: { glibcVersionRuntime?: string } }} */ (report).header;
  return header?.glibcVersionRuntime;
}

/**
 * Caps glibc's malloc arenas at `ARENA_MAX` for this process, unless the environment already
 * says how many. Never throws: without glibc or the FFI package, facetag runs as before.
 * @param {Record<string, string | undefined>} env the process's environment
 * @param {ArenaProbe} [probe]
 * @returns {ArenaCap}
 */
export function capMallocArenas(env, probe = realProbe) {
  outcome = decide(env, probe);
  return outcome;
}

/**
 * @param {Record<string, string | undefined>} env
 * @param {ArenaProbe} probe
 * @returns {ArenaCap}
 */
function decide(env, probe) {
  if (env.MALLOC_ARENA_MAX || /(^|[:])glibc\.malloc\.arena_max=/.test(env.GLIBC_TUNABLES ?? '')) return { applied: false, reason: 'env' };
  let version;
  try {
    version = probe.glibcVersion();
  } catch (error) {
    return { applied: false, reason: 'not-glibc', detail: describe(error) };
  }
  if (!version) return { applied: false, reason: 'not-glibc' };
  let mallopt;
  try {
    mallopt = probe.mallopt();
  } catch (error) {
    return { applied: false, reason: 'no-ffi', detail: describe(error) };
  }
  try {
    return mallopt(M_ARENA_MAX, ARENA_MAX) === 1 ? { applied: true, arenaMax: ARENA_MAX } : { applied: false, reason: 'refused' };
  } catch (error) {
    return { applied: false, reason: 'no-ffi', detail: describe(error) };
  }
}

/** An error's code, or its first line: no install paths in logs. @param {unknown} error */
function describe(error) {
  const e = /** @type {{ code?: unknown, message?: unknown }} */ (error ?? {});
  if (typeof e.code === 'string') return e.code;
  return String(e.message ?? error).split('\n')[0]?.replace(/\/\S+/g, '<path>') ?? 'unknown';
}

/** What the last `capMallocArenas` of this process did; null when it was not called (tests, benches). */
export function mallocArenaCap() {
  return outcome;
}

/**
 * One debug line saying whether the cap holds in this process, for whoever reads the logs when
 * memory looks high. @param {{ debug(fields: object, message: string): void }} log
 */
export function logMallocArenaCap(log) {
  if (outcome) log.debug({ mallocArenas: outcome }, outcome.applied ? 'glibc malloc arenas capped' : 'glibc malloc arenas not capped by facetag');
}
