import type { ChildProcess } from 'node:child_process';
import { startFacetag } from './cli.js';

export interface RunningServe {
  child: ChildProcess;
  url: string;
  port: number;
  /** Creates an API token as a user does: logged in, through POST /api/tokens. */
  token(name: string, scope?: 'full' | 'recognition'): Promise<string>;
  /** SIGTERM, and wait for the exit (what it printed on stderr). */
  stop(): Promise<string>;
}

/** Starts `facetag serve` on a free port of 127.0.0.1 with a known admin password; resolves once it listens. */
export async function startServe(data: string, env: Record<string, string> = {}, password = 'serve-helper-password'): Promise<RunningServe> {
  const child = startFacetag(['serve', '--data', data, '--port', '0'], { env: { FACETAG_SERVER_ADMIN_PASSWORD: password, ...env } });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`facetag serve did not start:\n${out}\n${err}`)), 120_000);
    child.once('exit', (code) => reject(new Error(`facetag serve exited with ${code}:\n${out}\n${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /facetag dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  let session: Promise<{ cookie: string; csrfToken: string }> | null = null;
  const login = async () => {
    const res = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrfToken: ((await res.json()) as { csrfToken: string }).csrfToken };
  };
  return {
    child, url, port: Number(new URL(url).port),
    async token(name, scope = 'full') {
      const { cookie, csrfToken } = await (session ??= login());
      const res = await fetch(`${url}/api/tokens`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ name, scope }) });
      if (res.status !== 201) throw new Error(`token not created: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    stop: () => new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done(err);
      child.once('exit', () => done(err));
      child.kill('SIGTERM');
    }),
  };
}
