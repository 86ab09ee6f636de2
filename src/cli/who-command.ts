import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { embedderKey } from '../clustering/cluster-params.js';
import { loadIndex } from '../clustering/suggestions.js';
import type { VectorIndex } from '../clustering/vector-index.js';
import { createContext, startAnalysisPool } from '../context.js';
import { AppError, errorCodes, toAppError, type ErrorCode } from '../errors.js';
import { faceNeighbours } from '../recognition/face-neighbours.js';
import type { PersonMatch } from '../recognition/nearest-people.js';
import { recognizeFaces, selectFaces } from '../recognition/recognize-faces.js';
import { MATCH_SIMILARITY } from '../recognition/similarity.js';
import { sha256Of, storeAnalysedPhoto } from '../recognition/store-recognized.js';
import type { Box } from '../vision/image.js';
import { printJson, type CliIo, type Command } from './io.js';

const HELP = `Usage: facetag who PHOTO... [--limit N] [--add] [--json]

Who is in these photos: every face found, with its box and the nearest named people of the
library, each with a similarity (0-1; ${MATCH_SIMILARITY} is the library's match threshold) and
whether it is a match. Hidden people are never shown. Nothing is stored unless --add.

  --limit N   named people per face, nearest first (default 1)
  --add       also index the photos into the library, like \`facetag index\` would
  --json      one JSON array on stdout: per photo its faces, people and what was stored`;

export interface WhoFace {
  box: Box;
  detScore: number;
  quality: number;
  people: PersonMatch[];
}

export interface WhoPhoto {
  file: string;
  faces: WhoFace[];
  stored: { photoId: number; faceIds: Array<number | null> } | null;
  error: { code: ErrorCode; message: string } | null;
}

export const whoCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { limit: { type: 'string' }, add: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new AppError('USAGE', 'who needs at least one PHOTO; e.g. `facetag who door.jpg`');
  const limit = values.limit === undefined ? 1 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new AppError('USAGE', `--limit "${values.limit}" must be a whole number of people from 1 to 100`);

  const config = load();
  // Only --add writes (and so may make the library); recognising against no library is a mistyped --data.
  const ctx = await createContext(config, 'cli', { create: !!values.add });
  try {
    const pool = await startAnalysisPool(config, Math.min(config.index.concurrency, positionals.length));
    try {
      const embedderId = embedderKey(config);
      let index: Promise<VectorIndex> | null = null;
      const libraryIndex = () => (index ??= loadIndex(ctx.catalog, embedderId));
      const neighbours = faceNeighbours(ctx, embedderId, libraryIndex);
      const params = config.cluster;
      const out: WhoPhoto[] = [];
      // One photo at a time: with --add, a later photo is recognised against the earlier ones too.
      for (const file of positionals) {
        const photo: WhoPhoto = { file, faces: [], stored: null, error: null };
        try {
          const path = resolve(io.cwd, file);
          const info = await stat(path).catch(() => null);
          if (!info?.isFile()) throw new AppError('PHOTO_UNREADABLE', `${file} is not a file; give the path of a photo`);
          if (info.size > config.index.maxFileBytes) throw new AppError('PHOTO_TOO_LARGE', `${file} is ${info.size} bytes, over index.maxFileBytes ${config.index.maxFileBytes}; raise FACETAG_INDEX_MAX_FILE_BYTES if it is a genuine photo`);
          const bytes = await readFile(path);
          const analysis = await pool.analyse(bytes);
          const faces = selectFaces(analysis.faces);
          const found = await recognizeFaces(ctx, neighbours, faces, { peoplePerFace: limit, threshold: params.maxDistance });
          photo.faces = found.map(({ face, people }) => ({ box: face.box, detScore: face.detScore, quality: face.quality.quality, people }));
          if (values.add) {
            const stored = await storeAnalysedPhoto(ctx, pool, await libraryIndex(), params, { key: path, bytes, sha256: sha256Of(bytes), mtimeMs: info.mtimeMs, analysis });
            photo.stored = { photoId: stored.photoId, faceIds: faces.map((f) => stored.faceIds[analysis.faces.indexOf(f)] ?? null) };
          }
        } catch (error) {
          const e = toAppError(error);
          photo.error = { code: e.code, message: e.message };
        }
        out.push(photo);
      }
      if (values.json) printJson(io, out);
      else printWho(io, out);
      // Every photo is answered; the exit code says whether one could not be read.
      const failed = out.find((p) => p.error)?.error;
      return failed ? errorCodes[failed.code].exit : 0;
    } finally {
      await pool.close();
    }
  } finally {
    await ctx.close();
  }
};

function printWho(io: CliIo, photos: WhoPhoto[]) {
  const round = (v: number) => Math.round(v);
  for (const p of photos) {
    if (p.error) {
      io.stdout.write(`${p.file}: not read: ${p.error.message} [${p.error.code}]\n`);
      continue;
    }
    const stored = p.stored ? `; added to the library as photo ${p.stored.photoId}` : '';
    io.stdout.write(`${p.file}: ${p.faces.length === 0 ? 'no face found' : p.faces.length === 1 ? '1 face' : `${p.faces.length} faces`}${stored}\n`);
    p.faces.forEach((f, i) => {
      const where = `at ${round(f.box.x)},${round(f.box.y)} ${round(f.box.w)}x${round(f.box.h)} (score ${f.detScore.toFixed(2)})`;
      const who = f.people.length === 0
        ? 'no named person in the library'
        : f.people.map((m) => `${m.name} (similarity ${m.similarity.toFixed(2)}${m.match ? ', match' : ', not a match'})`).join('; ');
      io.stdout.write(`  face ${i + 1} ${where}: ${who}\n`);
    });
  }
}
