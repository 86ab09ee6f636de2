import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServer, PASSWORD, seedReviewLibrary } from '../test-library.js';

interface Group {
  person: { id: number } | null;
  items: Array<{ face: { id: number }; trusted: boolean }>;
  mixed: boolean;
  probableNonFaces: boolean;
}

describe('GET /api/review: what the dashboard preselects, and which groups lead', () => {
  let t: Awaited<ReturnType<typeof makeTestServer>>;
  let lib: Awaited<ReturnType<typeof seedReviewLibrary>>;
  let groups: Group[];
  beforeAll(async () => {
    t = await makeTestServer({ env: { FACETAG_CLUSTER_MIN_SEED_QUALITY: '0.3' } });
    lib = await seedReviewLibrary(t.catalog, t.blobs, join(t.root, 'photos'), t.config);
    const login = await t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    groups = ((await (await t.app.request('/api/review', { headers: { Cookie: cookie } })).json()) as { groups: Group[] }).groups;
  });
  afterAll(() => t.close());

  const groupOf = (person: number) => groups.find((g) => g.person?.id === person)!;
  const trusted = (g: Group) => g.items.filter((i) => i.trusted).map((i) => i.face.id).sort((x, y) => x - y);

  it('trusts only faces the clustering itself would take: within its threshold, and good enough to start a person', () => {
    const a = groupOf(lib.people.a);
    expect(a.items.map((i) => i.face.id).sort((x, y) => x - y)).toEqual([...lib.trusted, lib.beyond, lib.poorNearA].sort((x, y) => x - y));
    expect(trusted(a)).toEqual(lib.trusted);
    expect(a.mixed).toBe(true);
    expect(trusted(groupOf(lib.people.b))).toEqual(lib.clean);
    expect(trusted(groupOf(lib.people.j))).toEqual([]);
  });

  it('puts clean groups first, then mixed ones, and a group of probable non-faces after them', () => {
    expect(groups.map((g) => g.person?.id)).toEqual([lib.people.b, lib.people.a, lib.people.j]);
    expect(groups.map((g) => [g.mixed, g.probableNonFaces])).toEqual([[false, false], [true, false], [false, true]]);
  });
});
