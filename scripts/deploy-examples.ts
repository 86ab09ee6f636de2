// Writes the example backup units in deploy/systemd and deploy/launchd: what
// `facetag backup schedule` generates for an install in /opt/facetag (Linux) or
// /usr/local/facetag (macOS). A test checks they are up to date; run after changing the generator:
//   node --import tsx scripts/deploy-examples.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupUnitSpec } from '../src/cli/backup-command.js';
import { loadConfig } from '../src/config/load-config.js';
import { launchdLabel, launchdPlist, systemdService, systemdTimer } from '../src/deploy/units.js';

export function exampleBackupUnits(): Record<string, string> {
  const linux = loadConfig({ env: { FACETAG_DATA_DIR: '/var/lib/facetag', FACETAG_BACKUP_DIR: '/mnt/backup/facetag', FACETAG_LOG_DIR: '/var/log/facetag' }, cwd: '/opt/facetag' });
  const linuxSpec = backupUnitSpec(linux, { node: '/usr/bin/node', bin: '/opt/facetag/bin/facetag.js', user: 'facetag', cwd: '/opt/facetag' });
  const mac = loadConfig({ env: { FACETAG_DATA_DIR: '/usr/local/var/facetag', FACETAG_BACKUP_DIR: '/Volumes/Backup/facetag', FACETAG_LOG_DIR: '/usr/local/var/log/facetag' }, cwd: '/usr/local/facetag' });
  const macSpec = backupUnitSpec(mac, { node: '/opt/homebrew/bin/node', bin: '/usr/local/facetag/bin/facetag.js', cwd: '/usr/local/facetag' });
  return {
    'deploy/systemd/facetag-backup.service': systemdService(linuxSpec),
    'deploy/systemd/facetag-backup.timer': systemdTimer(linuxSpec),
    [`deploy/launchd/${launchdLabel(macSpec)}.plist`]: launchdPlist(macSpec),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  for (const [path, text] of Object.entries(exampleBackupUnits())) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
    console.log(path);
  }
}
