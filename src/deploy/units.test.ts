import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlist, plistlibRead } from '../../test/helpers/plist.js';
import { requireTool } from '../../test/helpers/tools.js';
import { launchdLabel, launchdPlist, systemdService, systemdTimer, type UnitSpec } from './units.js';

// A long-running role with the awkward characters a path or value may hold.
const role: UnitSpec = {
  name: 'facetag-server',
  description: 'facetag dashboard & REST API',
  command: [process.execPath, '/opt/face tag/bin/facetag.js', 'serve', '--data', '/srv/facetag data', '--note', '100% "quoted"'],
  workingDirectory: '/opt/face tag',
  environment: { FACETAG_SERVER_HOST: '0.0.0.0', FACETAG_LOG_LEVELS: 'server=debug,index=info' },
  logDir: '/var/log/facetag',
  after: ['redis-server.service'],
};
const daily: UnitSpec = { ...role, name: 'facetag-backup', command: [process.execPath, '/opt/facetag/bin/facetag.js', 'backup'], daily: { hour: 3, minute: 5 }, background: true };

describe('service definitions from one spec', () => {
  it('systemd: a long-running role restarts on failure; arguments with spaces, quotes and % survive', () => {
    const text = systemdService(role);
    expect(text).toContain('Type=simple\n');
    expect(text).toContain('Restart=on-failure\n');
    expect(text).toContain('After=network-online.target redis-server.service\n');
    expect(text).toContain(`ExecStart=${process.execPath} "/opt/face tag/bin/facetag.js" serve --data "/srv/facetag data" --note "100%% \\"quoted\\""\n`);
    expect(text).toContain('Environment=FACETAG_LOG_LEVELS=server=debug,index=info\n');
    expect(text).toContain('WantedBy=multi-user.target');
    expect(() => systemdTimer(role)).toThrow(/only a daily or periodic job has a timer/);
  });

  it('systemd: a daily job is a oneshot service with a persistent timer', () => {
    const service = systemdService(daily);
    expect(service).toContain('Type=oneshot\n');
    expect(service).not.toContain('Restart=');
    expect(service).not.toContain('[Install]');
    expect(service).toContain('IOSchedulingClass=idle\n');
    const timer = systemdTimer(daily);
    expect(timer).toContain('OnCalendar=*-*-* 03:05:00\n');
    expect(timer).toContain('Persistent=true\n');
    expect(timer).toContain('Unit=facetag-backup.service\n');
  });

  it('a periodic job (the cluster units\' health checks) runs every N seconds: a systemd timer, a launchd StartInterval', () => {
    const check: UnitSpec = { ...role, name: 'facetag-serve-health', label: 'org.facetag.serve.health', every: { seconds: 30, afterBootSeconds: 120 }, header: 'Generated -- by a test' };
    const service = systemdService(check);
    expect(service.startsWith('# Generated -- by a test\n[Unit]\n')).toBe(true);
    expect(service).toContain('Type=oneshot\n');
    expect(service).not.toContain('Restart=');
    const timer = systemdTimer(check);
    expect(timer).toContain('OnBootSec=120\nOnUnitActiveSec=30\nUnit=facetag-serve-health.service\n');
    expect(timer).not.toContain('OnCalendar');
    const plist = parsePlist(launchdPlist(check).replace(/<!--[\s\S]*?-->/g, '')) as Record<string, unknown>;
    expect(plist.Label).toBe('org.facetag.serve.health');
    expect(plist.StartInterval).toBe(30);
    expect(plist.KeepAlive).toBeUndefined();
    expect(launchdPlist(check)).toContain('<!-- Generated - - by a test -->');
  });

  it('systemd-analyze verify accepts both, with nothing to say', (ctx) => {
    if (!requireTool(['systemd-analyze', '--version'], 'systemd unit verification')) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'facetag-units-'));
    // verify checks that the program exists: point the role at this node and a real file.
    const real = { ...role, command: [process.execPath, join(dir, 'facetag.js'), 'serve'], workingDirectory: dir };
    writeFileSync(join(dir, 'facetag.js'), '');
    writeFileSync(join(dir, 'facetag-server.service'), systemdService(real));
    writeFileSync(join(dir, 'facetag-backup.service'), systemdService({ ...daily, command: real.command, workingDirectory: dir }));
    writeFileSync(join(dir, 'facetag-backup.timer'), systemdTimer(daily));
    const files = ['facetag-server.service', 'facetag-backup.service', 'facetag-backup.timer'].map((f) => join(dir, f));
    const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
    expect(r.stderr).toBe(''); // unknown keys and bad values are only warnings on stderr
    expect(r.status).toBe(0);
    // And it does complain about a broken unit, so the check above means something.
    writeFileSync(join(dir, 'broken.service'), systemdService(real).replace('Type=simple', 'Type=sometimes'));
    expect(spawnSync('systemd-analyze', ['verify', join(dir, 'broken.service')], { encoding: 'utf8' }).stderr).toMatch(/Failed to parse service type/);
  });

  it('launchd: a well-formed plist; daily by calendar interval, a role kept alive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-units-'));
    for (const spec of [role, daily]) {
      const text = launchdPlist(spec);
      const plist = parsePlist(text) as Record<string, any>;
      expect(plist.Label).toBe(launchdLabel(spec));
      expect(plist.ProgramArguments).toEqual(spec.command);
      expect(plist.WorkingDirectory).toBe(spec.workingDirectory);
      expect(plist.EnvironmentVariables).toEqual(spec.environment);
      expect(plist.StandardErrorPath).toBe(`/var/log/facetag/${spec.name}.err.log`);
      expect(plist.Umask).toBe(0o077);
      if (spec.daily) {
        expect(plist.StartCalendarInterval).toEqual({ Hour: 3, Minute: 5 });
        expect(plist.KeepAlive).toBeUndefined();
      } else {
        expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
        expect(plist.RunAtLoad).toBe(true);
      }
      const file = join(dir, `${plist.Label}.plist`);
      writeFileSync(file, text);
      const independent = plistlibRead(file);
      if (independent !== null) expect(independent).toEqual(plist);
    }
    expect(launchdLabel(role)).toBe('org.facetag.server');
    expect(() => parsePlist(launchdPlist(role).replace('<key>WorkingDirectory</key>', ''))).toThrow(/where a <key> belongs|key without a value/);
  });
});
