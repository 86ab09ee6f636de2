import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** Runs the CLI in-process and returns what it printed. */
async function run(argv: string[]) {
  let stdout = '';
  const out = new Writable({ write: (chunk, _enc, done) => { stdout += chunk; done(); } });
  const code = await runCli(argv, { env: {}, cwd: process.cwd(), stdout: out, stderr: out });
  return { code, stdout };
}

describe('facetag --help', () => {
  it('lists every verb that a command\'s own help lists as `facetag <command> <verb>` (storage upload included)', async () => {
    const top = (await run(['--help'])).stdout;
    const listed = (command: string) => new RegExp(`^  ${command} (\\S+)`, 'm').exec(top)?.[1]?.split('|') ?? [];
    expect(listed('storage')).toEqual(expect.arrayContaining(['init', 'upload', 'expire']));
    for (const command of ['storage', 'people', 'photos', 'faces', 'models', 'eval', 'export', 'suggest', 'graph', 'metrics', 'service', 'cluster', 'backup', 'worker']) {
      const own = (await run([command, '--help'])).stdout;
      const verbs = [...own.matchAll(new RegExp(`facetag ${command} ([a-z][a-z-]+)(?= |$)`, 'gm'))].map((m) => m[1]!);
      for (const verb of new Set(verbs)) expect(listed(command), `facetag ${command} ${verb}`).toContain(verb);
    }
  });
});
