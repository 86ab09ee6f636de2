import { parseArgs } from 'node:util';
import { createContext } from '../context.js';
import { AppError } from '../errors.js';
import { printJson, printTable, type Command } from './io.js';
import { parseId } from './people-command.js';
import { plural } from '../plural.js';
import { readablePath } from '../sources/file-key.js';

const HELP = `Usage: facetag faces list [--person ID] [--unassigned] [--embeddings] [--limit N] [--json]
       facetag faces dismiss FACE...    not a face: delete it, and never detect it there again

Every face: its photo's file path, box {x, y, w, h} in pixels of the oriented photo, detection
score, quality, person id (or null); with --embeddings, the embedding as an array of numbers.`;

export const facesCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, embeddings: { type: 'boolean' }, unassigned: { type: 'boolean' },
      person: { type: 'string' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals[0] === 'dismiss' && !values.help) {
    const ids = positionals.slice(1).map((f) => parseId(f, 'face'));
    if (ids.length === 0) throw new AppError('USAGE', 'faces dismiss needs the FACE ids that are not faces; see `facetag faces list`');
    const ctx = await createContext(load(), 'cli');
    try {
      for (const id of ids) {
        const { removedThumbKeys } = await ctx.catalog.dismissFace(id);
        for (const key of removedThumbKeys) await ctx.blobs.delete(key);
      }
    } finally {
      await ctx.close();
    }
    if (values.json) printJson(io, { dismissed: ids });
    else io.stdout.write(`${plural(ids.length, 'face')} dismissed: not faces, and not detected there again\n`);
    return 0;
  }
  if (values.help || positionals[0] !== 'list') {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  const ctx = await createContext(load(), 'cli');
  try {
    const personId = values.person === undefined ? undefined : Number(values.person);
    if (personId !== undefined && !Number.isInteger(personId)) throw new AppError('USAGE', `--person "${values.person}" is not a person id; see \`facetag people list\``);
    const faces = await ctx.catalog.listFaces({
      ...(personId !== undefined ? { personId } : {}),
      ...(values.unassigned ? { unassigned: true } : {}),
      ...(values.limit ? { limit: Number(values.limit) } : {}),
    });
    const photoPaths = new Map<number, string>();
    const out = [];
    for (const f of faces) {
      if (!photoPaths.has(f.photoId)) photoPaths.set(f.photoId, (await ctx.catalog.getPhoto(f.photoId))?.path ?? '');
      const round = (v: number) => Math.round(v * 10) / 10;
      out.push({
        id: f.id, photoId: f.photoId, file: photoPaths.get(f.photoId)!,
        box: { x: round(f.box.x), y: round(f.box.y), w: round(f.box.w), h: round(f.box.h) },
        detScore: Math.round(f.detScore * 1000) / 1000, quality: Math.round(f.quality * 1000) / 1000,
        personId: f.personId, source: f.source, model: f.model, manual: f.manual, doubtful: f.doubtful, thumbKey: f.thumbKey,
        ...(values.embeddings ? { embedding: Array.from((await ctx.catalog.getEmbedding(f.id)) ?? []) } : {}),
      });
    }
    if (values.json) printJson(io, out);
    else printTable(io, ['face', 'person', 'score', 'quality', 'box', 'file'], out.map((f) => [
      f.id, f.personId, f.detScore, f.quality, `${f.box.x},${f.box.y} ${f.box.w}x${f.box.h}`, readablePath(f.file),
    ]));
    return 0;
  } finally {
    await ctx.close();
  }
};
