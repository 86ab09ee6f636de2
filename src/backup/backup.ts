import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CatalogCounts } from '../catalog/catalog.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { uploadsDir, type Context, type Deps } from '../context.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BackupDestination } from './backup-destination.js';
import { catalogPartFor } from './catalog-part.js';
import { verifyManifest, writeManifest, type Manifest } from './manifest.js';
import { backupSqliteFile, placeSqliteFile } from './sqlite-file-backup.js';

/** The dashboard's credentials store, backed up and restored when it exists. */
const AUTH = 'auth.sqlite';
/** Where the config file goes in a backup, and where a restore leaves it in the data folder. */
const CONFIG_DIR = 'config';
/** Photos kept from recognition requests (`uploadsDir`), under this folder of a backup. */
const UPLOADS_DIR = 'uploads';

/** Every file under `dir`, as paths relative to it (none when it is absent; half-written `.part` files left out). */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  if (!existsSync(join(dir, prefix))) return [];
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await filesUnder(dir, join(prefix, e.name))));
    else if (e.isFile() && !e.name.endsWith('.part')) out.push(join(prefix, e.name));
  }
  return out;
}
export const RESTORED_CONFIG_DIR = 'restored-config';

const facetagVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Writes a consistent snapshot of everything facetag keeps: the catalog (as of one
 * transaction), the face thumbnails, the photos kept from recognition requests, the
 * dashboard's credentials store and the config file,
 * with a manifest of sha256 sums written last. Other processes may go on indexing and
 * editing meanwhile: thumbnails are stored before the catalog rows that name them, and are
 * copied after the catalog snapshot, so every thumbnail the snapshot names is in the backup.
 */
export async function createBackup(deps: Deps, destination: BackupDestination, now = new Date()): Promise<Manifest> {
  const { config, log, blobs } = deps;
  const started = Date.now();
  const writer = await destination.openWriter();
  try {
    const part = catalogPartFor(config);
    const counts = await part.snapshot(deps, writer.dir);
    await backupSqliteFile(join(config.data.dir, AUTH), join(writer.dir, AUTH));
    let thumbs = 0;
    for (const key of await blobs.list('')) {
      const data = await blobs.get(key);
      if (!data) continue; // deleted since it was listed: no face of the snapshot names it
      const file = join(writer.dir, 'blobs', ...key.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, data);
      thumbs++;
    }
    for (const file of await filesUnder(uploadsDir(config))) {
      await mkdir(dirname(join(writer.dir, UPLOADS_DIR, file)), { recursive: true });
      await copyFile(join(uploadsDir(config), file), join(writer.dir, UPLOADS_DIR, file));
    }
    if (config.configFile) {
      await mkdir(join(writer.dir, CONFIG_DIR));
      await copyFile(config.configFile, join(writer.dir, CONFIG_DIR, basename(config.configFile)));
    }
    const manifest = await writeManifest(writer.dir, {
      format: 'facetag-backup', version: 1, createdAt: now.toISOString(), facetagVersion: facetagVersion(),
      catalog: { kind: part.kind, counts },
    });
    await writer.commit();
    const bytes = manifest.files.reduce((s, f) => s + f.bytes, 0);
    log.info({ fileCount: manifest.files.length, blobs: thumbs, bytes, photos: counts.photos, faces: counts.faces, people: counts.people, ms: Date.now() - started }, 'backup written');
    return manifest;
  } catch (error) {
    await writer.abort().catch(() => {});
    log.error({ code: (error as AppError).code ?? 'INTERNAL' }, 'backup failed');
    throw error;
  }
}

/** Checks a backup without restoring it: the manifest, and every file's size and sha256. */
export async function verifyBackup(source: BackupDestination): Promise<Manifest> {
  const reader = await source.openReader();
  try {
    return await verifyManifest(reader.dir);
  } finally {
    await reader.close();
  }
}

export interface RestoreResult {
  manifest: Manifest;
  counts: CatalogCounts;
  blobs: number;
  /** The config file of the backup, left in the data folder (your own config is never overwritten). */
  configFile: string | null;
}

/**
 * Brings a backup back into the configured data folder: verifies every file first, refuses a
 * data folder that already holds a catalog unless `force`, puts the catalog and credentials
 * in place, then the thumbnails (removing any the backup does not hold), and checks the
 * restored catalog's counts against the manifest. Stop every facetag process of this data
 * folder first.
 */
export async function restoreBackup(
  config: ResolvedConfig,
  source: BackupDestination,
  options: { force: boolean; open: (config: ResolvedConfig) => Promise<Context>; log: Logger },
): Promise<RestoreResult> {
  const { log } = options;
  const started = Date.now();
  const reader = await source.openReader();
  try {
    const manifest = await verifyManifest(reader.dir);
    const part = catalogPartFor(config);
    if (part.kind !== manifest.catalog.kind) {
      throw new AppError('BACKUP_INVALID', `the backup holds a ${manifest.catalog.kind} catalog but the configured catalog takes a ${part.kind}; restore it with the catalog driver it was taken with`);
    }
    const data = config.data.dir;
    const occupied = [part.kind === 'sqlite-file' ? 'catalog.sqlite' : null, AUTH, 'blobs']
      .filter((e): e is string => !!e && existsSync(join(data, e)) && !(e === 'blobs' && readdirSync(join(data, e)).length === 0));
    if (occupied.length > 0 && !options.force) {
      throw new AppError('CONFLICT', `${data} already holds a facetag library (${occupied.join(', ')}); restore into an empty data folder (--data DIR) or add --force to replace it`);
    }
    await mkdir(data, { recursive: true });
    await part.place(reader.dir);
    const listed = new Set(manifest.files.map((f) => f.path));
    if (listed.has(AUTH)) await placeSqliteFile(join(reader.dir, AUTH), join(data, AUTH));
    else for (const suffix of ['', '-wal', '-shm']) await rm(join(data, `${AUTH}${suffix}`), { force: true });

    const ctx = await options.open(config);
    try {
      await part.load(ctx, reader.dir);
      const wanted = manifest.files.filter((f) => f.path.startsWith('blobs/')).map((f) => f.path.slice('blobs/'.length));
      const keep = new Set(wanted);
      for (const key of await ctx.blobs.list('')) if (!keep.has(key)) await ctx.blobs.delete(key);
      for (const key of wanted) await ctx.blobs.put(key, await readFile(join(reader.dir, 'blobs', ...key.split('/'))), 'image/jpeg');
      for (const file of await filesUnder(join(reader.dir, UPLOADS_DIR))) {
        await mkdir(dirname(join(uploadsDir(config), file)), { recursive: true });
        await copyFile(join(reader.dir, UPLOADS_DIR, file), join(uploadsDir(config), file));
      }
      let configFile: string | null = null;
      const configs = existsSync(join(reader.dir, CONFIG_DIR)) ? await readdir(join(reader.dir, CONFIG_DIR)) : [];
      if (configs[0]) {
        await mkdir(join(data, RESTORED_CONFIG_DIR), { recursive: true });
        configFile = join(data, RESTORED_CONFIG_DIR, configs[0]);
        await copyFile(join(reader.dir, CONFIG_DIR, configs[0]), configFile);
      }
      const counts = await ctx.catalog.counts();
      const expected = manifest.catalog.counts;
      for (const k of Object.keys(expected) as Array<keyof CatalogCounts>) {
        if (counts[k] !== expected[k]) {
          throw new AppError('BACKUP_INVALID', `the restored catalog holds ${counts[k]} ${k} where the backup recorded ${expected[k]}; the data folder is now inconsistent: restore again with --force`);
        }
      }
      ctx.log.info({ fileCount: manifest.files.length, blobs: wanted.length, photos: counts.photos, faces: counts.faces, people: counts.people, ms: Date.now() - started }, 'backup restored');
      return { manifest, counts, blobs: wanted.length, configFile };
    } finally {
      await ctx.close();
    }
  } catch (error) {
    log.error({ code: (error as AppError).code ?? 'INTERNAL' }, 'restore failed');
    throw error;
  } finally {
    await reader.close();
  }
}
