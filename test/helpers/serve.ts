import type { ChildProcess } from 'node:child_process';
import { startFacetag } from './cli.js';

export interface RunningServe {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The admin password: the one set (argument or FACETAG_SERVER_ADMIN_PASSWORD), or the one serve generated and printed. */
  password: string;
  stdout: () => string;
  stderr: () => string;
  /** Creates an API token as a user does: logged in, through POST /api/tokens. */
  token(name: string, scope?: 'full' | 'recognition'): Promise<string>;
  /** SIGTERM, and wait for the exit (what it printed on stderr). */
  stop(): Promise<string>;
}

/**
 * Starts `facetag serve --init` on a free port of 127.0.0.1 and resolves once it listens.
 * `password` null: none is configured, and the one serve generates and prints is taken (unless
 * the env sets one). `--init` lets a test serve a new data folder; the refusal of a folder that
 * holds no library is tested through the CLI itself.
 */
export async function startServe(data: string, env: Record<string, string> = {}, password: string | null = 'serve-helper-password'): Promise<RunningServe> {
  const child = startFacetag(['serve', '--init', '--data', data, '--port', '0'], { env: password === null ? env : { FACETAG_SERVER_ADMIN_PASSWORD: password, ...env } });
  const configured = env.FACETAG_SERVER_ADMIN_PASSWORD ?? password;
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const { url, admin } = await new Promise<{ url: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`facetag serve did not start:\n${out}\n${err}`)), 120_000);
    child.once('exit', (code) => reject(new Error(`facetag serve exited with ${code}:\n${out}\n${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const listening = /facetag dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      const generated = /admin password \(shown this once[^)]*\): (\S+)/.exec(out)?.[1];
      const admin = configured ?? generated;
      if (listening && admin) {
        clearTimeout(timer);
        resolve({ url: listening, admin });
      }
    });
  });
  let session: Promise<ApiSession> | null = null;
  return {
    child, url, port: Number(new URL(url).port), password: admin, stdout: () => out, stderr: () => err,
    async token(name, scope = 'full') {
      const res = await (await (session ??= login(url, admin))).call<{ token: string }>('POST', '/api/tokens', { name, scope });
      if (res.status !== 201) throw new Error(`token not created: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token;
    },
    stop: () => new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done(err);
      child.once('exit', () => done(err));
      child.kill('SIGTERM');
    }),
  };
}

export interface ApiSession {
  /** A request with the session's cookie and CSRF token; resolves with the status and the JSON body. */
  call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** Logs in to a running `facetag serve` as a dashboard user does. */
export async function login(url: string, password: string): Promise<ApiSession> {
  const res = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return {
    async call(method, path, body) {
      const r = await fetch(`${url}${path}`, {
        method,
        headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
  };
}
