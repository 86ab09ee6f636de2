import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { collect, json, runFacetag, startFacetag } from '../helpers/cli.js';
import { makeFacePhotos } from '../helpers/photos.js';
import { processedSoFar } from '../helpers/catalog-rows.js';

const PHOTOS = 24;

describe('a run killed with SIGKILL resumes with no duplicate and nothing lost', () => {
  it('kills mid-run, runs again, and ends with every photo once and every face once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-resume-'));
    const photos = join(root, 'photos');
    const data = join(root, 'data');
    mkdirSync(photos);
    await makeFacePhotos(photos, PHOTOS, 0, 400);

    const child = startFacetag(['index', photos, '--data', data, '--json']);
    const done = collect(child);
    const catalog = join(data, 'catalog.sqlite');
    const deadline = Date.now() + 90_000;
    while (processedSoFar(catalog) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const before = processedSoFar(catalog);
    expect(before).toBeGreaterThanOrEqual(4);
    expect(before).toBeLessThan(PHOTOS);

    const second = json(await runFacetag(['index', photos, '--data', data, '--json']));
    expect(second.photos.skippedUnchanged).toBe(before);
    expect(second.photos.processed).toBe(PHOTOS - before);
    expect(second.faces).toBe(PHOTOS);

    const db = new Database(catalog, { readonly: true });
    const perPhoto = db.prepare('SELECT p.path, count(f.id) AS n FROM photos p LEFT JOIN faces f ON f.photo_id = p.id GROUP BY p.id').all() as Array<{ n: number }>;
    db.close();
    expect(perPhoto).toHaveLength(PHOTOS);
    expect(perPhoto.every((r) => r.n === 1)).toBe(true);
    // Faces that were stored but not yet clustered when the process died are clustered now.
    expect(second.unassigned).toBe(0);
    expect(second.people).toBe(1);
  });
});
