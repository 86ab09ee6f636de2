import { parseArgs } from 'node:util';
import { embedderKey } from '../clustering/cluster-params.js';
import { recluster } from '../clustering/recluster.js';
import { loadIndex, suggestFacesForPerson, suggestPeopleForFace } from '../clustering/suggestions.js';
import { createContext, type Context } from '../context.js';
import { AppError } from '../errors.js';
import { printJson, printTable, type CliIo, type Command } from './io.js';
import { plural } from '../plural.js';
import { readablePath } from '../sources/file-key.js';

const HELP = `Usage: facetag people <verb> [args] [--json]

  list [--all]                    people with face counts (--all: hidden ones too)
  show PERSON                     a person and their faces
  name PERSON NAME                name (or rename) a person; "" clears the name
  merge INTO FROM                 move FROM's faces into INTO (undo: unmerge)
  unmerge PERSON|--merge ID       undo the latest merge of PERSON, or merge ID
  split PERSON FACE...            move faces off PERSON into a new person
  move-face FACE PERSON           put a face on a person (the old person is rejected)
  reject-face PERSON FACE...      these faces are not PERSON: never again
  confirm PERSON [FACE...]        confirm PERSON's faces (or attach and confirm the given faces)
  hide PERSON | unhide PERSON     hide a person from lists
  delete PERSON                   delete a person with their faces, embeddings and thumbnails
  suggest --face FACE             the people a face may be, nearest first
  suggest --person PERSON         faces that probably belong to PERSON, to confirm or reject
  recluster [--dry-run]           cluster every face again (new model or thresholds); human decisions stay`;

export function parseId(value: string | undefined, what: 'person' | 'face' | 'merge' = 'person'): number {
  const id = Number(value);
  if (value === undefined || !Number.isInteger(id) || id <= 0) {
    const where = what === 'face' ? '`facetag faces list`' : what === 'merge' ? 'the output of `facetag people merge`' : '`facetag people list`';
    throw new AppError('USAGE', `"${value ?? ''}" is not a ${what} id; ids are the numbers in ${where}`);
  }
  return id;
}

async function removeThumbs(ctx: Context, keys: string[]) {
  for (const key of keys) await ctx.blobs.delete(key);
}

function done(io: CliIo, json: boolean | undefined, value: object, text: string) {
  if (json) printJson(io, value);
  else io.stdout.write(`${text}\n`);
  return 0;
}

export const peopleCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      'dry-run': { type: 'boolean' }, face: { type: 'string' }, person: { type: 'string' }, merge: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const [verb, ...rest] = positionals;
  if (values.help || !verb) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  const config = load();
  const ctx = await createContext(config, 'cli');
  const { catalog } = ctx;
  const json = values.json;
  const need = (n: number, usage: string) => {
    if (rest.length < n) throw new AppError('USAGE', `people ${verb} needs ${usage}; run \`facetag people --help\``);
  };
  try {
    switch (verb) {
      case 'list': {
        const people = await catalog.listPeople({ includeHidden: !!values.all });
        if (json) printJson(io, people);
        else printTable(io, ['person', 'name', 'faces', 'hidden'], people.map((p) => [p.id, p.name ?? '(unnamed)', p.faceCount, p.hidden ? 'yes' : '']));
        return 0;
      }
      case 'show': {
        need(1, 'a PERSON id');
        const id = parseId(rest[0]);
        const person = await catalog.getPerson(id);
        if (!person) throw new AppError('NOT_FOUND', `person ${id} does not exist; list people with \`facetag people list\``);
        const faces = await catalog.listFaces({ personId: id });
        if (json) return done(io, json, { ...person, faces }, '');
        io.stdout.write(`person ${person.id}: ${person.name ?? '(unnamed)'}, ${plural(person.faceCount, 'face')}${person.hidden ? ', hidden' : ''}${person.mergedInto ? `, merged into ${person.mergedInto}` : ''}\n`);
        const files = new Map<number, string>();
        for (const f of faces) if (!files.has(f.photoId)) files.set(f.photoId, readablePath((await catalog.getPhoto(f.photoId))?.path ?? `photo ${f.photoId}`));
        printTable(io, ['face', 'source', 'distance', 'quality', 'file'], faces.map((f) => [
          f.id, f.source, f.distance === null ? null : f.distance.toFixed(3), f.quality.toFixed(2), files.get(f.photoId)!,
        ]));
        return 0;
      }
      case 'name': {
        need(2, 'a PERSON id and a NAME');
        const id = parseId(rest[0]);
        const name = rest.slice(1).join(' ').trim();
        await catalog.updatePerson(id, { name: name === '' ? null : name });
        return done(io, json, { id, name: name || null }, name ? `person ${id} is now named` : `person ${id} has no name now`);
      }
      case 'merge': {
        need(2, 'INTO and FROM person ids');
        const merge = await catalog.mergePeople(parseId(rest[0]), parseId(rest[1]));
        return done(io, json, merge, `merged person ${merge.fromId} into ${merge.intoId} (${plural(merge.faceCount, 'face')}); undo with \`facetag people unmerge --merge ${merge.id}\``);
      }
      case 'unmerge': {
        const mergeId = values.merge !== undefined
          ? parseId(values.merge, 'merge')
          : (await catalog.lastMerge(rest[0] === undefined ? undefined : parseId(rest[0])))?.id;
        if (mergeId === undefined) throw new AppError('NOT_FOUND', `no merge to undo${rest[0] ? ` for person ${rest[0]}` : ''}`);
        const m = await catalog.unmerge(mergeId);
        return done(io, json, m, `undid merge ${m.id}: person ${m.fromId} is back with ${plural(m.faceCount, 'face')}`);
      }
      case 'split': {
        need(2, 'a PERSON id and the FACE ids to split off');
        const id = await catalog.splitPerson(parseId(rest[0]), rest.slice(1).map((f) => parseId(f, 'face')));
        return done(io, json, { id }, `split ${plural(rest.length - 1, 'face')} off into person ${id}`);
      }
      case 'move-face': {
        need(2, 'a FACE id and a PERSON id');
        const faceId = parseId(rest[0], 'face');
        const personId = parseId(rest[1]);
        await catalog.moveFace(faceId, personId);
        return done(io, json, { faceId, personId }, `face ${faceId} is on person ${personId} now`);
      }
      case 'reject-face': {
        need(2, 'a PERSON id and FACE ids');
        const personId = parseId(rest[0]);
        if (!(await catalog.getPerson(personId))) throw new AppError('NOT_FOUND', `person ${personId} does not exist; list people with \`facetag people list\``);
        const faces = rest.slice(1).map((f) => parseId(f, 'face'));
        for (const faceId of faces) {
          if (!(await catalog.getFace(faceId))) throw new AppError('NOT_FOUND', `face ${faceId} does not exist; list faces with \`facetag faces list\``);
        }
        for (const faceId of faces) await catalog.reject(faceId, personId);
        return done(io, json, { personId, rejected: faces }, `${plural(faces.length, 'face')} rejected from person ${personId}: ${faces.length === 1 ? 'it' : 'they'} will not be put back`);
      }
      case 'confirm': {
        need(1, 'a PERSON id');
        const personId = parseId(rest[0]);
        const faces = rest.length > 1 ? rest.slice(1).map((f) => parseId(f, 'face')) : undefined;
        const n = await catalog.confirmFaces(personId, faces);
        return done(io, json, { personId, confirmed: n }, `${plural(n, 'face')} confirmed on person ${personId}`);
      }
      case 'hide':
      case 'unhide': {
        need(1, 'a PERSON id');
        const id = parseId(rest[0]);
        await catalog.updatePerson(id, { hidden: verb === 'hide' });
        return done(io, json, { id, hidden: verb === 'hide' }, `person ${id} is ${verb === 'hide' ? 'hidden' : 'shown'}`);
      }
      case 'delete': {
        need(1, 'a PERSON id');
        const id = parseId(rest[0]);
        const removed = await catalog.deletePerson(id);
        await removeThumbs(ctx, removed.removedThumbKeys);
        return done(io, json, { id, deletedFaces: removed.faceIds.length }, `deleted person ${id} with ${plural(removed.faceIds.length, 'face')}, their embeddings and thumbnails`);
      }
      case 'suggest': {
        const params = config.cluster;
        const index = await loadIndex(catalog, embedderKey(config));
        const limit = values.limit ? Number(values.limit) : undefined;
        if (values.face !== undefined) {
          const list = await suggestPeopleForFace(ctx, index, parseId(values.face, 'face'), params, limit);
          if (json) printJson(io, list);
          else printTable(io, ['person', 'name', 'distance', 'votes', 'likely'], list.map((c) => [c.personId, c.name ?? '(unnamed)', c.distance.toFixed(3), c.votes, c.withinThreshold ? 'yes' : '']));
          return 0;
        }
        if (values.person !== undefined) {
          const list = await suggestFacesForPerson(ctx, index, parseId(values.person), params, limit);
          if (json) printJson(io, list);
          else printTable(io, ['face', 'photo', 'distance', 'now on'], list.map((c) => [c.faceId, c.photoId, c.distance.toFixed(3), c.currentPersonId]));
          return 0;
        }
        throw new AppError('USAGE', 'people suggest needs --face FACE or --person PERSON');
      }
      case 'recluster': {
        const report = await recluster(ctx, embedderKey(config), config.cluster, { dryRun: !!values['dry-run'] });
        return done(io, json, report, [
          `${report.dryRun ? 'would re-cluster' : 're-clustered'} ${plural(report.faces, 'face')}: ${report.moved} moved, ${report.newlyAssigned} newly in a person, ${report.nowUnassigned} now unassigned, ${report.unchanged} unchanged`,
          `${plural(report.keptHumanDecisions, 'human decision')} kept; people ${report.peopleBefore} -> ${report.peopleAfter} (${report.peopleCreated} new)`,
          ...(report.otherModelFaces ? [`${plural(report.otherModelFaces, 'face')} of another model ${report.otherModelFaces === 1 ? 'was' : 'were'} left alone: re-index to embed them with this model`] : []),
        ].join('\n'));
      }
      default:
        throw new AppError('USAGE', `unknown verb "people ${verb}"; run \`facetag people --help\``);
    }
  } finally {
    await ctx.close();
  }
};
