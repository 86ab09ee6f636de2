import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createContext } from '../context.js';
import { AppError } from '../errors.js';
import { faceRows, graphMl, peopleRows, toCsv } from '../interop/export-tables.js';
import { exportXmp } from '../interop/export-xmp.js';
import { printJson, type Command } from './io.js';
import { plural } from '../plural.js';

const HELP = `Usage: facetag export <what> [options]

  xmp [--sidecar full|base] [--dry-run] [--json]
        write the faces of named people as MWG face regions (mwg-rs:Regions) into XMP
        sidecars beside the photos: photo.jpg.xmp (full, the default) or photo.xmp (base).
        A sidecar already there is merged into: its other fields and regions are kept.
        The photos themselves are never written.
  people [--format json|csv] [--out FILE]   every person: id, name, faces, hidden, createdAt
  faces [--format json|csv] [--out FILE]    every face: photo file, box (pixels of the oriented
                                            photo), person id and name, source, scores
  graph [--photos] [--out FILE]             people and who appears with whom (CO_OCCURS, with
                                            counts) as GraphML; --photos adds photos (APPEARS_IN)

Without --out, exports go to stdout.`;

export const exportCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'dry-run': { type: 'boolean' },
      sidecar: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, photos: { type: 'boolean' },
    },
  });
  const [what, ...rest] = positionals;
  if (values.help || !what) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  if (rest.length > 0) throw new AppError('USAGE', `export ${what} takes no argument, got "${rest[0]}"`);
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new AppError('USAGE', `--format "${format}" is not json or csv`);
  const sidecar = values.sidecar ?? 'full';
  if (sidecar !== 'full' && sidecar !== 'base') throw new AppError('USAGE', `--sidecar "${sidecar}" is not full (photo.jpg.xmp) or base (photo.xmp)`);
  const ctx = await createContext(load(), 'cli');
  const emit = async (text: string) => {
    if (values.out) await writeFile(resolve(io.cwd, values.out), text, 'utf8');
    else io.stdout.write(text);
  };
  try {
    switch (what) {
      case 'xmp': {
        const report = await exportXmp(ctx, { naming: sidecar, dryRun: !!values['dry-run'] });
        if (values.json) printJson(io, report);
        else {
          io.stdout.write(`${report.dryRun ? 'would write' : 'wrote'} ${plural(report.faces, 'face region')} for ${plural(report.photos, 'photo')}: ${plural(report.created, 'sidecar')} created, ${report.updated} updated, ${report.unchanged} unchanged\n`);
          for (const s of report.skipped) io.stdout.write(`  skipped: ${s.file}: ${s.reason}\n`);
        }
        return report.skipped.length > 0 ? 65 : 0;
      }
      case 'people':
      case 'faces': {
        const rows = what === 'people' ? await peopleRows(ctx) : await faceRows(ctx);
        if (format === 'json') await emit(`${JSON.stringify(rows, null, 2)}\n`);
        else if (what === 'people') await emit(toCsv(rows as Awaited<ReturnType<typeof peopleRows>>, ['id', 'name', 'faces', 'hidden', 'createdAt']));
        else await emit(toCsv(rows as Awaited<ReturnType<typeof faceRows>>, ['id', 'photoId', 'file', 'x', 'y', 'w', 'h', 'personId', 'person', 'source', 'detScore', 'quality', 'manual']));
        return 0;
      }
      case 'graph':
        await emit(await graphMl(ctx, { photos: !!values.photos }));
        return 0;
      default:
        throw new AppError('USAGE', `unknown export "${what}"; run \`facetag export --help\``);
    }
  } finally {
    await ctx.close();
  }
};
