import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportCatalog, importCatalog, type DumpCounts } from '../catalog/catalog-dump.js';
import type { PersonRef } from '../catalog/catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import { createContext } from '../context.js';
import { AppError } from '../errors.js';
import { plural } from '../plural.js';
import { printJson, printTable, type Command, type CommandInput } from './io.js';

const HELP = `Usage: facetag graph <verb> [options]

  export <file>   write the whole catalog (photos, faces with embeddings, people, assignments,
                  rejections, dismissed boxes, merges) as a portable NDJSON dump; "-" for stdout
  import <file>   read a dump into an EMPTY catalog of any driver (catalog.driver sqlite or
                  neo4j), giving new ids: moves a library between SQLite and Neo4j without
                  re-indexing. Face thumbnails are not in the dump: copy the blobs folder too.

  pairs [--limit N]            who appears with whom most: the top pairs of people (default 20)
  chain <personA> <personB> [--max-hops N]
                               the fewest photos linking two people (default at most 6)
  timeline <person>            a person's photos by month, with the people seen with them

A person is an id or an exact name. Options: --json (machine-readable output)`;

export const graphCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, limit: { type: 'string' }, 'max-hops': { type: 'string' },
    },
  });
  const [verb, file, ...rest] = positionals;
  if (values.help || !verb) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  if (verb === 'pairs' || verb === 'chain' || verb === 'timeline') {
    return graphQuestion(verb, positionals.slice(1), values, { io, load });
  }
  if (verb !== 'export' && verb !== 'import') throw new AppError('USAGE', `graph has no verb "${verb}"; use export, import, pairs, chain or timeline (see \`facetag graph --help\`)`);
  if (!file) throw new AppError('USAGE', `graph ${verb} needs a file: \`facetag graph ${verb} library.ndjson\``);
  if (rest.length > 0) throw new AppError('USAGE', `graph ${verb} takes one file, got also "${rest[0]}"`);
  if (verb === 'import' && file === '-') throw new AppError('USAGE', 'graph import reads a file, not stdin: save the dump first');
  const path = file === '-' ? null : resolve(io.cwd, file);
  if (verb === 'import' && path && !existsSync(path)) throw new AppError('NOT_FOUND', `dump file ${path} does not exist; write one with \`facetag graph export FILE\``);
  const ctx = await createContext(load(), 'cli', { create: verb === 'import' });
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
      else if (path) io.stdout.write(`exported ${dumpCounts(counts)} to ${path}\n`);
      return 0;
    }
    const counts = await importCatalog(ctx.catalog, createReadStream(path!), path!);
    if (values.json) printJson(io, { file: path, driver: ctx.config.catalog.driver, ...counts });
    else io.stdout.write(`imported ${dumpCounts(counts)} into the ${ctx.config.catalog.driver} catalog\n`);
    return 0;
  } finally {
    await ctx.close();
  }
};

const who = (p: PersonRef) => (p.name ?? `person ${p.personId}`);

/** An id, or the exact name of a person. */
async function personArg(catalog: Pick<PeopleCatalog, 'findPersonByName'>, arg: string | undefined, verb: string): Promise<number> {
  if (!arg) throw new AppError('USAGE', `graph ${verb} needs people: see \`facetag graph --help\``);
  if (/^\d+$/.test(arg)) return Number(arg);
  const p = await catalog.findPersonByName(arg);
  if (!p) throw new AppError('NOT_FOUND', `no person is named "${arg}" (names are exact); list people with \`facetag people list\``);
  return p.id;
}

const positiveInt = (value: string | undefined, flag: string, fallback: number) => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new AppError('USAGE', `${flag} "${value}" is not a positive whole number`);
  return Number(value);
};

async function graphQuestion(
  verb: 'pairs' | 'chain' | 'timeline', args: string[], values: { json?: boolean | undefined; limit?: string | undefined; 'max-hops'?: string | undefined },
  { io, load }: { io: CommandInput['io']; load: CommandInput['config'] },
): Promise<number> {
  const expected = { pairs: 0, chain: 2, timeline: 1 }[verb];
  if (args.length > expected) throw new AppError('USAGE', `graph ${verb} takes ${plural(expected, 'argument')}, got also "${args[expected]}"`);
  const ctx = await createContext(load(), 'cli');
  try {
    const { catalog } = ctx;
    if (verb === 'pairs') {
      const pairs = await catalog.topPairs(positiveInt(values.limit, '--limit', 20));
      if (values.json) printJson(io, pairs);
      else printTable(io, ['photos', 'person', 'with'], pairs.map((p) => [p.photos, `${who(p.a)} (${p.a.personId})`, `${who(p.b)} (${p.b.personId})`]));
      return 0;
    }
    if (verb === 'chain') {
      const from = await personArg(catalog, args[0], verb);
      const to = await personArg(catalog, args[1], verb);
      const hops = positiveInt(values['max-hops'], '--max-hops', 6);
      const chain = await catalog.photoChain(from, to, hops);
      if (values.json) printJson(io, chain);
      else if (!chain) io.stdout.write(`no chain of at most ${plural(hops, 'photo')} links person ${from} and person ${to}\n`);
      else {
        io.stdout.write(`${who(chain.people[0]!)}\n`);
        chain.photos.forEach((p, i) => io.stdout.write(`  photo ${p.photoId} (${p.takenAt ?? 'undated'}) ${p.path}\n${who(chain.people[i + 1]!)}\n`));
      }
      return 0;
    }
    const months = await catalog.personTimeline(await personArg(catalog, args[0], verb));
    if (values.json) printJson(io, months);
    else {
      for (const m of months) {
        io.stdout.write(`${m.month ?? 'undated'}: ${plural(m.photos.length, 'photo')}\n`);
        for (const p of m.photos) io.stdout.write(`  ${p.takenAt ?? '-'}  photo ${p.photoId}  with ${p.with.length ? p.with.map(who).join(', ') : 'nobody'}  ${p.path}\n`);
      }
    }
    return 0;
  } finally {
    await ctx.close();
  }
}

/** "3 photos, 1 face, ...": what a dump holds. */
const dumpCounts = (c: DumpCounts) =>
  `${plural(c.photos, 'photo')}, ${plural(c.faces, 'face')}, ${plural(c.people, 'person', 'people')}, ${plural(c.rejections, 'rejection')}, ${plural(c.dismissals, 'dismissed box', 'dismissed boxes')}, ${plural(c.merges, 'merge')}`;
