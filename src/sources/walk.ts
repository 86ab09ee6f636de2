import { opendir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { sidecarsListed, type SidecarNaming } from '../interop/sidecar-names.js';
import { fsPath, keyFromBytes } from './file-key.js';

/** File extensions facetag indexes (the content decides the real format). */
export const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.tif', '.tiff', '.avif', '.heic', '.heif', '.hif']);

/** The formats facetag decodes, as a user reads them. */
export const PHOTO_FORMATS = 'JPEG, PNG, WebP, TIFF, AVIF and HEIC/HEIF files';

/** Why an entry named like a photo was passed over: it is no file to read. */
export type SkipReason = 'dangling symlink' | 'FIFO' | 'device' | 'socket';

export interface WalkOptions {
  followSymlinks: boolean;
  /** Called for a folder that cannot be listed; the walk goes on. */
  onError?: (path: string, error: NodeJS.ErrnoException) => void;
}

export interface Walk {
  /** Photo files (keys: see file-key.ts), sorted. */
  files: string[];
  /** The XMP sidecars listed beside each photo of `files` that has any (sidecar-names.ts), by key. */
  sidecars: Map<string, readonly SidecarNaming[]>;
  /** Folders that could not be listed (their photos are not in `files`), with the error code. */
  unlisted: Array<{ key: string; code: string }>;
  /** Entries with a photo's name that are no regular file, with the reason. */
  skipped: Array<{ key: string; reason: SkipReason }>;
}

const kind = (s: { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): SkipReason | null =>
  s.isFIFO() ? 'FIFO' : s.isSocket() ? 'socket' : s.isBlockDevice() || s.isCharacterDevice() ? 'device' : null;

/**
 * Every photo file under `root`, recursively, sorted for a stable order. Symbolic links are
 * followed when asked, and a folder already visited (by its real path) is never entered again,
 * so link loops end. Hidden files and folders (`.name`) are skipped. Names are read as bytes,
 * so a name that is not UTF-8 is found and can be opened (file-key.ts).
 */
export async function listPhotoFiles(root: string, options: WalkOptions): Promise<Walk> {
  const seen = new Set<string>();
  const out: Walk = { files: [], sidecars: new Map(), unlisted: [], skipped: [] };
  const skip = (key: string, reason: SkipReason) => out.skipped.push({ key, reason });
  const unlisted = (dir: string, error: NodeJS.ErrnoException) => {
    out.unlisted.push({ key: dir, code: error.code ?? 'EIO' });
    options.onError?.(dir, error);
  };

  async function walk(dir: string) {
    let real: string;
    try {
      real = keyFromBytes(await realpath(fsPath(dir), { encoding: 'buffer' }));
    } catch (error) {
      unlisted(dir, error as NodeJS.ErrnoException);
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    let handle;
    try {
      handle = await opendir(fsPath(dir), { encoding: 'buffer' as BufferEncoding });
    } catch (error) {
      unlisted(dir, error as NodeJS.ErrnoException);
      return;
    }
    const subdirs: string[] = [];
    const photos: Array<{ path: string; name: string }> = [];
    const names = new Set<string>();
    for await (const entry of handle) {
      const name = keyFromBytes(entry.name as unknown as Buffer);
      names.add(name.toLowerCase());
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const photoName = PHOTO_EXTENSIONS.has(extname(name).toLowerCase());
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let other = kind(entry);
      if (entry.isSymbolicLink()) {
        if (!options.followSymlinks) continue;
        try {
          const s = await stat(fsPath(path));
          isDir = s.isDirectory();
          isFile = s.isFile();
          other = kind(s);
        } catch {
          if (photoName) skip(path, 'dangling symlink');
          continue;
        }
      }
      if (isDir) subdirs.push(path);
      else if (photoName && isFile) photos.push({ path, name });
      else if (photoName && other) skip(path, other);
    }
    // Every name of the folder is known now: which photos have a sidecar beside them.
    for (const { path, name } of photos) {
      out.files.push(path);
      const sidecars = sidecarsListed(name, names);
      if (sidecars.length > 0) out.sidecars.set(path, sidecars);
    }
    for (const sub of subdirs.sort()) await walk(sub);
  }

  await walk(root);
  out.files.sort();
  return out;
}
