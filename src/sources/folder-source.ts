import { open, readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { AppError } from '../errors.js';
import { fsPath, readablePath } from './file-key.js';
import { NO_SIDECARS } from '../interop/sidecar-names.js';
import { listPhotoFiles } from './walk.js';
import type { PhotoSource, SourcePhoto } from './photo-source.js';

export interface FolderSourceOptions {
  followSymlinks: boolean;
  /** Called for a folder that cannot be listed (its error code only: never its path). */
  onListError?: (code: string | undefined) => void;
}

/** Photos under a folder, recursively; keys are absolute file paths. */
export async function createFolderSource(folder: string, options: FolderSourceOptions): Promise<PhotoSource> {
  const root = resolve(folder);
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) {
    throw new AppError('FOLDER_NOT_FOUND', `${folder} is not a folder; give the folder that holds your photos, e.g. \`facetag index ~/Pictures\``);
  }
  return {
    ref: { kind: 'folder', root },
    async list() {
      const walk = await listPhotoFiles(root, {
        followSymlinks: options.followSymlinks,
        onError: (_path, error) => options.onListError?.(error.code),
      });
      const items: SourcePhoto[] = [];
      for (const { key, code } of walk.unlisted) {
        items.push({ key, size: 0, mtimeMs: 0, problem: { code: 'FOLDER_UNREADABLE', message: `the folder cannot be listed (${code}); ${code === 'ENAMETOOLONG' ? 'shorten its path' : 'check its permissions'}: the photos in it are indexed once it can be` } });
      }
      for (const { key, reason } of walk.skipped) items.push({ key, size: 0, mtimeMs: 0, skip: reason });
      for (const key of walk.files) {
        // A file that vanished since the walk is listed with size 0: reading it reports why.
        const s = await stat(fsPath(key)).catch(() => null);
        items.push({ key, size: s?.size ?? 0, mtimeMs: s?.mtimeMs ?? 0, sidecars: walk.sidecars.get(key) ?? NO_SIDECARS });
      }
      return items;
    },
    async read(photo) {
      try {
        return await readFile(fsPath(photo.key));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new AppError('PHOTO_UNREADABLE', `the file cannot be read (${code ?? (error as Error).message}); check its permissions`);
      }
    },
    async settle() {},
    scope: root,
    displayName: (photo) => readablePath(relative(root, photo.key) || '.') + (photo.problem ? '/' : ''),
    async close() {},
  };
}

/**
 * Reads a photo file the catalog knows after its run (previews, hand-drawn faces, captions, a
 * change of models), refusing anything but a regular file (a FIFO, a folder): NOT_FOUND when gone.
 */
export async function readPhotoFile(path: string, photoId: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(fsPath(path), 'r');
  } catch {
    throw new AppError('NOT_FOUND', `the file of photo ${photoId} is gone; re-index the folder`);
  }
  try {
    if (!(await handle.stat()).isFile()) throw new AppError('NOT_FOUND', `the file of photo ${photoId} is not a regular file`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
