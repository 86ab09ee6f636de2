import { parseArgs } from 'node:util';
import { createContext } from '../context.js';
import { AppError } from '../errors.js';
import { printJson, printTable, type Command } from './io.js';

const HELP = `Usage: facetag people <verb> [args] [--json]

  list [--all]        people with their face counts (--all includes hidden people)
  show ID             one person and their faces`;

export function parseId(value: string | undefined, what = 'person'): number {
  const id = Number(value);
  if (value === undefined || !Number.isInteger(id) || id <= 0) {
    throw new AppError('USAGE', `"${value ?? ''}" is not a ${what} id; ids are the numbers in \`facetag ${what === 'face' ? 'faces' : 'people'} list\``);
  }
  return id;
}

export const peopleCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [verb, ...rest] = positionals;
  if (values.help || !verb) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  const ctx = await createContext(load(), 'cli');
  const { catalog } = ctx;
  try {
    switch (verb) {
      case 'list': {
        const people = await catalog.listPeople({ includeHidden: !!values.all });
        if (values.json) printJson(io, people);
        else printTable(io, ['person', 'name', 'faces', 'hidden'], people.map((p) => [p.id, p.name ?? '(unnamed)', p.faceCount, p.hidden ? 'yes' : '']));
        return 0;
      }
      case 'show': {
        const id = parseId(rest[0]);
        const person = await catalog.getPerson(id);
        if (!person) throw new AppError('NOT_FOUND', `person ${id} does not exist; list people with \`facetag people list\``);
        const faces = await catalog.listFaces({ personId: id });
        if (values.json) {
          printJson(io, { ...person, faces });
        } else {
          io.stdout.write(`person ${person.id}: ${person.name ?? '(unnamed)'}, ${person.faceCount} faces${person.hidden ? ', hidden' : ''}\n`);
          printTable(io, ['face', 'photo', 'source', 'distance', 'quality'], faces.map((f) => [
            f.id, f.photoId, f.source, f.distance === null ? null : f.distance.toFixed(3), f.quality.toFixed(2),
          ]));
        }
        return 0;
      }
      default:
        throw new AppError('USAGE', `unknown verb "people ${verb}"; run \`facetag people --help\``);
    }
  } finally {
    await ctx.close();
  }
};
