import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, runFacetag } from '../helpers/cli.js';
import { SHARED_FACES, requireShared } from '../helpers/shared.js';

describe.skipIf(!requireShared(SHARED_FACES, 'index on ../shared/faces'))('facetag index on the labelled photos of ../shared/faces', () => {
  it('finds a face in every labelled photo and puts most of each identity in one person', async () => {
    const data = mkdtempSync(join(tmpdir(), 'facetag-shared-'));
    const images = join(SHARED_FACES, 'images');
    const summary = json(await runFacetag(['index', images, '--data', data, '--json']));
    const manifest = readFileSync(join(SHARED_FACES, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const labelled = manifest.filter(([file]) => file!.startsWith('images/'));
    expect(summary.photos.processed).toBe(labelled.length);
    expect(summary.photos.failed).toBe(0);

    const photos = json<any[]>(await runFacetag(['photos', 'list', '--data', data, '--json']));
    expect(photos.filter((p) => p.faceCount === 0).map((p) => p.path)).toEqual([]);

    // The largest face of each photo is the labelled one.
    const faces = json<any[]>(await runFacetag(['faces', 'list', '--data', data, '--json']));
    const largest = new Map<string, any>();
    for (const f of faces) {
      const best = largest.get(f.file);
      if (!best || f.box.w * f.box.h > best.box.w * best.box.h) largest.set(f.file, f);
    }
    const identityOf = new Map(labelled.map(([file, identity]) => [join(SHARED_FACES, file!), identity!]));
    const byIdentity = new Map<string, Array<number | null>>();
    for (const [file, f] of largest) {
      const id = identityOf.get(file)!;
      byIdentity.set(id, [...(byIdentity.get(id) ?? []), f.personId]);
    }
    // Share of photos that sit in their identity's most common person (purity of the grouping).
    let agree = 0;
    let total = 0;
    for (const persons of byIdentity.values()) {
      const counts = new Map<number, number>();
      for (const p of persons) if (p !== null) counts.set(p, (counts.get(p) ?? 0) + 1);
      agree += Math.max(0, ...counts.values());
      total += persons.length;
    }
    expect(agree / total).toBeGreaterThan(0.8);
  }, 300_000);
});
