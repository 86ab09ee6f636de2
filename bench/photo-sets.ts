// Benchmark photo sets made at run time from ../shared/faces (never committed: the photos'
// licences do not allow it), kept in the system's temporary folder between runs.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

/** Every photo under `root`, in name order. */
export function photosUnder(root: string): string[] {
  return readdirSync(root).sort().flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? photosUnder(path) : /\.(jpe?g|png|webp)$/i.test(name) ? [path] : [];
  });
}

/**
 * `count` JPEGs of 4 MP (2304x1728, quality 90) made from the labelled photos of
 * `faces/images`, each scaled to cover the frame: the "4 MP set". Made once into the
 * temporary folder and reused while complete.
 */
export async function fourMegapixelSet(faces: string, count = 150): Promise<string> {
  const dir = join(tmpdir(), `facetag-bench-4mp-${count}-v1`);
  if (existsSync(dir) && readdirSync(dir).length === count) return dir;
  const sources = photosUnder(join(faces, 'images'));
  if (sources.length === 0) throw new Error(`${faces}/images holds no photos to make the 4 MP set from`);
  const making = `${dir}.making-${process.pid}`;
  rmSync(making, { recursive: true, force: true });
  mkdirSync(making, { recursive: true });
  for (let i = 0; i < count; i++) {
    await sharp(sources[i % sources.length]!).rotate().resize(2304, 1728, { fit: 'cover' }).toColourspace('srgb')
      .jpeg({ quality: 90 }).toFile(join(making, `p${String(i).padStart(4, '0')}.jpg`));
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(making, dir);
  return dir;
}
