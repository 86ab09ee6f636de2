import { parseArgs } from 'node:util';
import { modelsDir } from '../context.js';
import { AppError } from '../errors.js';
import { findModel } from '../vision/model-manifest.js';
import { listModels } from '../vision/model-registry.js';
import { pullModel } from '../vision/models-pull.js';
import { printJson, printTable, type Command } from './io.js';

const HELP = `Usage: facetag models list [--json]
       facetag models pull <id> [--url URL]

list  every model facetag knows: kind, licence, whether it is installed, which is in use
pull  download a model from its public URL (or a mirror given by --url), check its pinned
      sha256 and input shape, and install it; then select it in the config, e.g.
      FACETAG_VISION_DETECTOR=yunet-2023mar`;

export const modelsCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [verb, id] = positionals;
  if (values.help || !verb) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  const config = load();
  const dir = modelsDir(config);
  if (verb === 'list') {
    const inUse = new Set([config.vision.detector, config.vision.embedder]);
    const models = listModels(dir).map((m) => ({
      id: m.id, version: m.version, kind: m.kind, licence: m.licence, installed: m.installed, inUse: inUse.has(m.id),
      builtIn: m.builtIn, sha256: m.sha256, bytes: m.bytes, tuned: m.tuned, path: m.path,
    }));
    if (values.json) printJson(io, models);
    else printTable(io, ['model', 'kind', 'licence', 'installed', 'in use', 'from'], models.map((m) => [
      `${m.id}@${m.version}`, m.kind, m.licence, m.installed ? 'yes' : 'no', m.inUse ? 'yes' : '', m.builtIn ? 'npm ci' : 'models pull',
    ]));
    return 0;
  }
  if (verb === 'pull') {
    const entry = id ? findModel(id) : undefined;
    if (!entry || entry.builtIn) {
      const pullable = listModels(dir).filter((m) => !m.builtIn).map((m) => m.id).join(', ');
      throw new AppError('USAGE', `"${id ?? ''}" is not a model to pull; choose one of: ${pullable}`);
    }
    const result = await pullModel(entry, dir, values.url ? { url: values.url } : {});
    if (values.json) printJson(io, { id: entry.id, ...result });
    else io.stdout.write(`installed ${entry.id}@${entry.version} (${result.bytes} bytes, sha256 checked) into ${result.path}\n`);
    return 0;
  }
  throw new AppError('USAGE', `unknown verb "models ${verb}"; run \`facetag models --help\``);
};
