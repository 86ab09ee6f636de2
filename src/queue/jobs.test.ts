import { describe, expect, it } from 'vitest';
import { jobPayloads } from './jobs.js';

describe('analyse job payload', () => {
  const job = { sha256: 'a'.repeat(64), source: { kind: 'folder', root: '/photos' }, modelKey: 'm' };

  it('carries the sidecars the management listed to the worker; a job of an older version has none (each is looked for)', () => {
    const photo = { key: '/photos/a.jpg', size: 1, mtimeMs: 2, sidecars: ['base'] };
    expect(jobPayloads.analyse.parse({ ...job, photo }).photo.sidecars).toEqual(['base']);
    expect(jobPayloads.analyse.parse({ ...job, photo: { ...photo, sidecars: [] } }).photo.sidecars).toEqual([]);
    expect(jobPayloads.analyse.parse({ ...job, photo: { key: '/photos/a.jpg', size: 1, mtimeMs: 2 } }).photo.sidecars).toBeUndefined();
    expect(() => jobPayloads.analyse.parse({ ...job, photo: { ...photo, sidecars: ['photo.xmp'] } })).toThrow();
  });
});
