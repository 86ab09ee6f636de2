/**
 * Service definitions for the init systems facetag runs under: systemd (Linux) and launchd
 * (macOS), generated from one spec so that every role (backup, dashboard, worker, ...) is
 * described once. Long-running roles restart on failure; a daily job is a oneshot service
 * with a timer, or a launchd job with a calendar interval; a periodic job (a health check)
 * runs every few seconds the same way. `facetag backup schedule` and `facetag cluster units`
 * (service-units.ts) both render through here.
 */
export interface UnitSpec {
  /** `facetag-backup`: the systemd unit name; the launchd label is `org.facetag.backup` (as `facetag cluster units` names roles). */
  name: string;
  description: string;
  /** The program and its arguments; the program is an absolute path. */
  command: string[];
  workingDirectory: string;
  environment?: Record<string, string>;
  /** Run once a day at this local time; absent (with no `every`) means a long-running service kept alive. */
  daily?: { hour: number; minute: number };
  /** Run every `seconds` (first `afterBootSeconds` after boot), e.g. a health check. */
  every?: { seconds: number; afterBootSeconds: number };
  /** A comment at the top of the file (`# ...` for systemd, `<!-- ... -->` for launchd): who generated it. */
  header?: string;
  /** The launchd label; default `org.facetag.<name without facetag->`. */
  label?: string;
  /** systemd: give up restarting after `burst` failed starts within `intervalSec`. */
  startLimit?: { intervalSec: number; burst: number };
  /** systemd: a command whose success makes the start count (e.g. waiting for /healthz). */
  startedWhen?: string[];
  /** The account it runs as (systemd `User=`; launchd `UserName`, for a daemon). */
  user?: string;
  /** Folder for launchd's stdout/stderr files (systemd sends them to the journal). */
  logDir: string;
  /** Units this one starts after (`redis-server.service`, ...), systemd only. */
  after?: string[];
  /** Runs at idle CPU and I/O priority (a backup must not slow the dashboard). */
  background?: boolean;
}

export const launchdLabel = (spec: Pick<UnitSpec, 'name' | 'label'>) => spec.label ?? `org.facetag.${spec.name.replace(/^facetag-/, '')}`;

/** A job that runs and exits (daily or periodic), as opposed to a service kept alive. */
const runsAndExits = (spec: UnitSpec) => Boolean(spec.daily ?? spec.every);

/** One argument of ExecStart=: quoted when needed, `%` doubled (systemd's specifier escape). */
export function systemdArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function systemdService(spec: UnitSpec): string {
  const after = ['network-online.target', ...(spec.after ?? [])];
  const once = runsAndExits(spec);
  const lines = [
    ...(spec.header ? [`# ${spec.header}`] : []),
    '[Unit]',
    `Description=${spec.description}`,
    `Wants=network-online.target`,
    `After=${after.join(' ')}`,
    ...(spec.startLimit ? [`StartLimitIntervalSec=${spec.startLimit.intervalSec}`, `StartLimitBurst=${spec.startLimit.burst}`] : []),
    '',
    '[Service]',
    `Type=${once ? 'oneshot' : 'simple'}`,
    `ExecStart=${spec.command.map(systemdArg).join(' ')}`,
    ...(spec.startedWhen ? [`ExecStartPost=${spec.startedWhen.map(systemdArg).join(' ')}`] : []),
    `WorkingDirectory=${spec.workingDirectory}`,
    ...(spec.user ? [`User=${spec.user}`] : []),
    ...Object.entries(spec.environment ?? {}).map(([k, v]) => `Environment=${systemdArg(`${k}=${v}`)}`),
    ...(once ? [] : ['Restart=on-failure', 'RestartSec=5s', 'KillSignal=SIGTERM', 'TimeoutStopSec=60s']),
    ...(spec.background ? ['Nice=10', 'IOSchedulingClass=idle'] : []),
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    'UMask=0077',
    ...(once ? [] : ['', '[Install]', 'WantedBy=multi-user.target']),
  ];
  return `${lines.join('\n')}\n`;
}

export function systemdTimer(spec: UnitSpec): string {
  if (spec.every) {
    return [
      ...(spec.header ? [`# ${spec.header}`] : []),
      '[Unit]',
      `Description=${spec.description}, every ${spec.every.seconds} s`,
      '',
      '[Timer]',
      `OnBootSec=${spec.every.afterBootSeconds}`,
      `OnUnitActiveSec=${spec.every.seconds}`,
      `Unit=${spec.name}.service`,
      '',
      '[Install]',
      'WantedBy=timers.target',
      '',
    ].join('\n');
  }
  if (!spec.daily) throw new Error(`${spec.name} is a long-running service; only a daily or periodic job has a timer`);
  const { hour, minute } = spec.daily;
  return [
    ...(spec.header ? [`# ${spec.header}`] : []),
    '[Unit]',
    `Description=${spec.description}, daily at ${pad(hour)}:${pad(minute)}`,
    '',
    '[Timer]',
    `OnCalendar=*-*-* ${pad(hour)}:${pad(minute)}:00`,
    // A run missed while the machine was off happens at the next boot.
    'Persistent=true',
    `Unit=${spec.name}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

export const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function launchdPlist(spec: UnitSpec): string {
  const label = launchdLabel(spec);
  const string = (s: string) => `<string>${xml(s)}</string>`;
  const body = [
    ...(spec.header ? [`<!-- ${xml(spec.header).replace(/--/g, '- -')} -->`] : []),
    `<key>Label</key>${string(label)}`,
    '<key>ProgramArguments</key>',
    '<array>',
    ...spec.command.map((a) => `  ${string(a)}`),
    '</array>',
    `<key>WorkingDirectory</key>${string(spec.workingDirectory)}`,
    ...(spec.user ? [`<key>UserName</key>${string(spec.user)}`] : []),
    ...(spec.environment && Object.keys(spec.environment).length > 0
      ? ['<key>EnvironmentVariables</key>', '<dict>', ...Object.entries(spec.environment).map(([k, v]) => `  <key>${xml(k)}</key>${string(v)}`), '</dict>']
      : []),
    ...(spec.daily
      ? ['<key>StartCalendarInterval</key>', '<dict>', `  <key>Hour</key><integer>${spec.daily.hour}</integer>`, `  <key>Minute</key><integer>${spec.daily.minute}</integer>`, '</dict>']
      : spec.every
        ? [`<key>StartInterval</key><integer>${spec.every.seconds}</integer>`]
        // Restarted whenever it exits with a failure (a clean stop by launchctl stays stopped).
        : ['<key>RunAtLoad</key><true/>', '<key>KeepAlive</key>', '<dict>', '  <key>SuccessfulExit</key><false/>', '</dict>', '<key>ThrottleInterval</key><integer>5</integer>', '<key>ExitTimeOut</key><integer>60</integer>']),
    ...(spec.background ? ['<key>LowPriorityIO</key><true/>', '<key>Nice</key><integer>10</integer>', '<key>ProcessType</key>', string('Background')] : []),
    `<key>StandardOutPath</key>${string(`${spec.logDir}/${spec.name}.out.log`)}`,
    `<key>StandardErrorPath</key>${string(`${spec.logDir}/${spec.name}.err.log`)}`,
    '<key>Umask</key><integer>63</integer>',
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    ...body.map((l) => `  ${l}`),
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
