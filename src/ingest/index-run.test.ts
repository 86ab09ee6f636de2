import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixture } from '../../test/helpers/photos.js';
import { personKeywordXmp } from '../../test/helpers/xmp.js';
import type { Catalog } from '../catalog/catalog.js';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';
import { loadConfig } from '../config/load-config.js';
import { analyserOptions } from '../context.js';
import { blobsDir, catalogFile } from '../data-folder.js';
import { AppError } from '../errors.js';
import { createLogger } from '../log.js';
import { createFsBlobStore } from '../storage/fs-blob-store.js';
import { createAnalysisPool, type AnalysisPool } from '../vision/analysis-pool.js';
import { createFolderSource } from '../sources/folder-source.js';
import { openIndexer } from './index-run.js';
import type { PhotoSource } from '../sources/photo-source.js';
import { poolTransport } from './pool-transport.js';

// Every file the code under test reads with readFile, seen (and read) as usual: which sidecars a run opens.
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  return { ...fs, readFile: vi.fn(fs.readFile) };
});
const sidecarsOpened = () => vi.mocked(fsPromises.readFile).mock.calls.map(([path]) => String(path)).filter((p) => p.endsWith('.xmp'));

/** A library of one good photo and one that is not a photo, in a fresh data folder. */
function library() {
  const root = mkdtempSync(join(tmpdir(), 'facetag-index-run-'));
  const photos = join(root, 'photos');
  mkdirSync(photos);
  copyFileSync(fixture('astronaut.jpg'), join(photos, 'good.jpg'));
  writeFileSync(join(photos, 'notes.jpg'), 'not a photo\n');
  const config = loadConfig({ cwd: root, env: { FACETAG_DATA_DIR: join(root, 'data') } });
  const catalog = openSqliteCatalog(catalogFile(config));
  const deps = { config, catalog, blobs: createFsBlobStore(blobsDir(config)), log: createLogger({ dir: null, level: 'silent', component: 'test' }) };
  return { photos, deps, catalog };
}

/** The catalog, whose writer refuses to record a failure `times` times (the catalog out of reach for a moment). */
function refusingFailures<C extends Catalog>(catalog: C, times: number): C {
  let left = times;
  return {
    ...catalog,
    writeBatch: (work) => catalog.writeBatch((tx) => work({
      ...tx,
      async recordFailures(failures) {
        if (failures.length > 0 && left-- > 0) throw new AppError('STORE_FAILED', 'the catalog is out of reach (test)');
        return tx.recordFailures(failures);
      },
    })),
  };
}

/** One index run of `source` as `facetag index` runs it: the writer lock, the vector index, the single writer. */
async function indexPhotos(deps: ReturnType<typeof library>['deps'], pool: AnalysisPool, source: PhotoSource) {
  const indexer = await openIndexer(deps, poolTransport(deps, pool));
  try {
    return await indexer.run(source);
  } finally {
    await indexer.close();
  }
}

describe('index run: failures are never lost, one run writes a catalog at a time, sidecars are opened as listed', () => {
  let pool: AnalysisPool;
  beforeAll(async () => {
    pool = await createAnalysisPool(analyserOptions(loadConfig({ env: {} })), 1);
  });
  afterAll(() => pool?.close());

  it('records a failure the catalog refused at first when the run ends', async () => {
    const { photos, deps, catalog } = library();
    const source = await createFolderSource(photos, { followSymlinks: true });
    const summary = await indexPhotos({ ...deps, catalog: refusingFailures(catalog, 1) }, pool, source);
    expect(summary.photos).toMatchObject({ processed: 1, failed: 1 });
    expect((await catalog.listFailures()).map((f) => [f.path, f.errorCode])).toEqual([[join(photos, 'notes.jpg'), 'PHOTO_UNSUPPORTED']]);
    await catalog.close();
  });

  it('fails the run, naming the photo, when a failure cannot be recorded at all', async () => {
    const { photos, deps, catalog } = library();
    const source = await createFolderSource(photos, { followSymlinks: true });
    const run = indexPhotos({ ...deps, catalog: refusingFailures(catalog, 99) }, pool, source);
    await expect(run).rejects.toMatchObject({ code: 'STORE_FAILED', message: expect.stringMatching(/1 photo failed and could not be recorded .*notes\.jpg; run the index again/) });
    expect(await catalog.getPhotoByPath(join(photos, 'good.jpg'))).toMatchObject({ status: 'done' });
    await catalog.close();
  });

  it('refuses a second run on the same data folder while one goes', async () => {
    const { photos, deps, catalog } = library();
    const source = await createFolderSource(photos, { followSymlinks: true });
    const first = indexPhotos(deps, pool, source);
    await expect(indexPhotos(deps, pool, source)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`(pid ${process.pid}) is indexing into this data folder`) });
    expect((await first).photos.processed).toBe(1);
    // The lock goes with the run.
    expect((await indexPhotos(deps, pool, source)).photos.skippedUnchanged).toBe(1);
    await catalog.close();
  });

  it('opens exactly the sidecars the folder listing shows, and imports them', async () => {
    const { photos, deps, catalog } = library();
    // good.jpg (no sidecar), notes.jpg (not a photo), and two photos with a sidecar each: digiKam's and Lightroom's naming.
    await sharp(fixture('astronaut.jpg')).resize(460).jpeg().toFile(join(photos, 'digikam.jpg'));
    writeFileSync(join(photos, 'digikam.jpg.xmp'), personKeywordXmp('Eileen Collins'));
    await sharp(fixture('astronaut.jpg')).resize(480).jpeg().toFile(join(photos, 'lightroom.jpg'));
    writeFileSync(join(photos, 'lightroom.xmp'), personKeywordXmp('Eileen M. Collins'));
    writeFileSync(join(photos, 'stray.xmp'), personKeywordXmp('Nobody')); // no photo of that name
    vi.mocked(fsPromises.readFile).mockClear();
    const summary = await indexPhotos(deps, pool, await createFolderSource(photos, { followSymlinks: true }));
    expect(summary.photos).toMatchObject({ processed: 3, failed: 1 });
    expect(sidecarsOpened().sort()).toEqual([join(photos, 'digikam.jpg.xmp'), join(photos, 'lightroom.xmp')]);
    expect(summary.xmp.byKeyword).toBe(2);
    const named = await Promise.all(['digikam.jpg', 'lightroom.jpg'].map(async (f) => {
      const photo = await catalog.getPhotoByPath(join(photos, f));
      const people = await catalog.peopleInPhoto(photo!.id);
      return Promise.all(people.map(async (p) => (p.personId === null ? null : (await catalog.getPerson(p.personId))?.name)));
    }));
    expect(named).toEqual([['Eileen Collins'], ['Eileen M. Collins']]); // each photo's one face, by its sidecar's keyword
    await catalog.close();
  });
});
