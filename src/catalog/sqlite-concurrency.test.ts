import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, REPO } from '../../test/helpers/cli.js';
import { AppError } from '../errors.js';
import { openSqliteCatalog } from './sqlite-catalog.js';
import { busyAsAppError } from './sqlite-write.js';

const WRITER = join(REPO, 'test', 'helpers', 'catalog-writer.ts');

/** Runs the catalog-writer script in its own process (its own SQLite connection). */
const writer = (file: string, mode: 'photos' | 'people', rounds: number, tag: string) =>
  collect(spawn(process.execPath, ['--import', 'tsx', WRITER, file, mode, String(rounds), tag], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }));

describe('sqlite catalog: several processes writing at once', () => {
  it('loses no write: each transaction waits for the write lock instead of failing with "database is locked"', async () => {
    // A new file: the four processes also create the schema at once.
    const file = join(mkdtempSync(join(tmpdir(), 'facetag-cat-busy-')), 'catalog.sqlite');
    const runs = await Promise.all([
      writer(file, 'photos', 250, 'a'), writer(file, 'photos', 250, 'b'),
      writer(file, 'people', 150, 'c'), writer(file, 'people', 150, 'd'),
    ]);
    const results = runs.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { done: number; errorCount: number; errors: string[] };
    });
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(results.map((r) => r.done)).toEqual([500, 500, 300, 300]);
    const c = openSqliteCatalog(file);
    // Every rename is there: the people each writer named, renamed and merged back apart.
    const people = await c.listPeople();
    for (const tag of ['c', 'd']) expect(people.filter((p) => p.name?.startsWith(`${tag} renamed `))).toHaveLength(150);
    expect((await c.counts()).photos).toBe(80);
    await c.close();
  }, 180_000);

  it('reports a catalog locked past the busy timeout as STORE_FAILED naming the file', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const e = busyAsAppError(busy, '/data/catalog.sqlite');
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({ code: 'STORE_FAILED', message: expect.stringContaining('/data/catalog.sqlite stayed locked') });
    const other = new Error('no such table');
    expect(busyAsAppError(other, '/data/catalog.sqlite')).toBe(other);
  });
});
