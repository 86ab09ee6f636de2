import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Hono } from 'hono';
import { HttpError } from './http-error.js';
import type { ServerEnv } from './server-env.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json', '.map': 'application/json',
};

/** A file name of the built assets: no folder part, no dot first, nothing to escape the folder with. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/**
 * Resolves `name` inside `root`, or throws 404: the request's path never reaches the file
 * system unless it is a plain file name that stays inside the folder.
 */
export function safeJoin(root: string, name: string): string {
  if (!SAFE_NAME.test(name) || name.includes('..')) throw new HttpError(404, 'NOT_FOUND', 'no such file');
  const base = resolve(root);
  const path = resolve(base, name);
  if (!path.startsWith(base + sep)) throw new HttpError(404, 'NOT_FOUND', 'no such file');
  return path;
}

/**
 * The dashboard's built files (web/dist): `/login` and `/assets/*` (code, no data) are public;
 * `/` is the dashboard and needs a session, else it redirects to `/login`.
 */
export function registerStatic(app: Hono<ServerEnv>, webRoot: string) {
  const send = async (path: string, cache: string) => {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      if (path.endsWith('.html')) {
        throw new HttpError(503, 'DASHBOARD_NOT_BUILT', 'the dashboard is not built; run `npm run build:web` (facetag serve builds it on start)');
      }
      throw new HttpError(404, 'NOT_FOUND', 'no such file');
    }
    return new Response(new Uint8Array(bytes), { headers: { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': cache } });
  };
  app.get('/login', () => send(join(webRoot, 'login.html'), 'no-store'));
  app.get('/', (c) => (c.get('caller') ? send(join(webRoot, 'index.html'), 'no-store') : c.redirect('/login', 302)));
  // Vite names every asset by its content hash: cache them for good.
  app.get('/assets/:name', (c) => send(safeJoin(join(webRoot, 'assets'), c.req.param('name')), 'public, max-age=31536000, immutable'));
}
