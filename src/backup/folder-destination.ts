import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '../errors.js';
import { MANIFEST, type BackupDestination } from './backup-destination.js';

/**
 * A backup as a plain folder (a local disk, a USB drive, a NAS mount). The snapshot is
 * written into `<dest>.partial-<pid>` beside it and renamed to `<dest>` when complete, so a
 * folder named `<dest>` is always a whole backup; an interrupted one leaves only `.partial-*`.
 */
export function createFolderDestination(dest: string): BackupDestination {
  const dir = resolve(dest);
  return {
    description: dir,
    async openWriter() {
      if (existsSync(dir) && (await readdir(dir)).length > 0) {
        throw new AppError('CONFLICT', `${dir} is not empty; give a new folder for the backup (or set backup.dir and run \`facetag backup\` with no destination: one dated folder per run)`);
      }
      const staging = `${dir}.partial-${process.pid}`;
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true, mode: 0o700 });
      return {
        dir: staging,
        async commit() {
          if (existsSync(dir)) await rmdir(dir); // empty, checked above
          await rename(staging, dir);
        },
        async abort() {
          await rm(staging, { recursive: true, force: true });
        },
      };
    },
    async openReader() {
      if (!existsSync(join(dir, MANIFEST))) {
        throw new AppError('NOT_FOUND', `${dir} holds no facetag backup (no ${MANIFEST}); give the folder \`facetag backup\` wrote`);
      }
      return { dir, async close() {} };
    },
  };
}

const SNAPSHOT = /^facetag-\d{8}T\d{6}\.\d{3}Z$/;

/** `facetag-20261128T033000.123Z`: a name per run (UTC) that sorts by time. */
export function snapshotName(at: Date): string {
  return `facetag-${at.toISOString().replace(/[-:]/g, '')}`;
}

/**
 * Deletes the oldest complete snapshots in `root` beyond the newest `keep`, and leftovers of
 * interrupted runs (`.partial-*`) older than a day. Returns the names deleted.
 */
export async function pruneSnapshots(root: string, keep: number): Promise<string[]> {
  const entries = await readdir(root);
  const complete = entries.filter((e) => SNAPSHOT.test(e) && existsSync(join(root, e, MANIFEST))).sort();
  const doomed = complete.slice(0, Math.max(0, complete.length - keep));
  for (const e of entries.filter((e) => /^facetag-.*\.partial-\d+$/.test(e))) {
    if (Date.now() - (await stat(join(root, e))).mtimeMs > 86_400_000) doomed.push(e);
  }
  for (const e of doomed) await rm(join(root, e), { recursive: true, force: true });
  return doomed;
}
