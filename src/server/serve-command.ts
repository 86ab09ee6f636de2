import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createAnalysisTransport, createContext, createQueue, startAnalysisPool } from '../context.js';
import { authFile } from '../data-folder.js';
import { AppError } from '../errors.js';
import { createQueueDepthReader } from '../metrics/queue-depth.js';
import type { Command } from '../cli/io.js';
import { createServerApp } from './app.js';
import { openAuthStore } from './auth-store.js';
import { ensureWebBuild } from './web-build.js';
import { listen } from './listen.js';

const HELP = `Usage: facetag serve [--data DIR] [--host H] [--port N] [--reset-password] [--init]

Serves the admin dashboard and its REST API (default http://127.0.0.1:8080; OpenAPI document
at /api/openapi.json). On first start, when no admin password is configured
(FACETAG_SERVER_ADMIN_PASSWORD), one is generated and printed once. The data folder must hold a
library (\`facetag index\` makes one), so that a mistyped --data is refused, not served empty;
--init starts a new, empty one there (a recognition service fed through the API), as does a
configured server.indexFolder ("Index now" fills it).

  --host H            address to bind (server.host, default 127.0.0.1: this machine only)
  --port N            port (server.port, default 8080; 0 picks a free one)
  --reset-password    replace the admin password with a new generated one, printed once
  --init              start a new, empty library in the data folder if it holds none`;

const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

export const serveCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { host: { type: 'string' }, port: { type: 'string' }, 'reset-password': { type: 'boolean' }, init: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new AppError('USAGE', `serve takes no arguments, got "${positionals[0]}"; run \`facetag serve --help\``);
  const config = load({ server: { host: values.host, port: values.port } });
  // A new library only when asked (--init), or when the dashboard can fill it ("Index now" of server.indexFolder).
  const ctx = await createContext(config, 'server', { create: !!values.init || !!config.server.indexFolder });
  const auth = openAuthStore(authFile(config));
  let stopped: () => void = () => {};
  const stop = () => stopped();
  try {
    const generated = values['reset-password']
      ? await auth.resetAdminPassword()
      : (await auth.ensureAdminPassword(config.server.adminPassword)).generated;
    const webRoot = await ensureWebBuild(() => io.stderr.write('building the dashboard (once, after an update)...\n'));
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const server = createServerApp({
      ...ctx, auth, webRoot, version,
      indexFolder: config.server.indexFolder ? resolve(io.cwd, config.server.indexFolder) : null,
      startAnalyser: () => startAnalysisPool(config),
      ...(config.queue.driver === 'bullmq' ? {
        indexTransport: () => createAnalysisTransport(ctx),
        queueDepth: createQueueDepthReader(() => createQueue(config, ctx.log)),
      } : {}),
    });
    const http = await listen(server.app.fetch, config.server.host, config.server.port, 'FACETAG_SERVER_PORT');
    const port = http.port;
    io.stdout.write(`facetag dashboard: ${http.origin}/\n`);
    if (!loopback(config.server.host)) io.stderr.write(`warning: listening on ${config.server.host}, reachable from other machines; put it behind HTTPS (and set server.secureCookies)\n`);
    if (generated) {
      // Printed here only: the data folder keeps a scrypt hash, and the logs never see it.
      io.stdout.write(`admin password (shown this once; change it in the dashboard, set FACETAG_SERVER_ADMIN_PASSWORD, or run \`facetag serve --reset-password\`): ${generated}\n`);
    }
    ctx.log.info({ port, host: config.server.host }, 'dashboard listening');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise<void>((resolve) => (stopped = resolve));
    io.stderr.write('stopping: finishing the requests and photos in flight...\n');
    await http.close();
    await server.close();
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    auth.close();
    await ctx.close();
  }
};
