import { describe, expect, it, vi } from 'vitest';
import { ARENA_MAX, capMallocArenas, logMallocArenaCap, mallocArenaCap, type ArenaProbe } from './malloc-arenas.mjs';

/** A glibc whose mallopt answers `answer`, and a record of the calls it got. */
function glibc(answer = 1) {
  const calls: Array<[number, number]> = [];
  const probe: ArenaProbe = {
    glibcVersion: () => '2.36',
    mallopt: () => (param, value) => {
      calls.push([param, value]);
      return answer;
    },
  };
  return { probe, calls };
}

describe('capMallocArenas', () => {
  it('asks glibc for ARENA_MAX arenas through mallopt(M_ARENA_MAX) when the environment names none', () => {
    const { probe, calls } = glibc();
    expect(capMallocArenas({}, probe)).toEqual({ applied: true, arenaMax: ARENA_MAX });
    expect(calls).toEqual([[-8, 2]]);
    expect(mallocArenaCap()).toEqual({ applied: true, arenaMax: 2 });
  });

  it('keeps an explicit MALLOC_ARENA_MAX or GLIBC_TUNABLES arena_max: whoever started facetag wins', () => {
    for (const env of [{ MALLOC_ARENA_MAX: '8' }, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' }, { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1:glibc.malloc.arena_max=4' }]) {
      const { probe, calls } = glibc();
      expect(capMallocArenas(env, probe)).toEqual({ applied: false, reason: 'env' });
      expect(calls).toEqual([]);
    }
    const { probe, calls } = glibc();
    expect(capMallocArenas({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1' }, probe).applied).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('does nothing without glibc (macOS, musl): the FFI package is not even loaded', () => {
    const mallopt = vi.fn();
    expect(capMallocArenas({}, { glibcVersion: () => undefined, mallopt })).toEqual({ applied: false, reason: 'not-glibc' });
    expect(mallopt).not.toHaveBeenCalled();
  });

  it('never throws when the optional FFI package is missing or fails: facetag runs uncapped, and says why without paths', () => {
    const missing = Object.assign(new Error("Cannot find module 'ffi-rs'\nRequire stack:\n- /opt/facetag/src/malloc-arenas.mjs"), { code: 'MODULE_NOT_FOUND' });
    expect(capMallocArenas({}, { glibcVersion: () => '2.36', mallopt: () => { throw missing; } })).toEqual({ applied: false, reason: 'no-ffi', detail: 'MODULE_NOT_FOUND' });
    const broken = () => { throw new Error('Failed to load native binding /opt/facetag/node_modules/x.node'); };
    expect(capMallocArenas({}, { glibcVersion: () => '2.36', mallopt: () => broken })).toEqual({ applied: false, reason: 'no-ffi', detail: 'Failed to load native binding <path>' });
    expect(capMallocArenas({}, { glibcVersion: () => { throw new Error('no report'); }, mallopt: vi.fn() })).toMatchObject({ applied: false, reason: 'not-glibc' });
  });

  it('reports a cap glibc refused (mallopt returned 0)', () => {
    expect(capMallocArenas({}, glibc(0).probe)).toEqual({ applied: false, reason: 'refused' });
  });

  it('logs what it did at debug level', () => {
    capMallocArenas({ MALLOC_ARENA_MAX: '2' }, glibc().probe);
    const debug = vi.fn();
    logMallocArenaCap({ debug });
    expect(debug).toHaveBeenCalledWith({ mallocArenas: { applied: false, reason: 'env' } }, 'glibc malloc arenas not capped by facetag');
  });
});
