import { opendir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** File extensions facetag indexes (the content decides the real format). */
export const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.tif', '.tiff', '.avif', '.heic', '.heif', '.hif']);

/** The formats facetag decodes, as a user reads them. */
export const PHOTO_FORMATS = 'JPEG, PNG, WebP, TIFF, AVIF and HEIC/HEIF files';

export interface WalkOptions {
  followSymlinks: boolean;
  /** Called for a folder that cannot be listed; the walk goes on. */
  onError?: (path: string, error: NodeJS.ErrnoException) => void;
}

/**
 * Every photo file under `root`, recursively, sorted for a stable order. Symbolic links are
 * followed when asked, and a folder already visited (by its real path) is never entered again,
 * so link loops end. Hidden files and folders (`.name`) are skipped.
 */
export async function listPhotoFiles(root: string, options: WalkOptions): Promise<string[]> {
  const seen = new Set<string>();
  const files: string[] = [];

  async function walk(dir: string) {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (error) {
      options.onError?.(dir, error as NodeJS.ErrnoException);
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    let handle;
    try {
      handle = await opendir(dir);
    } catch (error) {
      options.onError?.(dir, error as NodeJS.ErrnoException);
      return;
    }
    const subdirs: string[] = [];
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        if (!options.followSymlinks) continue;
        try {
          const s = await stat(path);
          isDir = s.isDirectory();
          isFile = s.isFile();
        } catch {
          continue; // a dangling link
        }
      }
      if (isDir) subdirs.push(path);
      else if (isFile && PHOTO_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
    }
    for (const sub of subdirs.sort()) await walk(sub);
  }

  await walk(root);
  return files.sort();
}
