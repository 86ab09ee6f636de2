import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { face, photo } from '../../src/catalog/catalog-contract.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { collect, runFacetag, startFacetag } from '../helpers/cli.js';

/** A library made straight in the catalog (no models needed): many people, one with two faces in two photos. */
async function seedLibrary(data: string) {
  const c = openSqliteCatalog(join(data, 'catalog.sqlite'));
  const ada = await c.createPerson('Ada');
  const a = await c.savePhoto(photo('/photos/2024/beach.jpg', [face(1)]));
  const b = await c.savePhoto(photo('/photos/2024/garden.jpg', [face(2)]));
  await c.assign([a.faceIds[0]!, b.faceIds[0]!].map((faceId) => ({ faceId, personId: ada, source: 'confirmed' as const, distance: null })));
  // Enough people that `people list --json` fills more than a pipe's buffer.
  for (let i = 0; i < 3000; i++) await c.createPerson(`Someone with a rather long name number ${i}`);
  await c.close();
  return { ada, faces: [a.faceIds[0]!, b.faceIds[0]!] };
}

describe('the command line, as a Unix user meets it', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-cli-out-'));
  const data = join(root, 'data');
  let seeded: Awaited<ReturnType<typeof seedLibrary>>;
  beforeAll(async () => {
    seeded = await seedLibrary(data);
  });

  it('exits quietly when the reader of its output stops early (`| head`)', async () => {
    const child = startFacetag(['people', 'list', '--all', '--json', '--data', data]);
    // The reader takes the first chunk and goes away, as `head -1` does.
    child.stdout!.once('data', () => child.stdout!.destroy());
    const result = await collect(child);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses a data folder that is not a library, creating nothing (exit 66)', async () => {
    for (const args of [['people', 'list'], ['photos', 'list', '--failed'], ['faces', 'list'], ['serve', '--port', '0']]) {
      const typo = join(root, `no-such-${args[0]}`);
      const r = await runFacetag([...args, '--data', typo]);
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(66);
      expect(r.stderr).toContain(`${typo} does not exist; give the data folder \`facetag index\` wrote with --data DIR (or FACETAG_DATA_DIR), or create a library there with \`facetag index <photo folder> --data ${typo}\` [LIBRARY_NOT_FOUND]`);
      expect(r.stdout).toBe('');
      expect(existsSync(typo)).toBe(false);
    }
    const empty = mkdtempSync(join(root, 'empty-'));
    const r = await runFacetag(['people', 'list', '--data', empty]);
    expect(r.code).toBe(66);
    expect(r.stderr).toContain(`${empty} is not a facetag library (it holds no catalog.sqlite)`);
  });

  it('shows a person\'s faces with their file names, and says when no photo failed', async () => {
    const show = await runFacetag(['people', 'show', String(seeded.ada), '--data', data]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^person \d+: Ada, 2 faces$/m);
    expect(show.stdout).toMatch(/\/photos\/2024\/beach\.jpg/);
    expect(show.stdout).toMatch(/\/photos\/2024\/garden\.jpg/);
    const failed = await runFacetag(['photos', 'list', '--failed', '--data', data]);
    expect(failed.stdout).toBe('no failed photos\n');
  });

  it('counts in words: 1 face, 2 faces', async () => {
    const one = await runFacetag(['people', 'reject-face', String(seeded.ada), String(seeded.faces[0]), '--data', data]);
    expect(one.stdout).toBe(`1 face rejected from person ${seeded.ada}: it will not be put back\n`);
    const show = await runFacetag(['people', 'show', String(seeded.ada), '--data', data]);
    expect(show.stdout).toMatch(/^person \d+: Ada, 1 face$/m);
  });
});
