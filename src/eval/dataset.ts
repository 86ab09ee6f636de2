import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * A labelled evaluation set on disk:
 *
 * - `manifest.csv`: `file,identity,faces_expected,...`; `file` is relative to the set's folder
 * - `pairs.csv`: `file_a,file_b,same` (same is 1 or 0), over files of `images/`
 * - `images/<identity>/*`: one labelled person per photo (the largest or central face)
 * - `groups/*`: several faces, `faces_expected` roughly counted
 * - `noface/*`: no human face
 */
export interface Dataset {
  dir: string;
  labelled: LabelledPhoto[];
  groups: CountedPhoto[];
  noface: CountedPhoto[];
  /** Null when the set has no pairs.csv. */
  pairs: Pair[] | null;
}

export interface CountedPhoto {
  /** As written in the manifest, relative to the set's folder with `/` separators. */
  file: string;
  path: string;
  facesExpected: number;
}

export interface LabelledPhoto extends CountedPhoto {
  identity: string;
}

export interface Pair {
  fileA: string;
  fileB: string;
  same: boolean;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

const manifestRow = z.object({
  file: z.string().regex(/^(images|groups|noface)\/[^\\]+$/, 'must start with images/, groups/ or noface/').refine((f) => !f.split('/').includes('..'), 'must stay inside the set'),
  identity: z.string(),
  faces_expected: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number),
});

const pairRow = z.object({
  file_a: z.string().min(1),
  file_b: z.string().min(1),
  same: z.enum(['0', '1']).transform((v) => v === '1'),
});

/** Rows of a CSV file as objects keyed by its header, with the columns it must have checked. */
function readTable(path: string, columns: string[]): Array<{ line: number; values: Record<string, string> }> {
  const rows = parseCsv(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  const header = rows[0]?.map((h) => h.trim()) ?? [];
  const missing = columns.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new AppError('INVALID_INPUT', `${path} has no column ${missing.join(', ')} in its header "${header.join(',')}"; its first line must name the columns ${columns.join(',')}`);
  }
  return rows.slice(1).map((cells, i) => ({
    line: i + 2,
    values: Object.fromEntries(header.map((h, j) => [h, cells[j]?.trim() ?? ''])),
  }));
}

function rowError(path: string, line: number, error: z.ZodError, values: Record<string, string>): AppError {
  const issue = error.issues[0]!;
  const column = String(issue.path[0] ?? '');
  return new AppError('INVALID_INPUT', `${path} line ${line}: ${column} "${values[column] ?? ''}" ${issue.message}; fix that row`);
}

/** Reads and checks a labelled set: every row well formed, every file present, every pair between known photos. */
export function loadDataset(dir: string): Dataset {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new AppError('FOLDER_NOT_FOUND', `dataset folder ${dir} does not exist; give --dataset the folder that holds manifest.csv, images/, groups/ and noface/`);
  }
  const manifestPath = join(root, 'manifest.csv');
  if (!existsSync(manifestPath)) {
    throw new AppError('NOT_FOUND', `${dir} has no manifest.csv; a dataset folder needs manifest.csv (file,identity,faces_expected,...) beside images/, groups/ and noface/`);
  }

  const dataset: Dataset = { dir: root, labelled: [], groups: [], noface: [], pairs: null };
  const seen = new Set<string>();
  for (const { line, values } of readTable(manifestPath, ['file', 'identity', 'faces_expected'])) {
    const parsed = manifestRow.safeParse(values);
    if (!parsed.success) throw rowError(manifestPath, line, parsed.error, values);
    const { file, identity, faces_expected: facesExpected } = parsed.data;
    if (seen.has(file)) throw new AppError('INVALID_INPUT', `${manifestPath} line ${line}: file ${file} is listed twice; keep one row per file`);
    seen.add(file);
    const path = join(root, file);
    if (!existsSync(path)) throw new AppError('NOT_FOUND', `${manifestPath} line ${line}: ${file} is not in ${dir}; restore the file or remove its row`);
    if (file.startsWith('images/')) {
      const folder = file.split('/')[1]!;
      if (!identity) throw new AppError('INVALID_INPUT', `${manifestPath} line ${line}: ${file} has no identity; labelled photos need one (here "${folder}")`);
      dataset.labelled.push({ file, path, identity, facesExpected });
    } else if (file.startsWith('groups/')) {
      dataset.groups.push({ file, path, facesExpected });
    } else {
      if (facesExpected !== 0) throw new AppError('INVALID_INPUT', `${manifestPath} line ${line}: ${file} is in noface/ but faces_expected is ${facesExpected}; set it to 0 or move the photo to groups/`);
      dataset.noface.push({ file, path, facesExpected });
    }
  }
  if (dataset.labelled.length === 0) throw new AppError('INVALID_INPUT', `${manifestPath} lists no photo under images/; add labelled photos as images/<identity>/<file>`);

  const pairsPath = join(root, 'pairs.csv');
  if (existsSync(pairsPath)) {
    const identityOf = new Map(dataset.labelled.map((p) => [p.file, p.identity]));
    dataset.pairs = readTable(pairsPath, ['file_a', 'file_b', 'same']).map(({ line, values }) => {
      const parsed = pairRow.safeParse(values);
      if (!parsed.success) throw rowError(pairsPath, line, parsed.error, values);
      const { file_a: fileA, file_b: fileB, same } = parsed.data;
      for (const file of [fileA, fileB]) {
        if (!identityOf.has(file)) throw new AppError('INVALID_INPUT', `${pairsPath} line ${line}: ${file} is not a labelled photo of manifest.csv; pairs must name files under images/ listed there`);
      }
      if ((identityOf.get(fileA) === identityOf.get(fileB)) !== same) {
        throw new AppError('INVALID_INPUT', `${pairsPath} line ${line}: same=${same ? 1 : 0} but ${fileA} is ${identityOf.get(fileA)} and ${fileB} is ${identityOf.get(fileB)}; fix the same column`);
      }
      return { fileA, fileB, same };
    });
  }
  return dataset;
}
