import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_FACES } from './shared.js';

/**
 * Photos of ../shared/faces for recognition tests: two people with one face per photo (two
 * examples and a third photo each), a stranger, a group photo and a photo with no face.
 */
export const PEOPLE = {
  tom: { name: 'Tom Hanks', examples: ['tom_hanks/2.jpg', 'tom_hanks/4.jpg'], third: 'tom_hanks/3.jpg' },
  laura: { name: 'Laura Bush', examples: ['laura_bush/1.jpg', 'laura_bush/2.jpg'], third: 'laura_bush/3.jpg' },
} as const;
export const STRANGER = 'yao_ming/1.jpg';
/** Two faces (the labelled one and a background face). */
export const TWO_FACES = 'tom_hanks/1.jpg';
export const GROUP = join(SHARED_FACES, 'groups', 'compreface_000_5.jpg');
export const NO_FACE = join(SHARED_FACES, 'noface', 'deb_opencv_home.jpg');

/** The path of a labelled photo (`tom_hanks/2.jpg`). */
export const labelled = (file: string) => join(SHARED_FACES, 'images', file);

/** A multipart body with these photos as file parts (`file` by default), under innocuous or chosen file names. */
export function photoForm(parts: Record<string, string>, fileName = 'photo.jpg'): FormData {
  const form = new FormData();
  for (const [part, path] of Object.entries(parts)) form.append(part, new Blob([readFileSync(path)]), fileName);
  return form;
}

/** CompreFace's base64 body: `{"file": "<base64>"}` (or other part names). */
export const base64Body = (parts: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(parts).map(([p, path]) => [p, readFileSync(path).toString('base64')])));
