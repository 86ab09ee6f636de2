import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { AppError, toAppError } from '../errors.js';
import type { CliIo, Command } from './io.js';

const USAGE = `facetag: find the faces in your photos and group them into people

Usage: facetag <command> [options]

  index <folder>              index a photo folder (new and changed photos only); --source s3://bucket, --watch
  people list|show|name|merge|unmerge|split|move-face|reject-face|confirm|hide|unhide|delete|recluster|suggest
  who PHOTO... [--add]        who is in these photos: the nearest named people of each face
  photos list [--failed]      indexed photos, and those that could not be read
  faces list|dismiss          every face with its photo, box, scores and person; dismiss false ones
  models list|pull <id>       the face models installed, and fetching better ones
  eval detect|verify|cluster  measure detection, verification and clustering on a labelled set
  export xmp|people|faces|graph  face regions into XMP sidecars; people, faces (JSON, CSV), the graph (GraphML)
  ask "QUESTION"              ask about the library in plain language (LLM), or --spec JSON
  suggest events|names|list|accept|reject  event and name suggestions a person confirms
  graph export|import|pairs|chain|timeline
                              dump/restore the catalog (SQLite <-> Neo4j); who appears with whom
  serve                       the admin dashboard and REST API (http://127.0.0.1:8080)
  metrics collect             the cluster's metrics collector for Prometheus (http://127.0.0.1:9091/metrics)
  service detection|embedding a worker's inference service over HTTP (ports 5001, 5002)
  cluster check|up|units|firewall|targets  the cluster file: check it and its services, start this node, units, firewall
  backup [DEST]|verify|schedule  a consistent snapshot of catalog, thumbnails, credentials, config
  restore SRC [--force]       bring a backup back into the data folder
  worker [--concurrency N]    a cluster worker: analyses photos from the queue (BullMQ on Redis)
  storage init|upload|expire  S3 buckets: create the missing ones; upload a folder to incoming; delete old processed originals

Common options:
  --data DIR      data folder (default ./facetag-data, env FACETAG_DATA_DIR)
  --config FILE   config file, JSON or YAML (env FACETAG_CONFIG)
  --json          machine-readable output on stdout
  -h, --help      this help

Run \`facetag <command> --help\` for a command's own options.`;

/** Each command is loaded only when it runs, so \`facetag --help\` never loads the models. */
const commands: Record<string, () => Promise<Command>> = {
  index: async () => (await import('./index-command.js')).indexCommand,
  people: async () => (await import('./people-command.js')).peopleCommand,
  photos: async () => (await import('./photos-command.js')).photosCommand,
  who: async () => (await import('./who-command.js')).whoCommand,
  faces: async () => (await import('./faces-command.js')).facesCommand,
  models: async () => (await import('./models-command.js')).modelsCommand,
  serve: async () => (await import('../server/serve-command.js')).serveCommand,
  eval: async () => (await import('./eval-command.js')).evalCommand,
  export: async () => (await import('./export-command.js')).exportCommand,
  metrics: async () => (await import('./metrics-command.js')).metricsCommand,
  service: async () => (await import('./service-command.js')).serviceCommand,
  cluster: async () => (await import('./cluster-command.js')).clusterCommand,
  ask: async () => (await import('./ask-command.js')).askCommand,
  suggest: async () => (await import('./suggest-command.js')).suggestCommand,
  graph: async () => (await import('./graph-command.js')).graphCommand,
  backup: async () => (await import('./backup-command.js')).backupCommand,
  restore: async () => (await import('./backup-command.js')).restoreCommand,
  worker: async () => (await import('./worker-command.js')).workerCommand,
  storage: async () => (await import('./storage-command.js')).storageCommand,
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return name ? 0 : 64;
  }
  const load = commands[name];
  if (!load) {
    io.stderr.write(`facetag: unknown command "${name}"; run \`facetag --help\` for the list\n`);
    return 64;
  }
  // --config and --data are common to every command: take them out before the command parses.
  const { values: common, tokens } = parseArgs({
    args: rest, strict: false, tokens: true,
    options: { config: { type: 'string' }, data: { type: 'string' } },
  });
  const args = removeOptions(rest, tokens, ['config', 'data']);
  try {
    const command = await load();
    return await command({
      args,
      io,
      config: (flags = {}) =>
        loadConfig({
          file: typeof common.config === 'string' ? common.config : undefined,
          env: io.env,
          cwd: io.cwd,
          flags: { ...flags, data: { ...(flags.data ?? {}), dir: typeof common.data === 'string' ? common.data : undefined } },
        }),
    });
  } catch (error) {
    const e = toAppError(error);
    const argError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (argError) {
      io.stderr.write(`facetag ${name}: ${(error as Error).message}; run \`facetag ${name} --help\`\n`);
      return 64;
    }
    io.stderr.write(`facetag: ${e.message} [${e.code}]\n`);
    if (e.code === 'INTERNAL' && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return e.exitCode;
  }
}

function removeOptions(args: string[], tokens: ReturnType<typeof parseArgs>['tokens'] & object, names: string[]): string[] {
  const drop = new Set<number>();
  for (const t of tokens) {
    if (t.kind !== 'option' || !names.includes(t.name)) continue;
    drop.add(t.index);
    if (!t.inlineValue && t.value !== undefined) drop.add(t.index + 1);
  }
  return args.filter((_, i) => !drop.has(i));
}

export { AppError };
