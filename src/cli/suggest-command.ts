import { parseArgs } from 'node:util';
import type { SuggestionKind, SuggestionRecord, SuggestionStatus } from '../catalog/catalog.js';
import { createLlmClient } from '../annotate/llm-client.js';
import { suggestCaptions } from '../annotate/suggest-captions.js';
import { suggestEvents } from '../annotate/suggest-events.js';
import { suggestNames } from '../annotate/suggest-names.js';
import { acceptSuggestion, rejectSuggestion, suggestionEditSchema } from '../annotate/suggestion-actions.js';
import { createContext } from '../context.js';
import { AppError } from '../errors.js';
import { llmFlags, llmOptions } from './ask-command.js';
import { printJson, type CliIo, type Command } from './io.js';
import { plural } from '../plural.js';

const HELP = `Usage: facetag suggest <verb> [options] [--json]

Suggestions from the LLM (or, with the LLM off, from dates alone) wait for a person:
nothing is an event or a name until you accept it.

  events [--gap-hours H] [--min-photos N] [--max-groups N]
                     group photos not in an event by time and place, and propose each group
                     as an event (titled by the LLM from folder names, keywords, captions,
                     places and people present; titled by date with the LLM off)
  names [--limit N]  for unnamed people, propose a name their photos' folder names, file
                     names, keywords and captions support, quoted; needs the LLM
  captions [--limit N] [--photo ID]
                     a caption and labels per photo from a vision-capable model (the photo is
                     sent, shrunk to 512 px; llm.visionModel); needs the LLM
  list [--kind event|name|caption] [--status pending|accepted|rejected|edited|all]
                     suggestions (default: pending), newest first
  accept ID [--title T] [--type T] [--place P] [--name N] [--caption C]
                     apply a suggestion, optionally edited first
  reject ID          turn a suggestion down (it is not proposed again)

  --llm-url URL      OpenAI-compatible API base URL (env FACETAG_LLM_URL)
  --llm-model MODEL  model id (env FACETAG_LLM_MODEL)`;

const number = (v: string | undefined, what: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new AppError('USAGE', `--${what} "${v}" is not a positive number`);
  return n;
};

function summary(s: SuggestionRecord): string {
  const p = s.payload;
  if (s.kind === 'event') return `"${p.title}"${p.type ? ` (${p.type})` : ''}${p.placeName ? ` at ${p.placeName}` : ''}: ${plural((p.photoIds as number[]).length, 'photo')}, ${String(p.startAt).slice(0, 10)} to ${String(p.endAt).slice(0, 10)}`;
  if (s.kind === 'name') return `person ${p.personId} is "${p.name}"${p.existingPersonId ? ` (person ${p.existingPersonId} has that name: merge?)` : ''}`;
  return `photo ${p.photoId}: "${p.caption}" [${(p.labels as string[] | undefined ?? []).join(', ')}]`;
}

function printSuggestions(io: CliIo, list: SuggestionRecord[]) {
  if (list.length === 0) {
    io.stdout.write('No suggestions.\n');
    return;
  }
  for (const s of list) {
    io.stdout.write(`#${s.id} ${s.kind} [${s.status}] ${summary(s)}${s.model ? `  (by ${s.model})` : ''}\n`);
    if (typeof s.payload.warning === 'string') io.stdout.write(`    WARNING: ${s.payload.warning}\n`);
    for (const e of s.evidence.slice(0, 8)) io.stdout.write(`    evidence: ${e}\n`);
  }
}

export const suggestCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...llmOptions,
      'gap-hours': { type: 'string' }, 'min-photos': { type: 'string' }, 'max-groups': { type: 'string' }, limit: { type: 'string' },
      kind: { type: 'string' }, status: { type: 'string' },
      title: { type: 'string' }, type: { type: 'string' }, place: { type: 'string' }, name: { type: 'string' }, caption: { type: 'string' },
      photo: { type: 'string', multiple: true },
    },
  });
  const [verb, ...rest] = positionals;
  if (values.help || !verb) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  if (!['events', 'names', 'captions', 'list', 'accept', 'reject'].includes(verb)) throw new AppError('USAGE', `unknown verb "${verb}"; run \`facetag suggest --help\``);
  const ctx = await createContext(load(llmFlags(values)), 'cli');
  try {
    const { catalog, log } = ctx;
    const llm = createLlmClient(ctx.config.llm, { log });
    if (verb === 'events') {
      const r = await suggestEvents({ catalog, llm, log }, {
        gapHours: number(values['gap-hours'], 'gap-hours'), minPhotos: number(values['min-photos'], 'min-photos'), maxGroups: number(values['max-groups'], 'max-groups'),
      });
      if (values.json) printJson(io, r);
      else {
        if (r.llm === 'off') io.stdout.write('The LLM is off (set FACETAG_LLM_URL or --llm-url): events are titled by their dates.\n');
        io.stdout.write(`${r.groups} groups of photos; ${r.created.length} new suggestions, ${r.known} already suggested.\n`);
        printSuggestions(io, r.created);
        for (const e of r.errors) io.stdout.write(`Not suggested: ${e}\n`);
        if (r.created.length) io.stdout.write('Accept with `facetag suggest accept ID` (edit with --title, --type, --place), or reject.\n');
      }
      return 0;
    }
    if (verb === 'names') {
      const r = await suggestNames({ catalog, llm, log }, { limit: number(values.limit, 'limit') });
      if (values.json) printJson(io, r);
      else {
        io.stdout.write(`${r.people} unnamed people looked at; ${r.created.length} new suggestions, ${r.known} already suggested, ${r.noEvidence.length} with no evidence (not asked).\n`);
        printSuggestions(io, r.created);
        for (const d of r.discarded) io.stdout.write(`Person ${d.personId}: no suggestion (${d.reason})\n`);
        for (const e of r.errors) io.stdout.write(`Not suggested: ${e}\n`);
      }
      return 0;
    }
    if (verb === 'captions') {
      const photoIds = values.photo?.map((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0) throw new AppError('USAGE', `--photo "${v}" is not a photo id; see \`facetag photos list\``);
        return n;
      });
      const r = await suggestCaptions({ catalog, llm, log, config: ctx.config }, { limit: number(values.limit, 'limit'), ...(photoIds ? { photoIds } : {}) });
      if (values.json) printJson(io, r);
      else {
        io.stdout.write(`${plural(r.photos, 'photo')} captioned: ${plural(r.created.length, 'new suggestion')}, ${r.known} already suggested.\n`);
        printSuggestions(io, r.created);
        for (const e of r.errors) io.stdout.write(`Not suggested: ${e}\n`);
      }
      return 0;
    }
    if (verb === 'list') {
      const kinds = ['event', 'name', 'caption'];
      if (values.kind && !kinds.includes(values.kind)) throw new AppError('USAGE', `--kind "${values.kind}": use event, name or caption`);
      const statuses = ['pending', 'accepted', 'rejected', 'edited', 'all'];
      if (values.status && !statuses.includes(values.status)) throw new AppError('USAGE', `--status "${values.status}": use ${statuses.join(', ')}`);
      const status = values.status === 'all' ? undefined : ((values.status ?? 'pending') as SuggestionStatus);
      const list = await catalog.listSuggestions({ kind: values.kind as SuggestionKind | undefined, status, limit: Number(values.limit ?? 100) });
      if (values.json) printJson(io, list);
      else printSuggestions(io, list);
      return 0;
    }
    const id = Number(rest[0]);
    if (!Number.isInteger(id) || id <= 0) throw new AppError('USAGE', `"${rest[0] ?? ''}" is not a suggestion id; ids are the #numbers in \`facetag suggest list\``);
    if (verb === 'reject') {
      const s = await rejectSuggestion({ catalog }, id);
      if (values.json) printJson(io, s);
      else io.stdout.write(`Suggestion ${id} rejected.\n`);
      return 0;
    }
    const edit = suggestionEditSchema.safeParse({
      ...(values.title !== undefined ? { title: values.title } : {}), ...(values.type !== undefined ? { type: values.type } : {}),
      ...(values.place !== undefined ? { placeName: values.place } : {}), ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.caption !== undefined ? { caption: values.caption } : {}),
    });
    if (!edit.success) throw new AppError('USAGE', edit.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
    const s = await acceptSuggestion({ catalog }, id, edit.data);
    if (values.json) printJson(io, s);
    else io.stdout.write(s.kind === 'event'
      ? `Event ${s.resolution!.eventId} "${s.resolution!.title}" created (suggestion ${id} ${s.status}).\n`
      : s.kind === 'name'
        ? `Person ${s.resolution!.personId} named "${s.resolution!.name}" (suggestion ${id} ${s.status}).\n`
        : `Caption of photo ${s.resolution!.photoId} kept: "${s.resolution!.caption}" (suggestion ${id} ${s.status}).\n`);
    return 0;
  } finally {
    await ctx.close();
  }
};
