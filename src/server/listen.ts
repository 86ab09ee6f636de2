import { serve } from '@hono/node-server';
import { AppError } from '../errors.js';

export interface Listening {
  /** The port bound (the one asked for, or the free one picked for 0). */
  port: number;
  /** `http://host:port`, with an IPv6 host in brackets: for the line a command prints. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `fetch` on host:port and waits until it listens. A port in use or any other listen
 * failure is an AppError that names the setting to change (`portSetting`, e.g. FACETAG_SERVER_PORT).
 */
export async function listen(fetch: (request: Request) => Response | Promise<Response>, host: string, port: number, portSetting: string): Promise<Listening> {
  const http = serve({ fetch, hostname: host, port });
  const bound = await new Promise<number>((ok, fail) => {
    http.once('listening', () => ok((http.address() as { port: number }).port));
    http.once('error', (error: NodeJS.ErrnoException) => fail(error.code === 'EADDRINUSE'
      ? new AppError('CONFLICT', `port ${port} is in use on ${host}; pick another with --port or ${portSetting} (0 picks a free one)`)
      : new AppError('INTERNAL', `cannot listen on ${host}:${port}: ${error.message}`)));
  });
  return {
    port: bound,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
