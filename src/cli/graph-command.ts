import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportCatalog, importCatalog } from '../catalog/catalog-dump.js';
import { createContext } from '../context.js';
import { AppError } from '../errors.js';
import { printJson, type Command } from './io.js';

const HELP = `Usage: facetag graph <verb> [options]

  export <file>   write the whole catalog (photos, faces with embeddings, people, assignments,
                  rejections, dismissed boxes, merges) as a portable NDJSON dump; "-" for stdout
  import <file>   read a dump into an EMPTY catalog of any driver (catalog.driver sqlite or
                  neo4j), giving new ids: moves a library between SQLite and Neo4j without
                  re-indexing. Face thumbnails are not in the dump: copy the blobs folder too.

Options: --json (a summary of what was written or read)`;

export const graphCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [verb, file, ...rest] = positionals;
  if (values.help || !verb) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  if (verb !== 'export' && verb !== 'import') throw new AppError('USAGE', `graph has no verb "${verb}"; use export or import (see \`facetag graph --help\`)`);
  if (!file) throw new AppError('USAGE', `graph ${verb} needs a file: \`facetag graph ${verb} library.ndjson\``);
  if (rest.length > 0) throw new AppError('USAGE', `graph ${verb} takes one file, got also "${rest[0]}"`);
  if (verb === 'import' && file === '-') throw new AppError('USAGE', 'graph import reads a file, not stdin: save the dump first');
  const path = file === '-' ? null : resolve(io.cwd, file);
  if (verb === 'import' && path && !existsSync(path)) throw new AppError('NOT_FOUND', `dump file ${path} does not exist; write one with \`facetag graph export FILE\``);
  const ctx = await createContext(load(), 'cli');
  try {
    if (verb === 'export') {
      const out = path ? createWriteStream(path) : io.stdout;
      const counts = await exportCatalog(ctx.catalog, out);
      if (path) {
        (out as ReturnType<typeof createWriteStream>).end();
        await once(out, 'finish');
      }
      const summary = { file: path ?? 'stdout', ...counts };
      if (values.json && path) printJson(io, summary);
      else if (path) io.stdout.write(`exported ${counts.photos} photos, ${counts.faces} faces, ${counts.people} people, ${counts.rejections} rejections, ${counts.dismissals} dismissed boxes, ${counts.merges} merges to ${path}\n`);
      return 0;
    }
    const counts = await importCatalog(ctx.catalog, createReadStream(path!), path!);
    if (values.json) printJson(io, { file: path, driver: ctx.config.catalog.driver, ...counts });
    else io.stdout.write(`imported ${counts.photos} photos, ${counts.faces} faces, ${counts.people} people, ${counts.rejections} rejections, ${counts.dismissals} dismissed boxes, ${counts.merges} merges into the ${ctx.config.catalog.driver} catalog\n`);
    return 0;
  } finally {
    await ctx.close();
  }
};
