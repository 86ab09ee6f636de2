import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BackupDestination } from '../backup/backup-destination.js';
import { createBackup, restoreBackup, verifyBackup } from '../backup/backup.js';
import { catalogPartFor } from '../backup/catalog-part.js';
import { createFolderDestination, pruneSnapshots, snapshotName } from '../backup/folder-destination.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { createContext, logsDir } from '../context.js';
import { launchdLabel, launchdPlist, systemdService, systemdTimer, type UnitSpec } from '../deploy/units.js';
import { AppError } from '../errors.js';
import { createLogger } from '../log.js';
import { printJson, type Command } from './io.js';
import { plural } from '../plural.js';

const BACKUP_HELP = `Usage: facetag backup [DEST] [--json]
       facetag backup verify SRC [--json]
       facetag backup schedule --print systemd|launchd [--out DIR] [--user NAME]

backup DEST      a consistent snapshot of the catalog, face thumbnails, dashboard credentials
                 and config file into the new folder DEST, with a manifest of sha256 sums.
                 Safe while facetag indexes or serves. Without DEST: a new
                 facetag-<UTC time> folder in backup.dir (FACETAG_BACKUP_DIR), keeping the
                 newest backup.keep (default 7).
verify SRC       check every file of a backup against its manifest
schedule         the daily backup (backup.at, default 03:30) as a systemd service + timer or
                 a launchd plist, printed or written into --out DIR; see docs/BACKUP.md
Restore with \`facetag restore SRC\`.`;

const RESTORE_HELP = `Usage: facetag restore SRC [--force] [--json]

Brings back a backup written by \`facetag backup\` into the data folder (--data DIR): every
file is checked against the manifest first; a data folder that already holds a library is
refused unless --force (which replaces it). Stop every facetag process of the folder first.
The backup's config file is left in <data>/restored-config/, never over your own.`;

/** A backup location: a folder now; \`s3://bucket/prefix\` when the object-store adapter lands. */
export function openDestination(spec: string, cwd: string): BackupDestination {
  if (/^[a-z0-9]+:\/\//i.test(spec)) {
    throw new AppError('USAGE', `backup destination "${spec}" is a URL; this build backs up to folders only: give a folder (a mounted disk or NAS share)`);
  }
  return createFolderDestination(resolve(cwd, spec));
}

const BIN = fileURLToPath(new URL('../../bin/facetag.js', import.meta.url));

/** The daily backup as a unit spec: `facetag backup` into backup.dir with this config and data folder. */
export function backupUnitSpec(config: ResolvedConfig, options: { node: string; bin?: string; user?: string | undefined; cwd: string }): UnitSpec {
  if (!config.backup.dir) {
    throw new AppError('USAGE', 'the daily backup needs a folder to write into: set backup.dir in the config file or FACETAG_BACKUP_DIR (another disk, or a NAS mount)');
  }
  const [hour, minute] = config.backup.at.split(':').map(Number) as [number, number];
  return {
    name: 'facetag-backup',
    description: 'facetag backup of the catalog, face thumbnails and credentials',
    command: [options.node, options.bin ?? BIN, 'backup', '--data', config.data.dir, ...(config.configFile ? ['--config', config.configFile] : [])],
    workingDirectory: options.cwd,
    // The destination and retention as resolved now (file, environment or default), so the
    // job does the same thing whatever environment the init system gives it.
    environment: { FACETAG_BACKUP_DIR: config.backup.dir, FACETAG_BACKUP_KEEP: String(config.backup.keep) },
    daily: { hour, minute },
    logDir: logsDir(config),
    background: true,
    ...(options.user ? { user: options.user } : {}),
  };
}

export const backupCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, print: { type: 'string' }, out: { type: 'string' }, user: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${BACKUP_HELP}\n`);
    return 0;
  }
  const [verb, arg, extra] = positionals;
  if (verb === 'schedule') {
    if (values.print !== 'systemd' && values.print !== 'launchd') {
      throw new AppError('USAGE', `backup schedule needs --print systemd or --print launchd${values.print ? `, not "${values.print}"` : ''}`);
    }
    const spec = backupUnitSpec(load(), { node: process.execPath, user: values.user, cwd: io.cwd });
    const files: Record<string, string> = values.print === 'systemd'
      ? { [`${spec.name}.service`]: systemdService(spec), [`${spec.name}.timer`]: systemdTimer(spec) }
      : { [`${launchdLabel(spec)}.plist`]: launchdPlist(spec) };
    if (values.out) {
      const out = resolve(io.cwd, values.out);
      mkdirSync(out, { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
      io.stdout.write(`${Object.keys(files).map((n) => join(out, n)).join('\n')}\n`);
    } else {
      for (const [name, text] of Object.entries(files)) io.stdout.write(`# ${name}\n${text}\n`);
    }
    return 0;
  }
  if (verb === 'verify') {
    if (!arg || extra) throw new AppError('USAGE', 'backup verify takes one backup folder, e.g. `facetag backup verify /mnt/backup/facetag-20261128T033000.000Z`');
    const manifest = await verifyBackup(openDestination(arg, io.cwd));
    if (values.json) printJson(io, { ok: true, createdAt: manifest.createdAt, files: manifest.files.length, counts: manifest.catalog.counts });
    else io.stdout.write(`backup of ${manifest.createdAt} is intact: ${plural(manifest.files.length, 'file')} match${manifest.files.length === 1 ? 'es' : ''} their sha256\n`);
    return 0;
  }
  if (arg) throw new AppError('USAGE', `backup takes one destination folder, got "${verb}" and "${arg}"; run \`facetag backup --help\``);
  const config = load();
  const now = new Date();
  const root = verb ? null : config.backup.dir;
  if (!verb && !root) throw new AppError('USAGE', 'backup needs a destination folder: `facetag backup DEST`, or backup.dir in the config (FACETAG_BACKUP_DIR)');
  const dest = verb ?? join(root!, snapshotName(now));
  const destination = openDestination(dest, io.cwd);
  catalogPartFor(config).requireCatalog();
  const ctx = await createContext(config, 'backup');
  try {
    const manifest = await createBackup(ctx, destination, now);
    const pruned = root ? await pruneSnapshots(root, config.backup.keep) : [];
    const bytes = manifest.files.reduce((s, f) => s + f.bytes, 0);
    if (values.json) printJson(io, { dest: resolve(io.cwd, dest), createdAt: manifest.createdAt, files: manifest.files.length, bytes, counts: manifest.catalog.counts, pruned });
    else {
      const c = manifest.catalog.counts;
      io.stdout.write(`backup written to ${resolve(io.cwd, dest)}: ${plural(c.photos, 'photo')}, ${plural(c.faces, 'face')}, ${plural(c.people, 'person', 'people')}, ${plural(manifest.files.length, 'file')}, ${(bytes / 1e6).toFixed(1)} MB\n`);
      if (pruned.length > 0) io.stdout.write(`removed ${plural(pruned.length, 'older backup')}: ${pruned.join(', ')}\n`);
    }
    return 0;
  } finally {
    await ctx.close();
  }
};

export const restoreCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(`${RESTORE_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new AppError('USAGE', 'restore takes one backup folder, e.g. `facetag restore /mnt/backup/facetag-20261128T033000.000Z --data ./facetag-data`');
  const config = load();
  const log = createLogger({ ...config.log, dir: logsDir(config), component: 'backup' });
  try {
    const result = await restoreBackup(config, openDestination(positionals[0]!, io.cwd), {
      force: values.force === true, log, open: (c) => createContext(c, 'backup', { create: true }),
    });
    if (values.json) printJson(io, { createdAt: result.manifest.createdAt, counts: result.counts, blobs: result.blobs, configFile: result.configFile });
    else {
      const c = result.counts;
      io.stdout.write(`restored the backup of ${result.manifest.createdAt} into ${config.data.dir}: ${plural(c.photos, 'photo')}, ${plural(c.faces, 'face')}, ${plural(c.people, 'person', 'people')}\n`);
      if (result.configFile) io.stdout.write(`its config file is in ${result.configFile}; compare it with yours\n`);
    }
    return 0;
  } finally {
    log.flush();
  }
};
