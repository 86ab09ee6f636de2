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
 * With `nextFree`, a port in use is not an error while one of the next `nextFree` ports is free:
 * the first free one is taken (`facetag worker`: several on one host, 9101, 9102, ...).
 */
export async function listen(
  fetch: (request: Request) => Response | Promise<Response>, host: string, port: number, portSetting: string, options: { nextFree?: number } = {},
): Promise<Listening> {
  const tries = port === 0 ? 0 : Math.max(0, options.nextFree ?? 0);
  for (let n = 0; ; n++) {
    try {
      return await listenOn(fetch, host, port + n);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new AppError('INTERNAL', `cannot listen on ${host}:${port + n}: ${(error as Error).message}`);
      if (n >= tries || port + n + 1 > 65535) {
        const which = tries > 0 ? `ports ${port}-${port + n} are` : `port ${port} is`;
        throw new AppError('CONFLICT', `${which} in use on ${host}; pick another with --port or ${portSetting} (0 picks a free one)`);
      }
    }
  }
}

async function listenOn(fetch: (request: Request) => Response | Promise<Response>, host: string, port: number): Promise<Listening> {
  const http = serve({ fetch, hostname: host, port });
  const bound = await new Promise<number>((ok, fail) => {
    http.once('listening', () => ok((http.address() as { port: number }).port));
    http.once('error', (error) => {
      http.close();
      fail(error);
    });
  });
  return {
    port: bound,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
