import { parseArgs } from 'node:util';
import { createContext } from '../context.js';
import { AppError } from '../errors.js';
import { printJson, printTable, type Command } from './io.js';
import { readablePath } from '../sources/file-key.js';

const HELP = `Usage: facetag photos list [--failed] [--json]

Every indexed photo with its status, size, time taken, GPS position and face count; with
--failed, only the photos that could not be indexed, with the reason and the fix.`;

export const photosCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, failed: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals[0] !== 'list') {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  if (positionals.length > 1) throw new AppError('USAGE', `photos list takes no argument, got "${positionals[1]}"`);
  const ctx = await createContext(load(), 'cli');
  try {
    const { catalog } = ctx;
    const photos = values.failed ? await catalog.listFailures() : await catalog.listPhotos();
    if (values.json) printJson(io, photos);
    else if (photos.length === 0) io.stdout.write(values.failed ? 'no failed photos\n' : 'no photos indexed yet; index a folder with `facetag index <folder>`\n');
    else printTable(io, ['photo', 'status', 'faces', 'size', 'taken', 'file', 'error'], photos.map((p) => [
      p.id, p.status, p.faceCount, p.width ? `${p.width}x${p.height}` : null, p.takenAt, readablePath(p.path),
      p.errorCode ? `${p.errorCode}: ${p.errorMessage}` : null,
    ]));
    return 0;
  } finally {
    await ctx.close();
  }
};
