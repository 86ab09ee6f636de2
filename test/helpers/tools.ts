import { spawnSync } from 'node:child_process';

/**
 * True when `command --version`-style `probe` runs. Outside CI a suite that needs the tool is
 * skipped with a loud message; under CI=true its absence is an error (`.ci/run` installs it).
 */
export function requireTool(probe: string[], suite: string): boolean {
  const r = spawnSync(probe[0]!, probe.slice(1), { stdio: 'ignore' });
  if (r.status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: \`${probe.join(' ')}\` does not run, and CI=true requires this suite to run`);
  console.warn(`\n!!! SKIPPED: ${suite} needs \`${probe.join(' ')}\`, which does not run here !!!\n`);
  return false;
}
