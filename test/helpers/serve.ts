import type { ChildProcess } from 'node:child_process';
import { startFacetag } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The generated admin password, when `serve` printed one (none when the env sets it). */
  password: string | null;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `facetag serve --data <data> --port 0` and resolves once it listens (and has printed the
 * generated password, unless FACETAG_SERVER_ADMIN_PASSWORD is in `env`).
 */
export function startServe(data: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<ServeProcess> {
  const child = startFacetag(['serve', '--data', data, '--port', '0'], { env });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`facetag serve did not start:\n${out}\n${err}`)), timeoutMs);
    void exited.then((code) => reject(new Error(`facetag serve exited ${code}:\n${out}\n${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const url = /facetag dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      const password = /admin password \(shown this once[^)]*\): (\S+)/.exec(out)?.[1] ?? null;
      if (url && (password || env.FACETAG_SERVER_ADMIN_PASSWORD)) {
        clearTimeout(timer);
        resolve({ child, url, password, stdout: () => out, stderr: () => err, stop });
      }
    });
  });
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
