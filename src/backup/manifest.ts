import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { MANIFEST } from './backup-destination.js';

const countsSchema = z.object({ photos: z.number(), photosFailed: z.number(), faces: z.number(), people: z.number(), unassigned: z.number() });

export const manifestSchema = z.object({
  format: z.literal('facetag-backup'),
  version: z.literal(1),
  createdAt: z.string(),
  facetagVersion: z.string(),
  catalog: z.object({ kind: z.enum(['sqlite-file', 'catalog-dump']), counts: countsSchema }),
  /** Every file of the backup but the manifest, `/`-separated, with its size and sha256. */
  files: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});

export type Manifest = z.infer<typeof manifestSchema>;

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('error', reject).on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex')));
  });
}

async function walk(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(root, p)));
    else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
  }
  return out.sort();
}

/** Hashes every file in `dir` and writes the manifest beside them. */
export async function writeManifest(dir: string, head: Omit<Manifest, 'files'>): Promise<Manifest> {
  const files: Manifest['files'] = [];
  for (const path of await walk(dir)) {
    if (path === MANIFEST) continue;
    const file = join(dir, ...path.split('/'));
    files.push({ path, bytes: (await stat(file)).size, sha256: await sha256File(file) });
  }
  const manifest = { ...head, files };
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/**
 * Reads the manifest and checks every file it lists: there, of its size, of its sha256. A
 * problem is a BACKUP_INVALID error naming the file.
 */
export async function verifyManifest(dir: string): Promise<Manifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'));
  } catch (error) {
    throw new AppError('BACKUP_INVALID', `${MANIFEST} in ${dir} cannot be read (${(error as Error).message}); the backup is incomplete: use another one`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('BACKUP_INVALID', `${MANIFEST} in ${dir} is not a facetag backup manifest (${issue.path.join('.')}: ${issue.message}); give a folder \`facetag backup\` wrote`);
  }
  for (const f of parsed.data.files) {
    if (f.path.split('/').some((p) => p === '..' || p === '' || p === '.')) {
      throw new AppError('BACKUP_INVALID', `${MANIFEST} lists "${f.path}", which is not a plain relative path; this backup was not written by facetag`);
    }
    const file = join(dir, ...f.path.split('/'));
    let bytes: number;
    try {
      bytes = (await stat(file)).size;
    } catch {
      throw new AppError('BACKUP_INVALID', `${f.path} is listed in the manifest but missing from ${dir}; the backup is damaged: use another one`);
    }
    if (bytes !== f.bytes || (await sha256File(file)) !== f.sha256) {
      throw new AppError('BACKUP_INVALID', `${f.path} in ${dir} does not match its sha256 in the manifest; the backup is damaged: use another one`);
    }
  }
  return parsed.data;
}
