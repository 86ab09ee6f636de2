import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { json, runFacetag } from '../../test/helpers/cli.js';
import { face, photo } from '../catalog/catalog-contract.js';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';

describe('facetag graph pairs|chain|timeline', () => {
  const data = mkdtempSync(join(tmpdir(), 'facetag-graph-cli-'));
  beforeAll(async () => {
    const c = openSqliteCatalog(join(data, 'catalog.sqlite'));
    const ann = await c.createPerson('Ann');
    const bob = await c.createPerson('Bob');
    const cy = await c.createPerson('Cy');
    const shot = async (path: string, takenAt: string, a: number, b: number) => {
      const { faceIds } = await c.savePhoto({ ...photo(path, [face(1), face(2)]), takenAt });
      await c.assign([{ faceId: faceIds[0]!, personId: a, source: 'confirmed', distance: null }, { faceId: faceIds[1]!, personId: b, source: 'auto', distance: 0.1 }]);
    };
    await shot('/t/1.jpg', '2024-05-01T09:00:00', ann, bob);
    await shot('/t/2.jpg', '2024-05-20T09:00:00', ann, bob);
    await shot('/t/3.jpg', '2024-06-03T09:00:00', bob, cy);
    await c.close();
  });

  it('lists the top pairs, as a table and as JSON', async () => {
    const r = await runFacetag(['graph', 'pairs', '--json', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).map((p: any) => [p.a.name, p.b.name, p.photos])).toEqual([['Ann', 'Bob', 2], ['Bob', 'Cy', 1]]);
    const text = await runFacetag(['graph', 'pairs', '--limit', '1', '--data', data]);
    expect(text.stdout).toMatch(/^photos\s+person\s+with\n2\s+Ann \(1\)\s+Bob \(2\)\n$/);
  });

  it('finds the chain of photos between two people by name or id', async () => {
    const r = await runFacetag(['graph', 'chain', 'Ann', '3', '--json', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    const chain = json(r);
    expect(chain.people.map((p: any) => p.name)).toEqual(['Ann', 'Bob', 'Cy']);
    expect(chain.photos.map((p: any) => p.path)).toEqual(['/t/1.jpg', '/t/3.jpg']);
    const none = await runFacetag(['graph', 'chain', 'Ann', 'Cy', '--max-hops', '1', '--data', data]);
    expect(none.stdout).toMatch(/no chain of at most 1 photo links/);
    const unknown = await runFacetag(['graph', 'chain', 'Ann', 'Nobody', '--data', data]);
    expect(unknown.code).toBe(66);
    expect(unknown.stderr).toMatch(/no person is named "Nobody"/);
  });

  it('shows a person\'s timeline by month with the people seen with them', async () => {
    const r = await runFacetag(['graph', 'timeline', 'Bob', '--json', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).map((m: any) => [m.month, m.photos.map((p: any) => p.with.map((w: any) => w.name))])).toEqual([
      ['2024-05', [['Ann'], ['Ann']]], ['2024-06', [['Cy']]],
    ]);
    const text = await runFacetag(['graph', 'timeline', 'Bob', '--data', data]);
    expect(text.stdout).toMatch(/^2024-05: 2 photos\n.*with Ann/);
  });
});
