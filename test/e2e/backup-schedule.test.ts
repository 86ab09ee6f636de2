import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleBackupUnits } from '../../scripts/deploy-examples.js';
import { BIN, REPO, runFacetag } from '../helpers/cli.js';
import { parsePlist, plistlibRead } from '../helpers/plist.js';
import { requireTool } from '../helpers/tools.js';

describe('facetag backup schedule (the real CLI)', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-schedule-'));
  const data = join(root, 'data');
  const config = join(root, 'facetag.yaml');
  writeFileSync(config, `backup:\n  dir: ${JSON.stringify(join(root, 'backups'))}\n  at: "02:45"\n  keep: 14\n`);

  it('writes a systemd service and timer for the configured folder, time and retention, that systemd-analyze accepts', async (ctx) => {
    const out = join(root, 'systemd');
    const r = await runFacetag(['backup', 'schedule', '--print', 'systemd', '--out', out, '--data', data, '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([join(out, 'facetag-backup.service'), join(out, 'facetag-backup.timer')]);
    const service = readFileSync(join(out, 'facetag-backup.service'), 'utf8');
    expect(service).toContain(`ExecStart=${process.execPath} ${BIN} backup --data ${data} --config ${config}\n`);
    expect(service).toContain(`Environment=FACETAG_BACKUP_DIR=${join(root, 'backups')}\n`);
    expect(service).toContain('Environment=FACETAG_BACKUP_KEEP=14\n');
    expect(service).toContain(`WorkingDirectory=${REPO.replace(/\/$/, '')}\n`);
    expect(readFileSync(join(out, 'facetag-backup.timer'), 'utf8')).toContain('OnCalendar=*-*-* 02:45:00\n');
    if (!requireTool(['systemd-analyze', '--version'], 'systemd unit verification')) return ctx.skip();
    const verify = spawnSync('systemd-analyze', ['verify', join(out, 'facetag-backup.service'), join(out, 'facetag-backup.timer')], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it('prints a launchd plist that parses, with the same job', async () => {
    const r = await runFacetag(['backup', 'schedule', '--print', 'launchd', '--data', data, '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('# org.facetag.backup.plist\n')).toBe(true);
    const text = r.stdout.slice(r.stdout.indexOf('\n') + 1);
    const plist = parsePlist(text) as Record<string, any>;
    expect(plist.ProgramArguments).toEqual([process.execPath, BIN, 'backup', '--data', data, '--config', config]);
    expect(plist.StartCalendarInterval).toEqual({ Hour: 2, Minute: 45 });
    expect(plist.EnvironmentVariables).toEqual({ FACETAG_BACKUP_DIR: join(root, 'backups'), FACETAG_BACKUP_KEEP: '14' });
    const file = join(root, 'org.facetag.backup.plist');
    writeFileSync(file, text);
    const independent = plistlibRead(file);
    if (independent !== null) expect(independent).toEqual(plist);
  });

  it('says what is missing: a backup folder, or which init system', async () => {
    const noDir = await runFacetag(['backup', 'schedule', '--print', 'systemd', '--data', data]);
    expect(noDir.code).toBe(64);
    expect(noDir.stderr).toMatch(/set backup\.dir in the config file or FACETAG_BACKUP_DIR/);
    const bad = await runFacetag(['backup', 'schedule', '--print', 'cron', '--data', data, '--config', config]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--print systemd or --print launchd, not "cron"/);
    const badTime = await runFacetag(['backup', 'schedule', '--print', 'systemd', '--data', data], { env: { FACETAG_BACKUP_DIR: root, FACETAG_BACKUP_AT: '25:00' } });
    expect(badTime.code).toBe(78);
    expect(badTime.stderr).toMatch(/backup\.at = "25:00" from environment variable FACETAG_BACKUP_AT is invalid: must be a time of day HH:MM/);
  });

  it('the examples in deploy/systemd and deploy/launchd are what the generator writes (scripts/deploy-examples.ts)', () => {
    for (const [path, text] of Object.entries(exampleBackupUnits())) {
      expect(readFileSync(join(REPO, path), 'utf8'), `${path} is stale: run node --import tsx scripts/deploy-examples.ts`).toBe(text);
    }
  });
});
